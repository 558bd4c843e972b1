"""Shared fixtures: a migrated template database copied per test (real pragmas, real
migrations), sessions and the system actor.

With CLEARDESK_TEST_PG set to a PostgreSQL URL of a role that may create databases (for example
`postgresql+psycopg://cleardesk:cleardesk@127.0.0.1/postgres`), `db_url` is a fresh PostgreSQL
database cloned from a migrated template instead, and SQLite-only tests are skipped."""

from __future__ import annotations

import itertools
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

# GUI tests run offscreen; set before anything imports Qt.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("CLEARDESK_LANG", "en")

from app.db.engine import make_engine, make_session_factory
from app.db.migrate import ensure_schema
from app.security.context import Actor, system_actor
from app.services.bootstrap import after_migration


@pytest.fixture(autouse=True)
def _workstation_config(tmp_path_factory: pytest.TempPathFactory,
                        monkeypatch: pytest.MonkeyPatch) -> Path:
    """This workstation's settings go to a scratch folder, not the user's config (processes
    a test starts inherit it: the same workstation)."""
    folder = tmp_path_factory.mktemp("workstation-config")
    monkeypatch.setenv("CLEARDESK_CONFIG_DIR", str(folder))
    return folder


@pytest.fixture(scope="session")
def template_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.sqlite3"
    engine = make_engine(f"sqlite:///{path}")
    ensure_schema(engine)
    after_migration(engine)
    engine.dispose()
    return path


PG_URL = os.environ.get("CLEARDESK_TEST_PG", "")
_pg_seq = itertools.count(1)
_PG_LEFTOVERS: list[str] = []


def _pg_admin() -> Engine:
    return create_engine(PG_URL, isolation_level="AUTOCOMMIT")


@pytest.fixture(scope="session")
def pg_template() -> Iterator[str]:
    name = f"cd_template_{os.getpid()}"
    admin = _pg_admin()
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    engine = make_engine(url)
    ensure_schema(engine)
    after_migration(engine)
    engine.dispose()
    yield name
    _wait_for_gui_workers()
    with admin.connect() as conn:
        for leftover in [*_PG_LEFTOVERS, name]:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{leftover}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture
def db_path(template_db: Path, tmp_path: Path) -> Path:
    if PG_URL:
        pytest.skip("SQLite file test (CLEARDESK_TEST_PG is set)")
    target = tmp_path / "cleardesk.sqlite3"
    shutil.copyfile(template_db, target)
    return target


@pytest.fixture
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if not PG_URL:
        path = request.getfixturevalue("db_path")
        yield f"sqlite:///{path}"
        return
    template = request.getfixturevalue("pg_template")
    name = f"cd_test_{os.getpid()}_{next(_pg_seq)}"
    admin = _pg_admin()
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{template}"'))
    yield make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    _wait_for_gui_workers()  # a grid page still loading must not meet the drop
    try:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
    except OperationalError:
        # Still in use by a background job of a GUI test: dropped with the template at the end
        # of the session rather than killing the job's connection under it.
        _PG_LEFTOVERS.append(name)
    admin.dispose()


def _wait_for_gui_workers() -> None:
    """Let background jobs of GUI tests (ui.workers on Qt's global pool) finish."""
    import sys

    if "PySide6.QtCore" in sys.modules:
        from PySide6.QtCore import QThreadPool

        QThreadPool.globalInstance().waitForDone(30_000)


@pytest.fixture
def sqlite_only() -> None:
    if PG_URL:
        pytest.skip("SQLite-specific behaviour")


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    eng = make_engine(db_url)
    yield eng
    eng.dispose()


@pytest.fixture
def sessions(engine: Engine) -> sessionmaker[Session]:
    return make_session_factory(engine)


@pytest.fixture
def session(sessions: sessionmaker[Session]) -> Iterator[Session]:
    with sessions() as s:
        yield s


@pytest.fixture
def actor() -> Actor:
    return system_actor()
