"""Declarations ▸ "Tally returned parcels in (CEB215)…": the clerk selects a returned export
parcel in the grid, says where it is stored, and the return tally goes to customs; an import
parcel is refused with the reason."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QThreadPool
from pytestqt.qtbot import QtBot
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from app.db.models import Declaration, OutboundMessage, ReturnTally
from app.security.context import Actor
from app.services import settings as settings_service
from tests.db.submission.test_submission_e2e import EXPORT_HEAD
from tests.factories import make_declaration
from tests.ui.submission.test_export_flow_gui import BROKER
from ui.context import GuiContext
from ui.main import open_database
from ui.main_window import MainWindow


@pytest.fixture
def ctx(db_url: str, sessions: sessionmaker[Session], actor: Actor,
        tmp_path: Path) -> Iterator[GuiContext]:
    (tmp_path / "exchange").mkdir()
    with sessions() as s, s.begin():
        settings_service.set_settings(s, actor, {**BROKER,
                                                 "exchangeDir": str(tmp_path / "exchange")})
        make_declaration(s, status="returned", copNo="EXPRET01", invtNo="51412026E000000001",
                         trafMode="5", trafName="CZ3102", voyageNo="CZ3102", **EXPORT_HEAD)
        make_declaration(s, status="released", copNo="IMP0001", invtNo="51412026I000000002")
    opened = open_database(db_url)
    assert not isinstance(opened, Exception)
    yield opened
    QThreadPool.globalInstance().waitForDone(10_000)
    opened.engine.dispose()


def _id(ctx: GuiContext, cop_no: str) -> int:
    with ctx.transaction(write=False) as s:
        return int(s.execute(select(Declaration.id)
                             .where(Declaration.copNo == cop_no)).scalar_one())


def test_grid_tallies_a_returned_export_parcel_in(ctx: GuiContext, qtbot: QtBot) -> None:
    window = MainWindow(ctx)
    qtbot.addWidget(window)
    tally = window.return_tally  # type: ignore[attr-defined]
    texts = [a.text() for a in window.menus["declarations"].actions()]
    assert "Tally returned parcels in (CEB215)…" in texts
    asked: list[int] = []
    errors: list[str] = []
    tally.ask_location = lambda n: asked.append(n) or "退货区A-03"
    tally.show_error = errors.append
    qtbot.waitUntil(lambda: window.model.rowCount() == 2)
    # An import parcel: refused, with the reason, nothing recorded.
    window.select_ids([_id(ctx, "IMP0001")])
    qtbot.waitUntil(lambda: window.selected_ids() == [_id(ctx, "IMP0001")])
    tally.action_tally.trigger()
    assert errors and "import declaration" in errors[0]
    # The returned export parcel: tallied in, its CEB215 recorded for the outbox.
    window.select_ids([_id(ctx, "EXPRET01")])
    qtbot.waitUntil(lambda: window.selected_ids() == [_id(ctx, "EXPRET01")])
    tally.action_tally.trigger()
    assert asked == [1, 1]
    with ctx.transaction(write=False) as s:
        row = s.execute(select(ReturnTally)).scalar_one()
        kinds = set(s.execute(select(OutboundMessage.message_type)).scalars())
    assert (row.status, row.location) == ("sent", "退货区A-03")
    assert "CEB215Message" in kinds
    assert "Return tally of 1 parcels recorded" in window.statusBar().currentMessage()
    # Cancelled question: nothing more recorded.
    tally.ask_location = lambda n: None
    tally.action_tally.trigger()
    with ctx.transaction(write=False) as s:
        assert len(s.execute(select(ReturnTally.id)).all()) == 1
    window.submission.watcher.stop()  # type: ignore[attr-defined]
