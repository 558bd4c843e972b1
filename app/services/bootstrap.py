"""First-start work after migrations: seed the reference tables when the database has none."""

from __future__ import annotations

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from app.reference.store import load_reference_files, reference_loaded


def after_migration(engine: Engine) -> None:
    with Session(engine) as session, session.begin():
        if not reference_loaded(session):
            load_reference_files(session)
