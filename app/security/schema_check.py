"""Is a backup's schema the one ClearDesk's migrations build? A restored file is trusted
whole: a trigger or view slipped into it (one promoted a clerk to administrator on the next
login) would run inside ClearDesk from then on. So before a restore, every table, index,
trigger and view of the backup is compared with a database freshly migrated to the backup's
own revision; anything added, missing or changed refuses the backup."""

from __future__ import annotations

import sqlite3
import tempfile
from functools import cache
from pathlib import Path

from alembic import command

from app.db.engine import make_engine
from app.db.migrate import alembic_config
from app.domain.errors import ValidationError
from app.i18n import N_

SchemaObjects = dict[tuple[str, str], str]  # (type, name) -> SQL, whitespace collapsed


def schema_objects(conn: sqlite3.Connection) -> SchemaObjects:
    """The user-defined objects of a SQLite database (SQLite's own `sqlite_*` left out)."""
    rows = conn.execute("SELECT type, name, sql FROM sqlite_master "
                        "WHERE name NOT LIKE 'sqlite\\_%' ESCAPE '\\'")
    return {(str(t), str(n)): " ".join(str(sql or "").split()) for t, n, sql in rows}


@cache
def migrated_objects(revision: str) -> SchemaObjects:
    """The objects a database migrated from nothing to `revision` holds."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "expected.sqlite3"
        engine = make_engine(f"sqlite:///{path}")
        try:
            cfg = alembic_config()
            with engine.begin() as conn:
                cfg.attributes["connection"] = conn
                command.upgrade(cfg, revision)
        finally:
            engine.dispose()
        made = sqlite3.connect(path)
        try:
            return schema_objects(made)
        finally:
            made.close()


def differences(found: SchemaObjects, expected: SchemaObjects) -> list[str]:
    """`type name` of every object added, missing or changed, added ones first."""
    added = [k for k in found if k not in expected]
    changed = [k for k in found if k in expected and found[k] != expected[k]]
    missing = [k for k in expected if k not in found]
    return [f"{kind} {name}" for kind, name in (*added, *changed, *missing)]


def require_migrated_schema(conn: sqlite3.Connection, revision: str, name: str) -> None:
    """Raise ValidationError when the database's objects differ from the migrations'."""
    odd = differences(schema_objects(conn), migrated_objects(revision))
    if odd:
        raise ValidationError(
            N_("The backup {file} holds database objects that ClearDesk's migrations do not "
               "create, or changed ones ({objects}). Such objects (a trigger, for one) could "
               "change data behind ClearDesk's back, so nothing was restored."),
            file=name, objects=", ".join(odd[:5]) + (" …" if len(odd) > 5 else ""))
