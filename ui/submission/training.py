"""The training database: a separate practice database wired to a simulated customs."""

from __future__ import annotations

from pathlib import Path

from platformdirs import user_data_dir
from sqlalchemy import func, select

from app.db.engine import APP_NAME, make_engine, make_session_factory
from app.db.migrate import ensure_schema
from app.db.models import Declaration
from app.security.context import system_actor
from app.services import settings as settings_service
from app.services.bootstrap import after_migration

TRAINING_FILE = "cleardesk-training.sqlite3"

# Made-up broker codes: the training customs accepts anything well-formed.
TRAINING_SETTINGS = {
    "agentCode": "3101980001", "agentName": "培训报关有限公司",
    "copCode": "3101980001", "copName": "培训报关有限公司", "dxpId": "DXPENT0000000001",
    "customsCode": "2244", "portCode": "2244",
}


def is_training(url: str) -> bool:
    return url.rstrip("/").endswith(TRAINING_FILE)


def prepare_training_database(folder: Path | None = None) -> str:
    """Create (or reuse) the training database and its exchange folder; returns its URL."""
    base = folder or Path(user_data_dir(APP_NAME, appauthor=False)) / "training"
    base.mkdir(parents=True, exist_ok=True)
    url = f"sqlite:///{base / TRAINING_FILE}"
    engine = make_engine(url)
    try:
        ensure_schema(engine)
        after_migration(engine)
        sessions = make_session_factory(engine)
        actor = system_actor()
        with sessions() as session, session.begin():
            current = settings_service.all_settings(session)
            values = {k: v for k, v in TRAINING_SETTINGS.items() if not current.get(k)}
            values["exchangeDir"] = str(base / "exchange")
            settings_service.set_settings(session, actor, values)
            empty = not session.execute(select(func.count()).select_from(Declaration)
                                        ).scalar_one()
        if empty:
            from app.reference.store import reference_from_db
            from app.services.demo import add_demo_declarations

            with sessions() as session, session.begin():
                add_demo_declarations(session, actor, 300, 7, reference_from_db(session),
                                      settings_service.all_settings(session))
    finally:
        engine.dispose()
    (base / "exchange").mkdir(exist_ok=True)
    return url
