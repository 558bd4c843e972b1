"""Integrity checks of SQLite database files (the live database and backups).

SQLite-specific on purpose: backup, restore and the start-up check only exist for the
single-file database; a PostgreSQL server has its own tools.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from app.domain.errors import ValidationError
from app.i18n import N_, Message

BUSY_TIMEOUT_MS = 10_000
SQLITE_HEADER = b"SQLite format 3\x00"


@dataclass(frozen=True)
class IntegrityReport:
    ok: bool
    problems: tuple[str, ...] = ()

    @property
    def summary(self) -> str:
        """The first few problems SQLite reported, on one line (for messages and logs)."""
        shown = "; ".join(self.problems[:3])
        more = len(self.problems) - 3
        return f"{shown} (+{more})" if more > 0 else shown


def sqlite_uri(path: Path, *, mode: str) -> str:
    """A SQLite URI for `path` that never creates the file (`mode` is `ro` or `rw`)."""
    return f"{path.resolve().as_uri()}?mode={mode}"


@contextmanager
def open_sqlite(path: Path, *, readonly: bool) -> Iterator[sqlite3.Connection]:
    """Open an existing SQLite file (never creates one); closes it afterwards."""
    conn = sqlite3.connect(
        sqlite_uri(path, mode="ro" if readonly else "rw"),
        uri=True,
        timeout=BUSY_TIMEOUT_MS / 1000,
        isolation_level=None,
        check_same_thread=False,
    )
    try:
        yield conn
    finally:
        conn.close()


def check_connection(conn: sqlite3.Connection, *, quick: bool) -> IntegrityReport:
    """Run `PRAGMA quick_check` (fast, no index contents) or `integrity_check` on `conn`.

    Raises ValidationError when the file is not a SQLite database at all.
    """
    pragma = "quick_check" if quick else "integrity_check"
    try:
        rows = [str(row[0]) for row in conn.execute(f"PRAGMA {pragma}")]
    except sqlite3.DatabaseError as exc:
        if "not a database" in str(exc) or "malformed" in str(exc):
            return IntegrityReport(ok=False, problems=(str(exc),))
        raise
    if rows == ["ok"]:
        return IntegrityReport(ok=True)
    return IntegrityReport(ok=False, problems=tuple(rows))


def check_file(path: Path, *, quick: bool = True) -> IntegrityReport:
    """Integrity of the SQLite file at `path` (opened read-only)."""
    with open_sqlite(path, readonly=True) as conn:
        return check_connection(conn, quick=quick)


def schema_revision(conn: sqlite3.Connection) -> str | None:
    """The Alembic revision recorded in the database, or None when it has none."""
    try:
        row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
    except sqlite3.OperationalError:
        return None
    return None if row is None else str(row[0])


def header_report(path: Path) -> IntegrityReport:
    """Whether `path` starts like a SQLite database: read in microseconds, where the quick
    check reads the whole file (seconds at a million declarations)."""
    with path.open("rb") as f:
        head = f.read(len(SQLITE_HEADER))
    if not head or head == SQLITE_HEADER:  # an empty file becomes a new database
        return IntegrityReport(ok=True)
    return IntegrityReport(ok=False, problems=("file is not a database",))


def startup_problem(db_path: Path, latest_backup: Path | None, *,
                    header_only: bool = False) -> Message | None:
    """The message to show at start-up when the database fails its quick check (only its
    header with `header_only`), else None.

    The message says what to do, because a clerk facing it cannot be expected to know.
    """
    if not db_path.exists():
        return None
    try:
        report = header_report(db_path) if header_only else check_file(db_path, quick=True)
    except (sqlite3.Error, OSError) as exc:
        report = IntegrityReport(ok=False, problems=(str(exc),))
    if report.ok:
        return None
    if latest_backup is None:
        return Message(
            N_(
                "The database {path} is damaged ({detail}). Stop working in it and copy the "
                "file somewhere safe; no backup was found, so ask your administrator for help."
            ),
            {"path": str(db_path), "detail": report.summary},
        )
    return Message(
        N_(
            "The database {path} is damaged ({detail}). Stop working in it, close ClearDesk on "
            "every workstation and restore the latest backup: cleardesk restore \"{backup}\""
        ),
        {"path": str(db_path), "detail": report.summary, "backup": str(latest_backup)},
    )


def require_cleardesk_database(conn: sqlite3.Connection, name: str) -> str:
    """The schema revision of a database that must be a ClearDesk database."""
    try:
        revision = schema_revision(conn)
    except sqlite3.DatabaseError as exc:
        raise ValidationError(N_("{file} is not a ClearDesk database file."), file=name) from exc
    if revision is None:
        raise ValidationError(
            N_("{file} is not a ClearDesk database file (it has no schema revision)."), file=name
        )
    return revision
