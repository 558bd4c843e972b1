"""Schema migrations at start-up: back up, refuse newer schemas, upgrade to head."""

from __future__ import annotations

import os
import re
import sqlite3
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Engine, inspect
from sqlalchemy.exc import DBAPIError

from app.db.engine import read_only_engine, sqlite_file
from app.domain.errors import SchemaTooNewError
from app.paths import migrations_path

if TYPE_CHECKING:
    from alembic.config import Config

# alembic is imported only when a schema has to change or be explained: every CLI command
# calls ensure_schema, and loading alembic and its script directory was most of a cold
# `cleardesk list`.
_REVISION = re.compile(r"""^revision\s*=\s*["']([^"']+)["']""", re.M)
_DOWN = re.compile(r"^down_revision\s*=\s*(.+)$", re.M)
_QUOTED = re.compile(r"""["']([^"']+)["']""")


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
    if path is not None and before is not None and _has_tables(engine):
        backup = backup_before_migration(path, before)
    with engine.begin() as conn:
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
        with engine.connect() as conn:
            rows = conn.exec_driver_sql("SELECT version_num FROM alembic_version").all()
    except DBAPIError:
        return None
    return str(rows[0][0]) if len(rows) == 1 else None


def _has_tables(engine: Engine) -> bool:
    return bool(inspect(engine).get_table_names())


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

