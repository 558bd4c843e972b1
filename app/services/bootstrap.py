"""First-start work after migrations: seed the reference tables when the database has none."""

from __future__ import annotations

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from app.db.engine import read_only_engine, take_turns
from app.db.models import HsCode


def reference_loaded(session: Session) -> bool:
    """Whether the reference tables were seeded (one row tells; counting them took a scan)."""
    return session.scalar(select(HsCode.code).limit(1)) is not None


def after_migration(engine: Engine) -> None:
    # Look first without the write lock: every start passes here, even a read-only command.
    with Session(read_only_engine(engine)) as session, session.begin():
        if reference_loaded(session):
            return
    with Session(engine) as session, session.begin():
        take_turns(session.connection(), "schema_migration")  # workstations starting at once
        if not reference_loaded(session):
            # Imported only here: every start passes above, and the CSV reader is not light.
            from app.reference.store import load_reference_files

            load_reference_files(session)
