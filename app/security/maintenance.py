"""Backup, restore and start-up checks of the database, as services with permissions and audit.

A SQLite database is copied with SQLite's online backup API (and automatically once a day);
a PostgreSQL database with pg_dump / pg_restore when asked (`app.security.pg_backup`), its
automatic backups being the server administrator's job, which we say plainly.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from app.db.engine import sqlite_file
from app.domain.errors import ValidationError
from app.i18n import N_, Message
from app.security import backup as backups
from app.security.audit import record_event
from app.security.checkpoints import FILE_SUFFIX as CHECKPOINT_SUFFIX
from app.security.checkpoints import (
    Checkpoint,
    backup_checkpoint,
    checkpoint_file,
    find_checkpoints,
    record_checkpoint,
)
from app.security.context import Actor, Permission, require
from app.security.integrity import check_file, startup_problem

if TYPE_CHECKING:  # restoring loads alembic (schema check): only a restore pays for it
    from app.security.pg_backup import PgRestoreInfo
    from app.security.restore import RestoreInfo

BACKUP_DIR_NAME = "backups"
DEFAULT_RETENTION = 14


def backup_dir_for(db_path: Path) -> Path:
    """Backups live in `backups/` beside the database (owner-only folder)."""
    return db_path.parent / BACKUP_DIR_NAME


def known_revisions() -> frozenset[str]:
    """Every schema revision this build can open (older ones are upgraded at start-up)."""
    from alembic.script import ScriptDirectory

    from app.db.migrate import alembic_config

    script = ScriptDirectory.from_config(alembic_config())
    return frozenset(rev.revision for rev in script.walk_revisions())


def database_file(url: str) -> Path:
    """The SQLite file behind `url`; ValidationError for PostgreSQL or in-memory databases."""
    path = sqlite_file(url)
    if path is None:
        raise ValidationError(
            N_("Backup and restore work on a SQLite database file. Back up a PostgreSQL "
               "server with pg_dump (ask the database administrator).")
        )
    return path


def checkpoints_for(url: str) -> list[Checkpoint]:
    """Every audit checkpoint kept for the database at `url` (its file and its backups)."""
    path = sqlite_file(url)
    found = backups.all_backups(backup_dir_for(path)) if path is not None else []
    return find_checkpoints(url, found)


def _checkpoint_backup(url: str, backup: Path) -> None:
    cp = backup_checkpoint(backup)
    if cp is not None:
        record_checkpoint(checkpoint_file(url), cp)


@dataclass(frozen=True)
class BackupResult:
    path: Path
    size_bytes: int
    revision: str | None


class MaintenanceService:
    """Backups and restores for the database at `url`."""

    def __init__(self, url: str, engine: Engine, sessions: sessionmaker[Session]) -> None:
        self._url = url
        self._engine = engine
        self._sessions = sessions

    @property
    def db_path(self) -> Path:
        return database_file(self._url)

    @property
    def backup_dir(self) -> Path:
        return backup_dir_for(self.db_path)

    def backup(self, actor: Actor, dest: Path | None, *, now: datetime) -> BackupResult:
        """A backup now (administrators). The audit event is recorded first, so the backup
        itself shows who made it."""
        require(actor, Permission.BACKUP)
        if sqlite_file(self._url) is None:
            return self._dump(actor, dest, now)
        db_path = self.db_path
        target = dest or self.backup_dir / backups.manual_backup_name(now)
        if target.exists():
            raise ValidationError(
                N_("{path} already exists; choose another file name for the backup."),
                path=str(target),
            )
        with self._sessions() as session, session.begin():
            record_event(session, actor, "backup", entity="database",
                         details={"file": str(target)})
        info = backups.backup_database(db_path, target)
        _checkpoint_backup(self._url, info.path)
        return BackupResult(info.path, info.size_bytes, info.revision)

    def _dump(self, actor: Actor, dest: Path | None, now: datetime) -> BackupResult:
        from app.db.migrate import pg_backup_dir
        from app.security import pg_backup

        database = str(self._engine.url.database)
        target = dest or pg_backup_dir() / pg_backup.manual_dump_name(database, now)
        pg_backup.client_tool("pg_dump", self._engine)  # missing: say so before auditing
        if target.exists():
            raise ValidationError(
                N_("{path} already exists; choose another file name for the backup."),
                path=str(target))
        with self._sessions() as session, session.begin():
            record_event(session, actor, "backup", entity="database",
                         details={"file": str(target)})
        info = pg_backup.dump_database(self._engine, target)
        return BackupResult(info.path, info.size_bytes, info.revision)

    def restore_dump(self, actor: Actor, source: Path, *, now: datetime,
                     force: bool = False) -> PgRestoreInfo:
        """Replace a PostgreSQL database's contents with a pg_dump backup (administrators);
        the caller records the restore afterwards (`record_restore`), on a fresh engine."""
        require(actor, Permission.BACKUP)
        from app.db.migrate import pg_backup_dir
        from app.security import pg_backup

        return pg_backup.restore_database(self._engine, source, pg_backup_dir(), now=now,
                                          force=force)

    @staticmethod
    def damaged(db_path: Path) -> bool:
        """True when the database file exists and fails its quick check (or cannot be read)."""
        if not db_path.exists():
            return False
        try:
            return not check_file(db_path, quick=True).ok
        except sqlite3.Error:
            return True

    @staticmethod
    def restore_file(actor: Actor, source: Path, db_path: Path, *, now: datetime) -> RestoreInfo:
        """Replace the database file with a checked backup (administrators).

        Every engine on the file must be disposed first; the caller records the restore in
        the restored database afterwards (`record_restore`).
        """
        require(actor, Permission.BACKUP)
        from app.security.restore import restore_database
        from app.security.schema_check import require_migrated_schema

        info = restore_database(source, db_path, now=now, known_revisions=known_revisions(),
                                check_schema=require_migrated_schema)
        # The old database's checkpoints go with its replaced copy; the restored chain is
        # shorter on purpose.
        ckpt = db_path.with_name(db_path.name + CHECKPOINT_SUFFIX)
        if ckpt.exists():
            ckpt.replace(ckpt.with_name(f"{ckpt.name}.replaced-{now:%Y%m%d-%H%M%S}"))
        return info

    def record_restore(self, actor: Actor, info: RestoreInfo | PgRestoreInfo) -> None:
        """Audit the restore inside the restored database (after its migrations ran)."""
        with self._sessions() as session, session.begin():
            record_event(session, actor, "restore", entity="database", details={
                "file": str(info.restored_from),
                "revision": info.revision,
                "replaced_copy": None if info.replaced_copy is None else str(info.replaced_copy),
            })

    def auto_backup(self, today: date, retention: int = DEFAULT_RETENTION) -> Path | None:
        """Today's automatic backup if not made yet (no user needed: it is housekeeping)."""
        path = sqlite_file(self._url)
        if path is None:
            return None
        info = backups.auto_backup_if_due(path, backup_dir_for(path), today, retention)
        if info is None:
            return None
        _checkpoint_backup(self._url, info.path)
        return info.path

    def startup_problem(self) -> Message | None:
        """What to tell the user when the database fails its quick check, else None."""
        path = sqlite_file(self._url)
        if path is None:
            return None
        return startup_problem(path, backups.latest_backup(backup_dir_for(path)))
