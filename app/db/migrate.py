"""Schema migrations at start-up: back up, refuse newer schemas, upgrade to head."""

from __future__ import annotations

import logging
import os
import re
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from platformdirs import user_data_dir
from sqlalchemy import Engine, inspect
from sqlalchemy.exc import DBAPIError

from app.db.engine import APP_NAME, read_only_engine, sqlite_file, take_turns
from app.domain.errors import SchemaTooNewError, UserFacingError
from app.i18n import N_
from app.paths import migrations_path

if TYPE_CHECKING:
    from alembic.config import Config

# alembic is imported only when a schema has to change or be explained: every CLI command
# calls ensure_schema, and loading alembic and its script directory was most of a cold
# `cleardesk list`.
_REVISION = re.compile(r"""^revision\s*=\s*["']([^"']+)["']""", re.M)
_DOWN = re.compile(r"^down_revision\s*=\s*(.+)$", re.M)
_QUOTED = re.compile(r"""["']([^"']+)["']""")
log = logging.getLogger(__name__)
MIGRATION_TURN = "schema_migration"  # see take_turns


class MigrationBackupError(UserFacingError):
    """pg_dump failed before a migration: the database was not changed."""

    def __init__(self, detail: str) -> None:
        super().__init__(N_("The copy of the database before updating its schema failed, so "
                            "the database was not changed: {detail}"), detail=detail)


@dataclass(frozen=True)
class MigrationResult:
    before: str | None
    after: str
    backup: Path | None


def alembic_config() -> Config:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(migrations_path()))
    return cfg


def head_revision() -> str:
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


def current_revision(engine: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    # Read-only: starting a command must not queue behind another workstation's import.
    with read_only_engine(engine).connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def ensure_schema(engine: Engine) -> MigrationResult:
    """Bring the database to this build's schema.

    A database stamped by a newer build is refused (SchemaTooNewError) and left untouched.
    Before changing an existing SQLite database, a consistent copy is saved beside it.
    """
    quick = _quick_head()
    if quick is not None and _stored_revision(engine) == quick:
        return MigrationResult(quick, quick, None)
    from alembic import command
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    cfg = alembic_config()
    script = ScriptDirectory.from_config(cfg)
    head = script.get_current_head()
    assert head is not None
    before = current_revision(engine)
    if before is not None:
        try:
            script.get_revision(before)
        except Exception as exc:  # alembic raises several kinds for an unknown id
            raise SchemaTooNewError(
                "This database was created by a newer version of ClearDesk (schema {rev}). "
                "Install the newer version to open it; the database was not changed.",
                rev=before,
            ) from exc
    if before == head:
        return MigrationResult(before, head, None)
    backup = None
    path = sqlite_file(str(engine.url))
    with engine.begin() as conn:
        # Several workstations starting at once: one migrates, the others wait here and
        # then find the schema current (PostgreSQL migrates in one transaction; on SQLite
        # the write lock of this transaction already makes them queue). The copy is taken
        # inside the turn: a copy read while another workstation migrates can fail.
        take_turns(conn, MIGRATION_TURN)
        now = MigrationContext.configure(conn).get_current_revision()
        if now == head:
            return MigrationResult(now, head, None)
        if engine.dialect.name == "postgresql" and now is not None:
            backup = pg_dump_before_migration(engine, now)
        elif path is not None and now is not None and inspect(conn).get_table_names():
            backup = backup_before_migration(path, now)
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")
    return MigrationResult(before, head, backup)


def _quick_head() -> str | None:
    """The head revision read from the revision files' own `revision`/`down_revision` lines,
    without alembic; None when that is not one clear head (alembic then decides)."""
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in (migrations_path() / "versions").glob("*.py"):
        text = path.read_text(encoding="utf-8")
        found, down = _REVISION.search(text), _DOWN.search(text)
        if found is None or down is None:
            return None
        revisions.add(found.group(1))
        parents.update(_QUOTED.findall(down.group(1)))
    heads = revisions - parents
    return heads.pop() if len(heads) == 1 else None


def _stored_revision(engine: Engine) -> str | None:
    """The database's alembic revision by plain SQL (None: not stamped, or not one row)."""
    try:
        # Read-only: starting a command must not queue behind another workstation's writes.
        with read_only_engine(engine).connect() as conn:
            rows = conn.exec_driver_sql("SELECT version_num FROM alembic_version").all()
    except DBAPIError:
        return None
    return str(rows[0][0]) if len(rows) == 1 else None


def pg_backup_dir() -> Path:
    return Path(user_data_dir(APP_NAME, appauthor=False)) / "backups"


def pg_dump_before_migration(engine: Engine, revision: str,
                             folder: Path | None = None) -> Path | None:
    """A `pg_dump` of the PostgreSQL database before its schema changes, owner-only, in the
    per-user data folder's backups; None (and a warning in the log) when pg_dump is not
    installed on this workstation: the server's own backups are then the safety net
    (README, "Several workstations")."""
    exe = shutil.which("pg_dump")
    if exe is None:
        log.warning("pg_dump not found: no copy of the database was made before migrating it "
                    "from schema %s; rely on the server's backups.", revision)
        return None
    url = engine.url
    folder = folder or pg_backup_dir()
    folder.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    target = folder / f"{url.database}.pre-{revision}-{stamp}.dump"
    tmp = target.with_suffix(".tmp")
    os.close(os.open(tmp, os.O_CREAT | os.O_WRONLY | os.O_TRUNC, 0o600))
    env = {**os.environ, "PGPASSWORD": url.password or ""}
    args = [exe, "--format=custom", "--no-owner", f"--file={tmp}",
            f"--host={url.host or 'localhost'}", f"--port={url.port or 5432}",
            f"--username={url.username or ''}", str(url.database)]
    done = subprocess.run(args, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        tmp.unlink(missing_ok=True)
        raise MigrationBackupError(done.stderr.strip()[-500:])
    tmp.replace(target)
    return target


def backup_before_migration(path: Path, revision: str) -> Path:
    """Consistent copy (SQLite online backup API) next to the database, owner-only."""
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    target = path.with_name(f"{path.name}.pre-{revision}-{stamp}.bak")
    tmp = target.with_suffix(".tmp")
    # Created owner-only before any data is written into it.
    os.close(os.open(tmp, os.O_CREAT | os.O_WRONLY | os.O_TRUNC, 0o600))
    src = sqlite3.connect(path)
    try:
        dst = sqlite3.connect(tmp)
        try:
            src.backup(dst)
        finally:
            dst.close()
    finally:
        src.close()
    tmp.replace(target)
    return target

