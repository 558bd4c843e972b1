"""Issue 16 item 8: checkpoints of the audit chain kept outside the database reveal events cut
from its end and a chain recomputed after an edit, which the chain alone cannot."""

from __future__ import annotations

import json
import sqlite3
import stat
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from app.cli import main
from app.db.models import AuditEvent
from app.security.audit import GENESIS, _content, event_hash, record_event
from app.security.checkpoints import FILE_SUFFIX, given_checkpoint
from app.security.context import system_actor


def _run(capsys: pytest.CaptureFixture[str], db_path: Path, *argv: str) -> tuple[int, dict]:  # type: ignore[type-arg]
    code = main(["--db", str(db_path), *argv, "--json"])
    return code, json.loads(capsys.readouterr().out.strip().splitlines()[-1])


def _add_events(sessions: sessionmaker[Session], n: int) -> None:
    with sessions() as session, session.begin():
        for i in range(n):
            record_event(session, system_actor(), "settings.change", entity="setting",
                         entity_id=f"k{i}", details={"after": str(i)})


def _delete_last(db_path: Path, n: int) -> None:
    with sqlite3.connect(db_path) as conn:
        conn.execute("DELETE FROM audit_events WHERE id IN (SELECT id FROM audit_events "
                     "ORDER BY id DESC LIMIT ?)", (n,))


def _rewrite_after_edit(sessions: sessionmaker[Session]) -> None:
    """What an attacker with write access does: edit an event, then recompute every hash."""
    with sessions() as session, session.begin():
        events = session.execute(select(AuditEvent).order_by(AuditEvent.id)).scalars().all()
        events[2].details = {"after": "forged"}
        prev = GENESIS
        for ev in events:
            ev.prev_hash = prev
            ev.hash = prev = event_hash(prev, _content(ev))


@pytest.mark.parametrize("cut", [5, 100, "all"])
def test_truncation_is_reported_against_the_checkpoint_file(
    db_path: Path, sessions: sessionmaker[Session], capsys: pytest.CaptureFixture[str],
    cut: int | str,
) -> None:
    _add_events(sessions, 120)
    code, data = _run(capsys, db_path, "audit", "verify")
    assert code == 0 and data["ok"] and data["events"] == 120
    assert data["head"].startswith("120:")
    ckpt = db_path.with_name(db_path.name + FILE_SUFFIX)
    assert ckpt.is_file() and stat.S_IMODE(ckpt.stat().st_mode) == 0o600
    _delete_last(db_path, 120 if cut == "all" else int(cut))
    code, data = _run(capsys, db_path, "audit", "verify")
    assert code == 1 and not data["ok"] and data["kind"] == "truncated"
    assert "deleted from the end" in data["message"]


def test_a_recomputed_chain_is_reported_as_rewritten(
    db_path: Path, sessions: sessionmaker[Session], capsys: pytest.CaptureFixture[str],
) -> None:
    _add_events(sessions, 10)
    code, first = _run(capsys, db_path, "audit", "verify")
    assert code == 0
    _rewrite_after_edit(sessions)
    code, data = _run(capsys, db_path, "audit", "verify")
    assert code == 1 and data["kind"] == "rewritten" and "rewritten" in data["message"]
    # Also against a head the user copied elsewhere, with the checkpoint file gone.
    db_path.with_name(db_path.name + FILE_SUFFIX).unlink()
    code, data = _run(capsys, db_path, "audit", "verify", "--checkpoint", first["head"])
    assert code == 1 and data["kind"] == "rewritten"


def test_backups_are_checkpoints_too(
    db_path: Path, sessions: sessionmaker[Session], capsys: pytest.CaptureFixture[str],
) -> None:
    _add_events(sessions, 30)
    code, data = _run(capsys, db_path, "backup")
    assert code == 0
    db_path.with_name(db_path.name + FILE_SUFFIX).unlink()
    _delete_last(db_path, 5)
    code, data = _run(capsys, db_path, "audit", "verify")
    assert code == 1 and data["kind"] == "truncated"
    assert data["findings"][0]["source"].endswith(".sqlite3")


def test_events_appended_after_the_newest_checkpoint_are_pointed_out(
    db_path: Path, sessions: sessionmaker[Session], capsys: pytest.CaptureFixture[str],
) -> None:
    _add_events(sessions, 3)
    assert _run(capsys, db_path, "audit", "verify")[0] == 0
    _add_events(sessions, 2)  # not through a ClearDesk command: no checkpoint after them
    code = main(["--db", str(db_path), "audit", "verify"])
    out = capsys.readouterr().out
    assert code == 0 and "2 events were added after the newest checkpoint" in out
    assert "Head: 5:" in out


def test_given_checkpoint_forms(tmp_path: Path) -> None:
    cp = given_checkpoint("12:" + "ab" * 32)
    assert (cp.count, cp.head) == (12, "ab" * 32)
    with pytest.raises(Exception, match="COUNT:HASH"):
        given_checkpoint(str(tmp_path / "nothing"))
