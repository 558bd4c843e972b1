"""The one engine module: database URL resolution, connection pragmas, session factory.

SQLite-specific statements live only here. Everything else uses portable SQLAlchemy so the
same code runs on PostgreSQL (`postgresql+psycopg://…`).
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from platformdirs import user_data_dir
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

APP_NAME = "ClearDesk"
DB_FILE_NAME = "cleardesk.sqlite3"
BUSY_TIMEOUT_MS = 10_000


def default_db_path() -> Path:
    return Path(user_data_dir(APP_NAME, appauthor=False)) / DB_FILE_NAME


def resolve_url(cli_url: str | None, env: Mapping[str, str] | None = None) -> str:
    """`--db URL`, else env `CLEARDESK_DB`, else the per-user data directory's SQLite file.

    A bare file path is accepted too and turned into a `sqlite:///` URL.
    """
    env = os.environ if env is None else env
    raw = cli_url or env.get("CLEARDESK_DB") or ""
    if not raw:
        return f"sqlite:///{default_db_path()}"
    if "://" not in raw:
        return f"sqlite:///{Path(raw).expanduser().resolve()}"
    return raw


def sqlite_file(url: str) -> Path | None:
    """The database file of a file-based SQLite URL, else None (memory DB, PostgreSQL)."""
    u = make_url(url)
    if u.get_backend_name() != "sqlite" or not u.database or u.database == ":memory:":
        return None
    return Path(u.database)


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"


def make_engine(url: str, **kwargs: Any) -> Engine:
    """Create the engine; on SQLite every connection gets the house pragmas."""
    path = sqlite_file(url)
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        # Personal data: the database (and its -wal/-shm) is readable by its owner only;
        # a file left world-readable by an older build or a copy is tightened too.
        from app.security.files import prepare_database_file

        prepare_database_file(path)
    engine = create_engine(url, **kwargs)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
    return engine


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    # Let SQLAlchemy manage transactions (pysqlite's own BEGIN handling is off), see
    # "Serializable isolation / Savepoints / Transactional DDL" in SQLAlchemy's SQLite docs.
    dbapi_conn.isolation_level = None
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.close()


def _sqlite_begin(conn: Any) -> None:
    conn.exec_driver_sql("BEGIN")


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False, future=True)


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """One unit of work: commit on success, roll back on any exception."""
    with factory() as session, session.begin():
        yield session


def sqlite_integrity_check(engine: Engine, quick: bool = True) -> list[str]:
    """`PRAGMA quick_check`/`integrity_check` result lines; ['ok'] when healthy."""
    if not is_sqlite(engine):
        return ["ok"]
    pragma = "quick_check" if quick else "integrity_check"
    with engine.connect() as conn:
        return [str(r[0]) for r in conn.exec_driver_sql(f"PRAGMA {pragma}")]
