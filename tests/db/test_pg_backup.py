"""`cleardesk backup` / `restore` on PostgreSQL drive pg_dump / pg_restore (issue 19): an
owner-only custom-format dump, audited; a restore brings the data back, keeps the replaced
contents, and refuses a dump of another schema version unless --force; a missing or too old
pg_dump is said plainly. Runs with CLEARDESK_TEST_PG set (skipped on SQLite)."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select, text
from sqlalchemy.orm import Session, sessionmaker

from app.cli import main
from app.db.migrate import head_revision
from app.db.models import AuditEvent, Declaration
from tests.factories import make_declaration


@pytest.fixture(autouse=True)
def _pg(db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    if not db_url.startswith("postgresql"):
        pytest.skip("PostgreSQL backups (set CLEARDESK_TEST_PG)")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))  # replaced copies go here


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, dict]:  # type: ignore[type-arg]
    capsys.readouterr()
    code = main([*argv, "--json"])
    out, _err = capsys.readouterr()
    return code, json.loads(out.strip().splitlines()[-1])


def _count(sessions: sessionmaker[Session]) -> int:
    with sessions() as s:
        return int(s.scalar(select(func.count(Declaration.id))) or 0)


def test_backup_and_restore_round_trip(db_url: str, tmp_path: Path,
                                       sessions: sessionmaker[Session],
                                       capsys: pytest.CaptureFixture[str]) -> None:
    with sessions() as s, s.begin():
        make_declaration(s)
    dump = tmp_path / "office.dump"

    code, made = _run(capsys, "--db", db_url, "backup", "-o", str(dump))

    assert code == 0, made
    assert made["revision"] == head_revision()
    assert stat.S_IMODE(dump.stat().st_mode) == 0o600
    assert dump.read_bytes()[:5] == b"PGDMP"  # pg_dump's custom format
    with sessions() as s, s.begin():
        make_declaration(s, orderNo="AFTER-THE-BACKUP", logisticsNo="WB-AFTER")
    assert _count(sessions) == 2

    code, restored = _run(capsys, "--db", db_url, "restore", str(dump))

    assert code == 0, restored
    assert _count(sessions) == 1
    assert Path(restored["replacedCopy"]).is_file()  # what was replaced is kept
    with sessions() as s:
        actions = list(s.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))
    assert actions[-2:] == ["backup", "restore"]
    code, verified = _run(capsys, "--db", db_url, "audit", "verify")
    assert code == 0 and verified["ok"], verified


def test_a_dump_of_another_schema_version_needs_force(
        db_url: str, tmp_path: Path, sessions: sessionmaker[Session], engine: Engine,
        capsys: pytest.CaptureFixture[str]) -> None:
    from alembic import command

    from app.db.migrate import alembic_config, ensure_schema
    from app.security.pg_backup import dump_database

    cfg = alembic_config()
    with engine.begin() as conn:  # a dump made by the previous version of ClearDesk
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0009_office")
    dump = dump_database(engine, tmp_path / "old.dump").path
    ensure_schema(engine)
    with sessions() as s, s.begin():
        make_declaration(s)

    code, refused = _run(capsys, "--db", db_url, "restore", str(dump))

    assert code == 1
    assert "--force" in refused["error"] and "0009_office" in refused["error"]
    assert _count(sessions) == 1  # nothing changed
    code, forced = _run(capsys, "--db", db_url, "restore", str(dump), "--force")
    assert code == 0, forced
    assert forced["revision"] == "0009_office"
    assert _count(sessions) == 0
    with engine.connect() as conn:  # upgraded again when the restore was recorded
        assert conn.scalar(text("SELECT version_num FROM alembic_version")) == head_revision()


def _fake_tool(folder: Path, name: str, version: str) -> None:
    folder.mkdir(exist_ok=True)
    tool = folder / name
    tool.write_text(f"#!/bin/sh\necho '{name} (PostgreSQL) {version}'\n")
    tool.chmod(0o755)


def test_a_missing_or_older_pg_dump_is_said_plainly(
        db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    empty = tmp_path / "no-tools"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    code, missing = _run(capsys, "--db", db_url, "backup", "-o", str(tmp_path / "x.dump"))
    assert code == 1
    assert "pg_dump is not installed" in missing["error"]

    old = tmp_path / "old-tools"
    _fake_tool(old, "pg_dump", "9.6.24")
    monkeypatch.setenv("PATH", f"{old}{os.pathsep}{os.environ['PATH']}")
    code, too_old = _run(capsys, "--db", db_url, "backup", "-o", str(tmp_path / "y.dump"))
    assert code == 1
    assert "pg_dump is version 9 but the database server runs PostgreSQL" in too_old["error"]
    assert not (tmp_path / "y.dump").exists()
