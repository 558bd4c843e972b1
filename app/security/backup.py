"""Backups of the SQLite database with SQLite's online backup API.

The backup API copies a consistent snapshot while the application keeps working: it reads
under one read transaction (WAL readers never block writers). Each backup is written to a
temporary owner-only file in the target folder, checked, switched to rollback-journal mode
(a single self-contained file) and renamed into place.

Automatic backups are daily (`cleardesk-auto-YYYYMMDD.sqlite3`, the newest `retention` kept);
backups the user asks for (`cleardesk-YYYYMMDD-HHMMSS.sqlite3` or any name) are never pruned.
"""

from __future__ import annotations

import contextlib
import os
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from app.domain.errors import ConflictError, NotFoundError, ValidationError
from app.i18n import N_
from app.security.files import (
    create_owner_only,
    ensure_owner_only,
    ensure_private_dir,
    fsync_dir,
    fsync_file,
)
from app.security.integrity import check_connection, open_sqlite, schema_revision

AUTO_PREFIX = "cleardesk-auto-"
MANUAL_PREFIX = "cleardesk-"
SUFFIX = ".sqlite3"
_AUTO_RE = re.compile(re.escape(AUTO_PREFIX) + r"(\d{8})" + re.escape(SUFFIX) + "$")

Progress = Callable[[int, int], None]  # (pages done, pages total)


@dataclass(frozen=True)
class BackupInfo:
    path: Path
    size_bytes: int
    revision: str | None


def manual_backup_name(now: datetime) -> str:
    return f"{MANUAL_PREFIX}{now:%Y%m%d-%H%M%S}{SUFFIX}"


def auto_backup_name(day: date) -> str:
    return f"{AUTO_PREFIX}{day:%Y%m%d}{SUFFIX}"


def backup_database(db_path: Path, dest: Path, *, progress: Progress | None = None) -> BackupInfo:
    """Copy the live database at `db_path` to the new file `dest` (owner-only, mode 0600).

    Raises NotFoundError when there is no database, ValidationError when `dest` exists
    already (a backup never overwrites anything, least of all the database itself) and
    ConflictError when the copy fails its integrity check.
    """
    if not db_path.is_file():
        raise NotFoundError(N_("There is no database file at {path}."), path=str(db_path))
    if dest.exists():
        raise ValidationError(
            N_("{path} already exists; choose another file name for the backup."),
            path=str(dest),
        )
    ensure_private_dir(dest.parent)
    tmp = dest.with_name(f".{dest.name}.{uuid.uuid4().hex}.tmp")
    create_owner_only(tmp)
    try:
        revision = _copy(db_path, tmp, progress)
        fsync_file(tmp)
        os.replace(tmp, dest)
        fsync_dir(dest.parent)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    ensure_owner_only(dest)
    return BackupInfo(path=dest, size_bytes=dest.stat().st_size, revision=revision)


def _copy(db_path: Path, tmp: Path, progress: Progress | None) -> str | None:
    with open_sqlite(db_path, readonly=False) as src, open_sqlite(tmp, readonly=False) as dst:
        pages = -1 if progress is None else 256

        def _step(status: int, remaining: int, total: int) -> None:
            if progress is not None:
                progress(total - remaining, total)

        src.backup(dst, pages=pages, progress=_step if progress else None)
        # A backup is one self-contained file: no -wal/-shm companions when opened later.
        dst.execute("PRAGMA journal_mode=DELETE")
        report = check_connection(dst, quick=True)
        if not report.ok:
            raise ConflictError(
                N_("The backup copy failed its integrity check ({detail}); nothing was saved."),
                detail=report.summary,
            )
        return schema_revision(dst)


def auto_backups(backup_dir: Path) -> list[Path]:
    """Automatic backups in `backup_dir`, oldest first."""
    if not backup_dir.is_dir():
        return []
    return sorted(p for p in backup_dir.iterdir() if _AUTO_RE.match(p.name))


def all_backups(backup_dir: Path) -> list[Path]:
    """Every backup in `backup_dir` (automatic and manual), newest first by modification time."""
    if not backup_dir.is_dir():
        return []
    found = [
        p for p in backup_dir.iterdir()
        if p.is_file() and p.name.startswith(MANUAL_PREFIX) and p.name.endswith(SUFFIX)
    ]
    return sorted(found, key=lambda p: (p.stat().st_mtime, p.name), reverse=True)


def latest_backup(backup_dir: Path) -> Path | None:
    backups = all_backups(backup_dir)
    return backups[0] if backups else None


def prune_auto_backups(backup_dir: Path, retention: int) -> list[Path]:
    """Delete all but the newest `retention` automatic backups; returns the deleted files."""
    keep = max(1, retention)
    old = auto_backups(backup_dir)[:-keep]
    for path in old:
        path.unlink(missing_ok=True)
    return old


def auto_backup_if_due(
    db_path: Path, backup_dir: Path, today: date, retention: int
) -> BackupInfo | None:
    """Make today's automatic backup unless it exists, then apply the retention.

    Returns the new backup, or None when today's was made already (or there is no database
    yet). Called at start-up and by a daily timer while the application runs.
    """
    if not db_path.is_file():
        return None
    dest = backup_dir / auto_backup_name(today)
    if dest.exists():
        return None
    try:
        info = backup_database(db_path, dest)
    except ValidationError:
        return None  # another workstation's start-up made it a moment ago
    prune_auto_backups(backup_dir, retention)
    return info

