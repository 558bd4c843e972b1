"""Restore the SQLite database from a backup, checking the backup before anything changes.

Order of work, so that a failed restore leaves the database as it was:
1. the backup must be a SQLite file that passes `PRAGMA integrity_check`, carries a schema
   revision this build knows (an older one is upgraded by the start-up migrations) and holds
   exactly the tables, indexes, triggers and views its revision's migrations create;
2. nobody may be writing to the database (we probe for an exclusive lock);
3. the current database is kept as `<name>.replaced-YYYYMMDD-HHMMSS.sqlite3` next to it;
4. the backup is copied into the live file with the online backup API (which keeps the live
   file's WAL mode and handles its -wal/-shm companions correctly), then quick-checked.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from app.domain.errors import ConflictError, NotFoundError, ValidationError
from app.i18n import N_
from app.security.backup import backup_database
from app.security.files import ensure_owner_only, prepare_database_file
from app.security.integrity import (
    check_connection,
    open_sqlite,
    require_cleardesk_database,
)

SQLITE_MAGIC = b"SQLite format 3\x00"


@dataclass(frozen=True)
class RestoreInfo:
    restored_from: Path
    revision: str
    replaced_copy: Path | None  # the previous database, kept; None when there was none


SchemaCheck = Callable[[sqlite3.Connection, str, str], None]  # (backup, revision, file name)


def inspect_backup(backup: Path, known_revisions: Collection[str] | None = None,
                   check_schema: SchemaCheck | None = None) -> str:
    """Check a backup file fully; returns its schema revision.

    `check_schema` (see app.security.schema_check) raises when the backup's tables, indexes,
    triggers or views are not those its revision's migrations create.

    Raises NotFoundError / ValidationError with a message saying why it cannot be restored.
    """
    if not backup.is_file():
        raise NotFoundError(N_("There is no backup file at {path}."), path=str(backup))
    name = str(backup)
    with backup.open("rb") as fh:
        if fh.read(16) != SQLITE_MAGIC:
            raise ValidationError(N_("{file} is not a ClearDesk database file."), file=name)
    with open_sqlite(backup, readonly=True) as conn:
        try:
            report = check_connection(conn, quick=False)
        except sqlite3.DatabaseError as exc:
            raise ValidationError(
                N_("{file} is not a ClearDesk database file."), file=name
            ) from exc
        if not report.ok:
            raise ValidationError(
                N_("The backup {file} is damaged ({detail}); nothing was restored."),
                file=name,
                detail=report.summary,
            )
        revision = require_cleardesk_database(conn, name)
        if known_revisions is not None and revision not in known_revisions:
            raise ValidationError(
                N_(
                    "The backup {file} has schema revision {revision}, which this version of "
                    "ClearDesk does not know (it was probably made by a newer version); "
                    "nothing was restored."
                ),
                file=name,
                revision=revision,
            )
        if check_schema is not None:
            check_schema(conn, revision, name)
    return revision


def replaced_copy_path(db_path: Path, now: datetime) -> Path:
    return db_path.with_name(f"{db_path.stem}.replaced-{now:%Y%m%d-%H%M%S}{db_path.suffix}")


def restore_database(
    backup: Path,
    db_path: Path,
    *,
    now: datetime,
    known_revisions: Collection[str] | None = None,
    check_schema: SchemaCheck | None = None,
    wait_seconds: float = 5.0,
) -> RestoreInfo:
    """Replace the database at `db_path` with the content of `backup`.

    Raises ConflictError when someone keeps writing to the database for `wait_seconds`
    (ClearDesk busy on some workstation).
    """
    if backup.exists() and db_path.exists() and backup.resolve() == db_path.resolve():
        raise ValidationError(N_("A database cannot be restored from itself."))
    revision = inspect_backup(backup, known_revisions, check_schema)
    replaced: Path | None = None
    if db_path.exists() and _readable(db_path):
        _ensure_not_in_use(db_path, wait_seconds)
        replaced = backup_database(db_path, replaced_copy_path(db_path, now)).path
    elif db_path.exists():
        # Damaged: SQLite cannot copy it page by page, so the file itself is set aside.
        replaced = _set_aside(db_path, replaced_copy_path(db_path, now))
        prepare_database_file(db_path)
    else:
        prepare_database_file(db_path)
    with open_sqlite(backup, readonly=True) as src, open_sqlite(db_path, readonly=False) as dst:
        try:
            src.backup(dst)
        except sqlite3.OperationalError as exc:
            raise ConflictError(
                N_("The database could not be replaced ({detail}); it was left as it was."),
                detail=str(exc),
            ) from exc
        report = check_connection(dst, quick=True)
    if not report.ok:  # pragma: no cover - only on a failing disk
        raise ConflictError(
            N_("The restored database fails its integrity check ({detail}); the previous one "
               "is kept as {copy}."),
            detail=report.summary,
            copy=str(replaced),
        )
    prepare_database_file(db_path)
    return RestoreInfo(restored_from=backup, revision=revision, replaced_copy=replaced)


def _ensure_not_in_use(db_path: Path, wait_seconds: float) -> None:
    with open_sqlite(db_path, readonly=False) as conn:
        conn.execute(f"PRAGMA busy_timeout={int(wait_seconds * 1000)}")
        try:
            conn.execute("BEGIN EXCLUSIVE")
        except sqlite3.OperationalError as exc:
            raise ConflictError(
                N_("The database is in use. Close ClearDesk on every workstation, then restore "
                   "again.")
            ) from exc
        conn.execute("ROLLBACK")


def _readable(db_path: Path) -> bool:
    try:
        with open_sqlite(db_path, readonly=True) as conn:
            return check_connection(conn, quick=True).ok
    except sqlite3.DatabaseError:
        return False


def _set_aside(db_path: Path, target: Path) -> Path:
    """Move a damaged database (and its -wal/-shm) out of the way, owner-only."""
    for suffix in ("-wal", "-shm", "-journal"):
        companion = db_path.with_name(db_path.name + suffix)
        if companion.exists():
            os.replace(companion, target.with_name(target.name + suffix))
    os.replace(db_path, target)
    ensure_owner_only(target)
    return target
