"""The export chain in the GUI: the Batches window's "Export chain" menu takes an export batch
from waybills to departed with the training customs answering; the grid shows the export
stage (translated) and filters by it."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from PySide6.QtCore import QThreadPool
from pytestqt.qtbot import QtBot
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from app.db.models import Declaration
from app.security.context import Actor
from app.services import settings as settings_service
from app.submission import batches, outbound
from app.submission.exchange import ExchangeFolderTransport
from app.submission.receipts_job import process_inbox
from app.submission.simulator import CustomsSimulator
from tests.db.submission.test_submission_e2e import EXPORT_HEAD
from tests.factories import make_declaration
from ui.context import GuiContext
from ui.main import open_database
from ui.submission.batch_dialogs import BatchesDialog
from ui.submission.summary_dialog import SummaryDialog

BROKER = {"agentCode": "5141980XYZ", "agentName": "广州清关通报关有限公司",
          "copCode": "5141980XYZ", "copName": "广州清关通报关有限公司",
          "dxpId": "DXPENT0000012345", "operatorCode": "5141980001",
          "operatorName": "白云机场跨境电商监管中心"}


@pytest.fixture
def exchange(tmp_path: Path) -> ExchangeFolderTransport:
    (tmp_path / "exchange").mkdir()
    return ExchangeFolderTransport(tmp_path / "exchange")


@pytest.fixture
def ctx(db_url: str, sessions: sessionmaker[Session], actor: Actor,
        exchange: ExchangeFolderTransport) -> Iterator[GuiContext]:
    with sessions() as s, s.begin():
        settings_service.set_settings(s, actor, {**BROKER, "exchangeDir": str(exchange.root)})
        ids = [make_declaration(s, status="ready", **{**EXPORT_HEAD, "statisticsFlag": "B"},
                                copNo=f"EXP{n:05d}") for n in range(3)]
        make_declaration(s, status="ready")  # an import parcel: no export stage
        batches.create_batch(s, actor, ids=ids, transport=batches.TransportData(
            billNo="784-12345675", trafMode="5", trafNo="CZ3102", voyageNo="CZ3102"))
    opened = open_database(db_url)
    assert not isinstance(opened, Exception)
    yield opened
    QThreadPool.globalInstance().waitForDone(10_000)
    opened.engine.dispose()


def _answer(ctx: GuiContext, sim: CustomsSimulator, exchange: ExchangeFolderTransport) -> None:
    for _ in range(8):
        sim.run_once()
        process_inbox(ctx.sessions, ctx.actor, exchange)
        if sim.pending() == 0:
            return


def _stages(ctx: GuiContext) -> set[str | None]:
    with ctx.transaction(write=False) as s:
        return set(s.execute(select(Declaration.export_stage)
                             .where(Declaration.batch_id.is_not(None))).scalars())


def test_batches_window_runs_the_export_chain(ctx: GuiContext, qtbot: QtBot,
                                              exchange: ExchangeFolderTransport) -> None:
    dialog = BatchesDialog(ctx)
    qtbot.addWidget(dialog)
    controls = dialog.export_flow
    assert controls.button.isEnabled()
    assert controls.actions["waybills"].isEnabled()
    assert not controls.actions["arrival"].isEnabled()  # the inventories are not submitted
    dialog.confirm = lambda q: True
    assert controls.run("waybills") is not None
    assert "Export waybills (CEB505) of batch" in dialog.last_message
    assert _stages(ctx) == {"waybill_sent"}
    assert "Waybill sent 3" in dialog.detail.text()
    with qtbot.waitSignal(dialog.changed, timeout=20_000):
        dialog.submit_selected()
    sim = CustomsSimulator(exchange, seed=4, now=datetime(2026, 11, 25, 9))
    _answer(ctx, sim, exchange)
    dialog.refresh()
    assert controls.actions["arrival"].isEnabled()
    trucks: list[str] = []
    controls.ask_truck = lambda default: trucks.append(default) or None  # cancelled
    assert controls.run("arrival") is None and trucks == ["CZ3102"]
    controls.ask_truck = lambda default: "粤A12345"
    assert controls.run("arrival") is not None
    _answer(ctx, sim, exchange)
    for step in ("manifest", "departure"):
        assert controls.run(step) is not None, dialog.last_message
        outbound.deliver_pending(ctx.sessions, ctx.actor, exchange)
        _answer(ctx, sim, exchange)
    assert _stages(ctx) == {"departed"}
    dialog.refresh()
    assert "Departed 3" in dialog.detail.text()
    assert "Departure report (CEB509)" in dialog.detail.text()
    # A step already accepted is refused with the reason shown.
    assert controls.run("departure") is None
    assert "has been accepted already" in dialog.last_message
    # The month's summary from the Monthly summaries window, answered with the result.
    with ctx.transaction(write=False) as s:
        stamp = str(s.execute(select(Declaration.appTime)
                              .where(Declaration.ieFlag == "E")).scalars().first())
    sums = SummaryDialog(ctx)
    qtbot.addWidget(sums)
    sums.month_edit.setText(f"{stamp[:4]}-{stamp[4:6]}")
    sums.confirm = lambda q: False
    assert sums.apply_for_month() is None and sums.table.rowCount() == 0
    sums.confirm = lambda q: True
    assert sums.apply_for_month() is not None
    assert sums.table.rowCount() == 1 and sums.table.item(0, 3).text() == "3"
    _answer(ctx, sim, exchange)
    sums.refresh()
    assert sums.table.item(0, 4).text() == "Accepted · 10"
    assert sums.table.item(0, 6).text()  # the customs declaration number


def test_grid_shows_and_filters_the_export_stage(ctx: GuiContext, qtbot: QtBot,
                                                 db_url: str) -> None:
    from tests.ui.conftest import main_window

    with ctx.transaction() as s:
        first = s.execute(select(Declaration.id).where(Declaration.batch_id.is_not(None))
                          .order_by(Declaration.id)).scalars().first()
        s.execute(Declaration.__table__.update().where(Declaration.id == first)
                  .values(export_stage="arrived"))
    with main_window(db_url, qtbot, show=False) as window:
        keys = [c.key for c in window.model.columns]
        col = keys.index("exportStage")
        combo = window.filter_bar.stage_combo
        combo.setCurrentIndex(combo.findData("arrived"))
        qtbot.waitUntil(lambda: window.model.rowCount() == 1)
        assert window.model.index(0, col).data() == "Arrived at site"
        combo.setCurrentIndex(0)
        qtbot.waitUntil(lambda: window.model.rowCount() == 4)
