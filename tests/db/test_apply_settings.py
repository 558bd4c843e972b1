"""“Apply office settings to open declarations”: fills only empty fields, audited, undoable."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from app.cli import main
from app.db.models import AuditEvent, Declaration
from app.domain.errors import PermissionDeniedError
from app.precheck.service import check_declarations
from app.security.context import Actor, Role
from app.services.apply_settings import apply_settings_to_open, undo_apply_settings
from app.services.settings import set_settings
from tests.factories import make_declaration

OFFICE = {"agentCode": "5141980XYZ", "agentName": "广州清关通报关有限公司",
          "customsCode": "5141", "portCode": "5141"}


@pytest.fixture
def ids(sessions: sessionmaker[Session], actor: Actor) -> dict[str, int]:
    """Declarations imported before the office settings were entered."""
    with sessions() as s, s.begin():
        out = {
            "empty": make_declaration(s, agentCode=None, agentName="", customsCode=None,
                                      portCode=None),
            "own_agent": make_declaration(s, agentCode="9999999999", agentName="别家报关行",
                                          customsCode=None, portCode=None),
            "sent": make_declaration(s, status="sent", agentCode=None, agentName=None),
            "complete": make_declaration(s),
        }
        check_declarations(s, actor, list(out.values()))
    return out


def _decl(s: Session, decl_id: int) -> Declaration:
    return s.execute(select(Declaration).where(Declaration.id == decl_id)).scalar_one()


def test_fills_only_empty_fields_of_open_declarations_then_undo(
        sessions: sessionmaker[Session], actor: Actor, ids: dict[str, int]) -> None:
    with sessions() as s, s.begin():
        assert _decl(s, ids["empty"]).status == "invalid"
        set_settings(s, actor, OFFICE)
    with sessions() as s, s.begin():
        dry = apply_settings_to_open(s, actor, dry_run=True)
    assert (dry.run_id, dry.declarations, dry.fields) == ("", 2, 6)
    assert dry.by_field == {"agentCode": 1, "agentName": 1, "customsCode": 2, "portCode": 2}
    with sessions() as s:
        assert _decl(s, ids["empty"]).agentCode is None  # a dry run writes nothing
    with sessions() as s, s.begin():
        run = apply_settings_to_open(s, actor)
    assert (run.declarations, run.fields) == (2, 6)
    with sessions() as s:
        empty, own = _decl(s, ids["empty"]), _decl(s, ids["own_agent"])
        sent = _decl(s, ids["sent"])
        assert (empty.agentCode, empty.agentName, empty.customsCode) == (
            "5141980XYZ", "广州清关通报关有限公司", "5141")
        assert empty.status == "ready"  # the pre-check ran on what changed
        assert (own.agentCode, own.customsCode) == ("9999999999", "5141")  # kept its own
        assert sent.agentCode is None  # not open: left alone
        events = s.execute(select(AuditEvent).where(AuditEvent.action == "settings.apply_open")
                           .order_by(AuditEvent.id)).scalars().all()
        assert [e.declaration_id for e in events] == [ids["empty"], ids["own_agent"]]
        assert events[0].details["run"] == run.run_id
    with sessions() as s, s.begin():
        undone = undo_apply_settings(s, actor, run.run_id)
    assert (undone.declarations, undone.fields, undone.skipped) == (2, 6, 0)
    with sessions() as s:
        empty, own = _decl(s, ids["empty"]), _decl(s, ids["own_agent"])
        assert (empty.agentCode, empty.agentName, empty.customsCode) == (None, "", None)
        assert empty.status == "invalid"
        assert (own.agentCode, own.customsCode) == ("9999999999", None)
        assert s.execute(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.action == "settings.apply_open_undo")).scalar_one() == 2


def test_undo_leaves_fields_changed_since(sessions: sessionmaker[Session], actor: Actor,
                                          ids: dict[str, int]) -> None:
    with sessions() as s, s.begin():
        set_settings(s, actor, OFFICE)
        run = apply_settings_to_open(s, actor)
    with sessions() as s, s.begin():
        _decl(s, ids["empty"]).customsCode = "5100"
    with sessions() as s, s.begin():
        undone = undo_apply_settings(s, actor, run.run_id)
    with sessions() as s:
        empty = _decl(s, ids["empty"])
        assert (empty.customsCode, empty.agentCode) == ("5100", None)
    assert undone.fields == 5


def test_roles_that_edit_declarations_may_the_administrator_may_not(
        sessions: sessionmaker[Session], ids: dict[str, int]) -> None:
    with sessions() as s, pytest.raises(PermissionDeniedError):
        apply_settings_to_open(s, Actor("admin", Role.ADMIN), dry_run=True)
    with sessions() as s:
        assert apply_settings_to_open(s, Actor("wang", Role.SUPERVISOR), dry_run=True)
        assert apply_settings_to_open(s, Actor("li", Role.CLERK), dry_run=True)


def test_cli_apply_open_dry_run_apply_and_undo(db_url: str, ids: dict[str, int],
                                               capsys: pytest.CaptureFixture[str]) -> None:
    for key, value in OFFICE.items():
        assert main(["--db", db_url, "config", "set", key, value]) == 0
    capsys.readouterr()
    assert main(["--db", db_url, "config", "apply-open", "--dry-run"]) == 0
    assert "Would fill 6 empty fields in 2 open declarations" in capsys.readouterr().out
    assert main(["--db", db_url, "config", "apply-open", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert (data["declarations"], data["fields"], data["byField"]["portCode"]) == (2, 6, 2)
    assert main(["--db", db_url, "config", "apply-open", "--undo", data["run"]]) == 0
    assert "6 fields emptied again in 2 declarations" in capsys.readouterr().out
    assert main(["--db", db_url, "config", "apply-open", "--undo", data["run"]]) == 1
    assert "already undone" in capsys.readouterr().err
