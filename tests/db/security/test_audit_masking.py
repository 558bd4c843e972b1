"""Issue 16 item 6: the audit trail shows identity numbers and phones masked to every role,
in `audit list --json`, the browser's service and the evidence pack."""

from __future__ import annotations

import json

import pytest
from sqlalchemy.orm import Session, sessionmaker

from app.cli import main
from app.reports.evidence import _audit_csv
from app.security.audit import record_event
from app.security.audit_service import AuditFilter, AuditService
from app.security.context import Actor

from .conftest import PASSWORDS

# Not all of them look like valid numbers: masking must not depend on a pattern matching.
SECRETS = ("440106198513172418", "11010119900307123X", "020-87654321", "0755-1234567",
           "13987654321")


def _events(sessions: sessionmaker[Session], clerk: Actor) -> None:
    with sessions() as session, session.begin():
        record_event(session, clerk, "declaration.update", entity="declaration", entity_id=5,
                     declaration_id=5, details={"version": 2, "changes": [
                         {"field": "buyerTelephone", "gnum": None, "before": "020-87654321",
                          "after": "0755-1234567"},
                         {"field": "buyerIdNumber", "gnum": None, "before": "440106198513172418",
                          "after": "11010119900307123X"}]})
        record_event(session, clerk, "declaration.update", entity="declaration", entity_id=5,
                     declaration_id=5, reason="buyer 13987654321 called",
                     details={"import_job": 1, "changes": {
                         "buyerIdNumber": ["11010119900307123X", "440106198513172418"]}})


def _leaks(text: str) -> list[str]:
    return [s for s in SECRETS if s in text]


def test_audit_list_json_masks_for_supervisors_and_admins(
    db_url: str, sessions: sessionmaker[Session], accounts: dict[str, Actor],
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:
    _events(sessions, accounts["clerk"])
    for role in ("supervisor", "admin"):
        monkeypatch.setenv("CLEARDESK_USER", role)
        monkeypatch.setenv("CLEARDESK_PASSWORD", PASSWORDS[role])
        outputs = []
        for argv in (["audit", "list", "--json"], ["audit", "list"]):
            assert main(["--db", db_url, *argv]) == 0
            outputs.append(capsys.readouterr().out)
            assert _leaks(outputs[-1]) == [], (role, argv)
        assert "4401**********2418" in outputs[0] and "020-****4321" in outputs[0]
    with sessions() as session:
        events = AuditService(session).list_events(accounts["supervisor"], AuditFilter())
        csv_text = _audit_csv(session, 999, [5])[0].decode("utf-8")
    assert _leaks(json.dumps([e.as_dict() for e in events], default=str)) == []
    assert _leaks(csv_text) == [] and "4401**********2418" in csv_text
