"""A batching rule with auto-submit off makes its batches but leaves them for a person to
submit; `cleardesk autopilot --rule … --auto-submit no` sets it and `--workstation` names the
workstation whose window runs the autopilot (acting for whoever chose it, audited)."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from app.autopilot.rules import run_rules
from app.db.models import AuditEvent
from app.services.settings import all_settings
from app.submission.exchange import ExchangeFolderTransport
from tests.db.submission.test_autopilot_rules import AFTER_CUTOFF, _ready, _status
from tests.db.test_cli import run_json


def test_auto_submit_off_batches_but_leaves_the_submit_to_a_person(
        db_url: str, sessions: sessionmaker[Session], broker: dict[str, str],
        exchange: ExchangeFolderTransport, capsys: pytest.CaptureFixture[str]) -> None:
    ids = _ready(sessions, 3)
    saved = run_json(capsys, "--db", db_url, "autopilot", "--rule", "manual flight",
                     "--bill", "78412345675", "--cutoffs", "10:30", "--auto-submit", "no")
    assert saved["autoSubmit"] is False
    (run,) = run_rules(sessions, AFTER_CUTOFF, transfer_settings=broker)
    assert len(run.batches) == 1 and run.declarations == 3 and run.submitted_messages == 0
    assert set(_status(sessions, ids)) == {"queued"}
    assert list(exchange.outbox.glob("*.xml")) == []
    listed = run_json(capsys, "--db", db_url, "autopilot", "--rules")
    assert [r["autoSubmit"] for r in listed["rules"]] == [False]


def test_cli_names_the_workstation_that_runs_the_autopilot(
        db_url: str, sessions: sessionmaker[Session],
        capsys: pytest.CaptureFixture[str]) -> None:
    data = run_json(capsys, "--db", db_url, "autopilot", "--workstation", "desk-a")
    assert data["workstation"] == "desk-a"
    with sessions() as s:
        values = all_settings(s)
        details = s.execute(select(AuditEvent.details)
                            .where(AuditEvent.action == "autopilot.workstation")).scalar_one()
    assert values["autopilotWorkstation"] == "desk-a"
    assert values["autopilotActingFor"] == data["actingFor"]
    assert details["after"] == "desk-a"
    assert run_json(capsys, "--db", db_url, "autopilot", "--workstation", "")["workstation"] == ""
    with sessions() as s:
        assert all_settings(s)["autopilotWorkstation"] == ""
