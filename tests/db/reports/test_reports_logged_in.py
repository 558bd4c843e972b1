"""Exports as a logged-in user: the login happens before the export's transaction opens,
the file appears (owner-only) only together with its audit event."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from app.cli import main
from app.db.models import AuditEvent
from app.security.context import system_actor
from app.security.users import UserService
from tests.db.reports.conftest import ReportData

PASSWORD = "Correct-horse-42"


def _add_users(sessions: sessionmaker[Session]) -> None:
    with sessions() as session, session.begin():
        users = UserService(session)
        users.add(None, "boss", "admin", PASSWORD)
        users.add(system_actor(), "wang", "supervisor", PASSWORD)


@pytest.mark.parametrize("argv", [
    ("export", "evidence", "--batch", "B1-20261120", "-o", "out.zip"),
    ("export", "declarations", "--batch", "B1-20261120", "-o", "out.xlsx"),
    ("export", "summary", "--from", "2026-11-20", "--to", "2026-11-22", "--batch",
     "B1-20261120", "-o", "out.xlsx"),
])
def test_exports_as_a_logged_in_supervisor(
        report_data: ReportData, db_url: str, sessions: sessionmaker[Session],
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
        argv: tuple[str, ...]) -> None:
    _add_users(sessions)
    monkeypatch.setenv("CLEARDESK_PASSWORD", PASSWORD)
    (tmp_path / "out").mkdir()
    target = tmp_path / "out" / argv[-1]
    code = main(["--db", db_url, "--user", "wang", *argv[:-1], str(target), "--json"])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert json.loads(out)["file"] == str(target)
    assert target.stat().st_mode & 0o777 == 0o600  # identity numbers: owner only
    assert [p.name for p in target.parent.iterdir()] == [target.name]  # no temp files left
    with sessions() as session:
        event = session.execute(select(AuditEvent.user_name, AuditEvent.action)
                                .where(AuditEvent.action.like("export.%"))).one()
    assert event == ("wang", f"export.{argv[1]}")


def test_a_failed_evidence_pack_leaves_no_file_and_no_event(
        report_data: ReportData, db_url: str, sessions: sessionmaker[Session],
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    import app.reports.evidence as evidence

    def audit_fails(*args: object, **kwargs: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(evidence, "record_event", audit_fails)
    (tmp_path / "out").mkdir()
    target = tmp_path / "out" / "out.zip"
    with pytest.raises(OSError):
        main(["--db", db_url, "export", "evidence", "--batch", "B1-20261120", "-o",
              str(target)])
    assert list(target.parent.iterdir()) == []
    with sessions() as session:
        assert not session.scalars(select(AuditEvent.id)
                                   .where(AuditEvent.action == "export.evidence")).all()
