"""The station's "Export arrival…": the scanner types each parcel of an export batch (number +
Return); green for a parcel of the batch, red with the reason in Chinese for an import parcel
or one of another batch; the parcels not scanned are listed; the clerk confirms those scanned,
and the last scan sends the arrival report of the rest."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from app.db.models import Declaration, ExportDocument, SiteArrival
from app.security.context import Actor
from app.services import settings as settings_service
from app.submission import outbound
from app.submission.exchange import ExchangeFolderTransport
from tests.db.submission.test_export_flow import _Customs, _export_batch, _step
from tests.factories import make_declaration
from tests.ui.station.test_station_window import FakeScale
from tests.ui.submission.test_export_flow_gui import BROKER
from ui.context import GuiContext
from ui.main import open_database
from ui.station.arrival_dialog import SiteArrivalDialog
from ui.station.window import StationWindow


@pytest.fixture
def prepared(sessions: sessionmaker[Session], actor: Actor, tmp_path: Path
             ) -> tuple[ExchangeFolderTransport, str, list[str]]:
    """An export batch whose waybills were sent and inventories released; its waybills."""
    (tmp_path / "exchange").mkdir()
    exchange = ExchangeFolderTransport(tmp_path / "exchange")
    with sessions() as s, s.begin():
        settings_service.set_settings(s, actor, {**BROKER, "exchangeDir": str(exchange.root)})
        make_declaration(s, status="released", logisticsNo="SF1000000001")
    batch_no = _export_batch(sessions, actor, 3)
    _step(sessions, actor, exchange, "waybills", batch_no)
    with sessions() as s, s.begin():
        outbound.record_batch(s, actor, batch_no, settings_service.all_settings(s))
    outbound.deliver_pending(sessions, actor, exchange)
    _Customs(sessions, actor, exchange).settle()
    with sessions() as s:
        waybills = [str(n) for n in s.execute(
            select(Declaration.logisticsNo).where(Declaration.batch_id.is_not(None))
            .order_by(Declaration.id)).scalars()]
    return exchange, batch_no, waybills


@pytest.fixture
def ctx(db_url: str, prepared: object) -> Iterator[GuiContext]:
    opened = open_database(db_url)
    assert not isinstance(opened, Exception)
    yield dataclasses.replace(opened, lang="zh_CN")
    opened.engine.dispose()


def _scan(qtbot: QtBot, dialog: SiteArrivalDialog, code: str) -> None:
    qtbot.keyClicks(dialog.scan_edit, code)
    qtbot.keyClick(dialog.scan_edit, Qt.Key.Key_Return)


def test_station_scans_an_export_batch_in_and_reports_its_arrival(
        ctx: GuiContext, qtbot: QtBot, sessions: sessionmaker[Session],
        prepared: tuple[ExchangeFolderTransport, str, list[str]]) -> None:
    exchange, batch_no, waybills = prepared
    station = StationWindow(ctx, scale=FakeScale())
    qtbot.addWidget(station)
    qtbot.mouseClick(station.arrival_button, Qt.MouseButton.LeftButton)
    dialog = station.arrival
    assert dialog is not None
    qtbot.addWidget(dialog)
    sounds: list[str] = []
    dialog.play = sounds.append
    assert dialog.batch_combo.currentText() == batch_no
    assert dialog.unscanned.count() == 3 and not dialog.confirm_button.isEnabled()
    # An import parcel: red, the reason in Chinese, nothing recorded.
    _scan(qtbot, dialog, "sf1000000001")
    assert sounds == ["problem"] and dialog.big.property("outcome") == "not_export"
    assert "进口包裹" in dialog.detail.text()
    # A parcel of the batch: green, one fewer waiting.
    _scan(qtbot, dialog, waybills[0])
    assert sounds[-1] == "ok" and dialog.big.property("outcome") == "arrived"
    assert dialog.unscanned.count() == 2
    assert "1 of 3" in dialog.progress.text()
    assert waybills[1] in dialog.unscanned.item(0).text()
    _scan(qtbot, dialog, waybills[0])
    assert sounds[-1] == "duplicate"
    # The clerk confirms the one scanned: its arrival report goes to the outbox.
    dialog.confirm = lambda _parent, _text: True
    qtbot.mouseClick(dialog.confirm_button, Qt.MouseButton.LeftButton)
    assert dialog.last_report is not None and dialog.last_report.parcels == 1
    assert any(p.name.startswith("CEB507_") for p in exchange.outbox.iterdir())
    # The other two: the last one sends the arrival report of both by itself.
    _scan(qtbot, dialog, waybills[1])
    _scan(qtbot, dialog, waybills[2])
    assert dialog.last_report.parcels == 2
    assert "CEB507" in dialog.detail.text() and dialog.unscanned.count() == 0
    with sessions() as s:
        assert len(s.execute(select(SiteArrival.declaration_id)).all()) == 3
        assert [d for d, in s.execute(select(ExportDocument.parcels)
                                      .order_by(ExportDocument.id))] == [1, 2]
