"""The one engine module: database URL resolution, connection pragmas, session factory.

SQLite-specific statements live only here. Everything else uses portable SQLAlchemy so the
same code runs on PostgreSQL (`postgresql+psycopg://…`).
"""

from __future__ import annotations

import os
import sqlite3
import time
import zlib
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from platformdirs import user_data_dir
from sqlalchemy import Connection, Engine, Table, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from app.domain.errors import (
    ConcurrentChangeError,
    DatabaseBusyError,
    DuplicateDeclarationError,
)

APP_NAME = "ClearDesk"
DB_FILE_NAME = "cleardesk.sqlite3"
BUSY_TIMEOUT_MS = 10_000
# How long a write transaction queues behind another writer (another workstation's import,
# another command) before the user is told to try again. BEGIN IMMEDIATE is retried after
# each busy timeout: nothing has happened yet, so retrying is safe.
WRITER_QUEUE_SECONDS = 60.0
# Execution option marking a read-only engine/connection (see read_only_engine()).
READ_ONLY = "cleardesk_read_only"
_SQLITE_BUSY = 5  # primary result code; BUSY_SNAPSHOT (517) etc. share it in the low byte


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
    event.listen(engine, "handle_error", _duplicate_key_as_user_error)
    if engine.dialect.name == "postgresql":
        event.listen(engine, "handle_error", _pg_race_as_user_error)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
        event.listen(engine, "handle_error", _sqlite_busy_as_user_error)
    return engine


def read_only_engine(engine: Engine) -> Engine:
    """A view of `engine` whose transactions only read, and are refused any write.

    Read transactions neither wait for nor block writers (SQLite WAL, PostgreSQL MVCC). All
    other transactions are write transactions: on SQLite they start with BEGIN IMMEDIATE and
    queue behind other writers, so a read followed by a write can never fail half-way with
    "database is locked". A write inside a read-only transaction fails at once (SQLite
    `query_only`, PostgreSQL READ ONLY), so a command that wrongly declares itself read-only
    cannot slip through the tests.
    """
    if is_sqlite(engine):
        return engine.execution_options(**{READ_ONLY: True})
    if engine.dialect.name == "postgresql":
        return engine.execution_options(postgresql_readonly=True)
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
    read_only = bool(conn.get_execution_options().get(READ_ONLY))
    record = conn.connection  # the pooled DBAPI connection: its info outlives this checkout
    dbapi_conn = record.dbapi_connection
    if record.info.get("query_only", False) != read_only:
        dbapi_conn.execute(f"PRAGMA query_only={'ON' if read_only else 'OFF'}")
        record.info["query_only"] = read_only
    # Rows changed so far on this connection: uncommitted_writes() compares against it.
    record.info["changes_at_begin"] = dbapi_conn.total_changes
    if read_only:
        dbapi_conn.execute("BEGIN")
        return
    # A deferred BEGIN that reads first and writes later cannot wait for another writer: its
    # snapshot is stale, so SQLite answers "database is locked" at once. Take the write lock
    # up front instead; writers then queue (busy timeout, and retries up to the queue limit).
    deadline = time.monotonic() + WRITER_QUEUE_SECONDS
    while True:
        try:
            dbapi_conn.execute("BEGIN IMMEDIATE")
            return
        except sqlite3.OperationalError as exc:
            if not _is_busy(exc):
                raise
            if time.monotonic() >= deadline:
                raise DatabaseBusyError() from exc


def uncommitted_writes(conn: Connection) -> bool:
    """Whether this connection's open transaction has changed rows, which other connections
    (another process reading the same database) cannot see until it commits. True when the
    backend cannot tell."""
    if conn.dialect.name == "postgresql":  # a transaction gets an id with its first write
        return bool(conn.exec_driver_sql(
            "SELECT txid_current_if_assigned() IS NOT NULL").scalar())
    if conn.dialect.name == "sqlite":
        fairy = conn.connection
        start = fairy.info.get("changes_at_begin")
        return start is None or fairy.dbapi_connection.total_changes != start  # type: ignore[union-attr]
    return True


def _is_busy(exc: BaseException) -> bool:
    code = getattr(exc, "sqlite_errorcode", None)
    if code is not None:
        return bool(code & 0xFF == _SQLITE_BUSY)
    return "database is locked" in str(exc)


def _sqlite_busy_as_user_error(context: Any) -> None:
    """Whatever "database is locked" still escapes becomes a plain message, not a traceback."""
    if isinstance(context.original_exception, sqlite3.OperationalError) and _is_busy(
            context.original_exception):
        raise DatabaseBusyError() from context.original_exception


# Unique keys a user can run into (another workstation wrote the same order or waybill
# first): PostgreSQL names the index, SQLite the columns.
_DUPLICATE_KEYS = (
    (("uq_declarations_platform_order", "uq_declarations_order_no_platform",
      "declarations.order_no"), "orderNo"),
    (("uq_declarations_active_waybill", "declarations.logistics_no"), "logisticsNo"),
)


def _duplicate_key_as_user_error(context: Any) -> None:
    """A declaration's order or waybill already taken becomes a plain message."""
    from sqlalchemy.exc import IntegrityError

    if not isinstance(context.sqlalchemy_exception, IntegrityError):
        return
    text_ = str(context.original_exception)
    for marks, field in _DUPLICATE_KEYS:
        if any(m in text_ for m in marks):
            raise DuplicateDeclarationError(field) from context.original_exception


# PostgreSQL SQLSTATEs of a lost race: deadlock broken, serialization failure, lock refused.
_PG_RACES = frozenset({"40P01", "40001", "55P03"})


def _pg_race_as_user_error(context: Any) -> None:
    if getattr(context.original_exception, "sqlstate", None) in _PG_RACES:
        raise ConcurrentChangeError() from context.original_exception


@contextmanager
def races_as_user_errors() -> Iterator[None]:
    """Around a unit of work: the ORM's lost-race error (a row's version moved under a
    flush) becomes the plain "changed at the same moment, try again" message."""
    from sqlalchemy.orm.exc import StaleDataError

    try:
        yield
    except StaleDataError as exc:
        raise ConcurrentChangeError() from exc


def take_turns(conn: Connection, name: str) -> None:
    """Until this transaction ends, other transactions calling take_turns(name) wait.

    For appends that must see each other (the audit hash chain). SQLite write transactions
    already run one at a time (BEGIN IMMEDIATE); PostgreSQL gets a transaction-scoped
    advisory lock.
    """
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(:key)"),
                     {"key": zlib.crc32(name.encode()) & 0x7FFFFFFF})


def insert_missing(conn: Connection, table: Table, rows: list[dict[str, Any]],
                   key: Sequence[str]) -> None:
    """INSERT `rows`, skipping those whose `key` (a unique constraint) is taken — also by a
    row another transaction is inserting right now (it waits for that one to finish). The
    safe first half of an upsert under concurrent writers: read the rows after it."""
    if not rows:
        return
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        conn.execute(pg_insert(table).on_conflict_do_nothing(index_elements=list(key)), rows)
    else:
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert

        conn.execute(sqlite_insert(table).on_conflict_do_nothing(index_elements=list(key)),
                     rows)


def make_session_factory(engine: Engine, *, read_only: bool = False) -> sessionmaker[Session]:
    """Sessions for write transactions (the default), or for read-only ones."""
    bind = read_only_engine(engine) if read_only else engine
    return sessionmaker(bind=bind, expire_on_commit=False, future=True)


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """One unit of work: commit on success, roll back on any exception."""
    with races_as_user_errors(), factory() as session, session.begin():
        yield session


def sqlite_integrity_check(engine: Engine, quick: bool = True) -> list[str]:
    """`PRAGMA quick_check`/`integrity_check` result lines; ['ok'] when healthy."""
    if not is_sqlite(engine):
        return ["ok"]
    pragma = "quick_check" if quick else "integrity_check"
    with engine.connect() as conn:
        return [str(r[0]) for r in conn.exec_driver_sql(f"PRAGMA {pragma}")]


def sqlite_data_version(dbapi_conn: Any) -> int:
    """SQLite's own change counter as seen by this connection: it moves whenever another
    connection (another process too) committed a change since this one last asked."""
    return int(dbapi_conn.execute("PRAGMA data_version").fetchone()[0])
