"""Four workstations starting at once on an empty database, or on one of an older schema:
one migrates (after a pg_dump copy on PostgreSQL), the others wait and go on; nobody crashes.
Real `python -m app` processes; PostgreSQL when CLEARDESK_TEST_PG is set, else SQLite."""

from __future__ import annotations

import itertools
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from app.db import migrate
from app.db.engine import make_engine

ROOT = Path(__file__).resolve().parents[2]
PG_URL = os.environ.get("CLEARDESK_TEST_PG", "")
_seq = itertools.count(1)


@pytest.fixture
def empty_url(tmp_path: Path) -> Iterator[str]:
    if not PG_URL:
        yield f"sqlite:///{tmp_path / 'office.sqlite3'}"
        return
    name = f"cd_empty_{os.getpid()}_{next(_seq)}"
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _start_four(url: str, home: Path) -> list[tuple[int, str, str]]:
    env = {**os.environ, "XDG_DATA_HOME": str(home), "CLEARDESK_LANG": "en"}
    procs = [subprocess.Popen([sys.executable, "-m", "app", "--db", url, "config", "list",
                               "--json"], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for _ in range(4)]
    out = []
    for p in procs:
        o, e = p.communicate(timeout=300)
        out.append((p.returncode, o, e))
    return out


def _schema(url: str) -> str | None:
    engine = make_engine(url)
    try:
        return migrate.current_revision(engine)
    finally:
        engine.dispose()


def test_four_workstations_start_at_once_on_an_empty_database(
        empty_url: str, tmp_path: Path) -> None:
    for code, _out, err in _start_four(empty_url, tmp_path):
        assert code == 0, err
        assert "Traceback" not in err
    assert _schema(empty_url) == migrate.head_revision()


def test_four_workstations_start_at_once_on_an_older_schema(
        empty_url: str, tmp_path: Path) -> None:
    engine = make_engine(empty_url)
    cfg = migrate.alembic_config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0003_labels")
    engine.dispose()

    for code, _out, err in _start_four(empty_url, tmp_path):
        assert code == 0, err
        assert "Traceback" not in err
    assert _schema(empty_url) == migrate.head_revision()
    if PG_URL:  # one copy, made by the one workstation that migrated
        dumps = list((tmp_path / "ClearDesk" / "backups").glob("*.pre-0003_labels-*.dump"))
        assert len(dumps) == 1
        assert dumps[0].stat().st_mode & 0o777 == 0o600
        assert dumps[0].read_bytes()[:5] == b"PGDMP"
