"""First-start work after migrations: seed the reference tables when the database has none."""

from __future__ import annotations

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from app.db.engine import read_only_engine, take_turns
from app.reference.store import load_reference_files, reference_loaded


def after_migration(engine: Engine) -> None:
    # Look first without the write lock: every start passes here, even a read-only command.
    with Session(read_only_engine(engine)) as session, session.begin():
        if reference_loaded(session):
            return
    with Session(engine) as session, session.begin():
        take_turns(session.connection(), "schema_migration")  # workstations starting at once
        if not reference_loaded(session):
            load_reference_files(session)
