"""The sorting-centre station window: green label-and-bag, red hold, waiting for the scale."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot
from sqlalchemy import insert, select
from sqlalchemy.orm import Session, sessionmaker

from app.db.models import Declaration, ParcelWeighing, RouteCode
from app.security.context import Actor
from app.station.profiles import ThermalProfile
from tests.factories import make_declaration
from tests.ui.conftest import main_window
from tests.unit.station.test_thermal import CapturePrinter, zbar, zpl_graphics
from ui.context import GuiContext
from ui.main import open_database
from ui.station.window import StationWindow


class FakeScale:
    """The parcel on the scale: `weight` (None = still settling), taken once."""

    def __init__(self) -> None:
        self.weight: Decimal | None = None
        self.stopped = False

    def take(self, timeout: float = 0.0) -> Decimal | None:
        weight, self.weight = self.weight, None
        return weight

    def stable_weight(self) -> Decimal | None:
        return self.weight

    def stop(self) -> None:
        self.stopped = True


@pytest.fixture
def printer() -> Iterator[CapturePrinter]:
    p = CapturePrinter()
    yield p
    p.close()


@pytest.fixture
def parcels(db_url: str, sessions: sessionmaker[Session]) -> list[str]:
    with sessions() as s, s.begin():
        s.execute(insert(RouteCode), [{"scope": "440100", "level": "city",
                                       "place": "广东省广州市", "code": "020-B"}])
        ids = [make_declaration(s, status="released", grossWeight=Decimal("1.2"))
               for _ in range(3)]
        return [s.scalar(select(Declaration.logisticsNo).where(Declaration.id == i))
                for i in ids]


@pytest.fixture
def ctx(db_url: str) -> Iterator[GuiContext]:
    opened = open_database(db_url)
    assert not isinstance(opened, Exception)
    yield opened
    opened.engine.dispose()


def scan(qtbot: QtBot, station: StationWindow, code: str) -> None:
    """Scan and wait for the cycle: it runs on the station's worker thread."""
    with qtbot.waitSignal(station.cycled, timeout=10_000):
        station.scan(code)


def make_station(ctx: GuiContext, qtbot: QtBot, printer: CapturePrinter,
                 scale: FakeScale) -> tuple[StationWindow, list[str]]:
    profile = ThermalProfile("zebra", "zpl", bitmap=True, target=printer.target)
    station = StationWindow(ctx, scale=scale, profile=profile)
    qtbot.addWidget(station)
    sounds: list[str] = []
    station.play = sounds.append
    return station, sounds


def test_good_parcel_is_labelled_and_bagged_overweight_is_held_red(
        ctx: GuiContext, parcels: list[str], qtbot: QtBot, printer: CapturePrinter,
        tmp_path: Path, sessions: sessionmaker[Session]) -> None:
    scale = FakeScale()
    station, sounds = make_station(ctx, qtbot, printer, scale)
    scale.weight = Decimal("1.21")
    qtbot.keyClicks(station.scan_edit, parcels[0].lower())
    with qtbot.waitSignal(station.cycled, timeout=10_000):
        qtbot.keyClick(station.scan_edit, Qt.Key.Key_Return)
    assert sounds == ["ok"] and station.big.text() == "020-B"
    assert "#2e7d32" in station.big.styleSheet()
    assert zbar(zpl_graphics(printer.next_job())[0][2], tmp_path) == [parcels[0]]
    assert station.bags.rowCount() == 1 and station.bags.item(0, 2).text() == "1"

    scale.weight = Decimal("2.40")
    scan(qtbot, station, parcels[1])
    assert sounds[-1] == "problem" and station.big.text() == "HELD · weight"
    assert "#c62828" in station.big.styleSheet()
    assert "Measured 2.4 kg, declared 1.2 kg" in station.detail.text()
    assert len(printer.jobs) == 1  # no label for a held parcel
    assert station.bags.item(0, 2).text() == "1"  # not bagged
    assert station.table.item(0, 1).text() == "Held"

    station.ask_reason = lambda *_a: "box re-packed, checked"
    assert station.release()
    with sessions() as s:
        assert s.scalar(select(ParcelWeighing.state).where(
            ParcelWeighing.measured_kg == Decimal("2.40"))) == "released"

    scale.weight = Decimal("1.2")
    scan(qtbot, station, parcels[0])  # scanned again: which bag holds it
    assert sounds[-1] == "duplicate" and station.big.text().startswith("Already in bag BG")

    scale.weight = Decimal("3.1")
    station.bags.selectRow(0)
    closed = station.close_selected_bag()
    assert closed is not None and closed.weight_kg == Decimal("3.1")
    assert zbar(zpl_graphics(printer.next_job())[0][2], tmp_path) == [closed.bag_no]
    assert station.bags.rowCount() == 0


def test_scan_waits_for_a_stable_weight(ctx: GuiContext, parcels: list[str], qtbot: QtBot,
                                        printer: CapturePrinter) -> None:
    scale = FakeScale()
    station, sounds = make_station(ctx, qtbot, printer, scale)
    station.scan(parcels[2])
    assert station.big.text() == "Put the parcel on the scale" and sounds == []
    scale.weight = Decimal("1.19")
    qtbot.waitUntil(lambda: sounds == ["ok"], timeout=3000)
    assert station.big.text() == "020-B"
    station.done(0)
    assert scale.stopped


def test_without_a_scale_the_weight_is_typed(ctx: GuiContext, parcels: list[str],
                                             qtbot: QtBot, printer: CapturePrinter) -> None:
    profile = ThermalProfile("zebra", "tspl", target=printer.target)
    station = StationWindow(ctx, profile=profile)
    qtbot.addWidget(station)
    station.play = lambda _o: None
    assert station.scale is None and not station.weight_edit.isHidden()
    station.weight_edit.setText("1.2")
    scan(qtbot, station, parcels[0])
    assert station.big.text() == "020-B"
    assert printer.next_job().startswith(b"SIZE 100 mm,150 mm")


def test_declarations_menu_opens_the_station(db_url: str, qtbot: QtBot, actor: Actor) -> None:
    with main_window(db_url, qtbot) as w:
        action = w.station_actions.action_station  # type: ignore[attr-defined]
        assert action in w.menus["declarations"].actions()
        action.trigger()
        station = w.station_actions.station  # type: ignore[attr-defined]
        assert station is not None and station.isVisible()
        assert station.scale is None  # no scale port in the settings
        station.done(0)


def test_settings_station_tab_saves_checked_profiles(db_url: str, qtbot: QtBot) -> None:
    from ui.workspace.settings_dialog import SettingsDialog

    with main_window(db_url, qtbot, show=False) as w:
        dialog = SettingsDialog(w.ctx, w)
        qtbot.addWidget(dialog)
        dialog.edits["scalePort"].setText("/dev/ttyUSB0")
        dialog.edits["weightTolerancePercent"].setText("3")
        dialog.profiles_edit.setPlainText('{"zebra": {"dpi": 250}}')
        assert not dialog.save()
        assert "dpi must be one of 203, 300, 600" in dialog.message.text()
        dialog.profiles_edit.setPlainText('{"zebra": {"dpi": 300, "target": "file:/tmp"}}')
        assert dialog.save()
        with w.ctx.sessions() as s:
            from app.services.settings import all_settings

            values = all_settings(s)
        assert values["scalePort"] == "/dev/ttyUSB0"
        assert values["weightTolerancePercent"] == "3"
        assert '"dpi": 300' in values["thermalProfiles"]


def test_detained_parcel_is_weighed_but_not_labelled_or_bagged(
        ctx: GuiContext, qtbot: QtBot, printer: CapturePrinter,
        sessions: sessionmaker[Session]) -> None:
    with sessions() as s, s.begin():
        decl = make_declaration(s, status="detained", grossWeight=Decimal("1.2"))
        waybill = s.scalar(select(Declaration.logisticsNo).where(Declaration.id == decl))
    scale = FakeScale()
    station, sounds = make_station(ctx, qtbot, printer, scale)
    scale.weight = Decimal("1.2")
    scan(qtbot, station, waybill)
    assert sounds == ["problem"] and station.big.text() == "Problem parcel · Detained"
    assert "#c62828" in station.big.styleSheet() and station.bags.rowCount() == 0
    assert printer.jobs == []
    with sessions() as s:
        assert s.scalar(select(ParcelWeighing.state)) == "recorded"


def test_settings_export_and_import_printer_profiles(db_url: str, qtbot: QtBot,
                                                      tmp_path: Path) -> None:
    from ui.workspace.settings_dialog import SettingsDialog

    with main_window(db_url, qtbot, show=False) as w:
        dialog = SettingsDialog(w.ctx, w)
        qtbot.addWidget(dialog)
        dialog.profiles_edit.setPlainText('{"zebra": {"dpi": 300, "offset_x_mm": 1.5}}')
        dialog.ask_profiles_path = lambda _p, _save: tmp_path / "printers.json"
        assert dialog.export_profiles() == tmp_path / "printers.json"
        assert "offset_x_mm" in (tmp_path / "printers.json").read_text()
        other = SettingsDialog(w.ctx, w)  # another office
        qtbot.addWidget(other)
        other.profiles_edit.setPlainText('{"tsc": {"language": "tspl"}}')
        other.ask_profiles_path = lambda _p, _save: tmp_path / "printers.json"
        assert other.import_profiles()
        assert other.save()
        with w.ctx.sessions() as s:
            from app.services.settings import all_settings
            from app.station.profiles import load_profiles

            profiles = load_profiles(all_settings(s))
        assert sorted(profiles) == ["tsc", "zebra"]
        assert profiles["zebra"].offset_x_mm == 1.5 and profiles["zebra"].dpi == 300


def test_an_unreachable_printer_never_blocks_the_next_scan(
        ctx: GuiContext, parcels: list[str], qtbot: QtBot, sessions: sessionmaker[Session]
) -> None:
    import socket

    from app.db.models import ThermalJob

    server = socket.create_server(("127.0.0.1", 0))
    port = server.getsockname()[1]
    server.close()
    scale = FakeScale()
    station = StationWindow(ctx, scale=scale,
                            profile=ThermalProfile("zebra", target=f"tcp://127.0.0.1:{port}"))
    qtbot.addWidget(station)
    station.play = lambda _o: None
    for code in parcels[:2]:
        scale.weight = Decimal("1.2")
        scan(qtbot, station, code)
        assert station.big.text() == "020-B"  # labelled and bagged at once
    qtbot.waitUntil(lambda: "label(s) waiting" in station.printer_note.text(), timeout=10_000)
    with sessions() as s:
        assert s.scalars(select(ThermalJob.state)).all() == ["pending", "pending"]


def test_the_bag_manifest_button_writes_the_pdf_of_the_closed_bags(
        ctx: GuiContext, parcels: list[str], qtbot: QtBot, printer: CapturePrinter,
        tmp_path: Path) -> None:
    import subprocess

    scale = FakeScale()
    station, _sounds = make_station(ctx, qtbot, printer, scale)
    scale.weight = Decimal("1.2")
    scan(qtbot, station, parcels[0])
    scale.weight = Decimal("2.5")
    closed = station.close_selected_bag()
    assert closed is not None
    target = tmp_path / "总包.pdf"
    station.ask_path = lambda *_a: target
    qtbot.mouseClick(station.manifest_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "总包.pdf" in station.detail.text(), timeout=10000)
    text = subprocess.run(["pdftotext", "-layout", str(target), "-"], check=True,
                          capture_output=True, text=True).stdout
    assert f"Bag {closed.bag_no}" in text and parcels[0] in text and "020-B" in text


def test_the_window_keeps_taking_scans_while_a_slow_cycle_runs(
        ctx: GuiContext, parcels: list[str], qtbot: QtBot, printer: CapturePrinter) -> None:
    import threading

    scale = FakeScale()
    station, sounds = make_station(ctx, qtbot, printer, scale)
    go_on = threading.Event()
    run = station.cycle.run
    ran_on_gui_thread: list[bool] = []

    def slow_run(code: str, weight: Decimal) -> object:  # a busy disk, a slow render
        ran_on_gui_thread.append(threading.current_thread() is threading.main_thread())
        go_on.wait(3)
        return run(code, weight)

    station.cycle.run = slow_run  # type: ignore[method-assign,assignment]
    scale.weight = Decimal("1.2")
    station.scan(parcels[0])
    assert station.big.text() != "020-B"  # still going: the window did not wait for it
    qtbot.keyClicks(station.scan_edit, parcels[1])
    qtbot.keyClick(station.scan_edit, Qt.Key.Key_Return)
    assert station.scan_edit.text() == "" and list(station.queued) == [parcels[1]]
    scale.weight = Decimal("1.2")
    go_on.set()
    qtbot.waitUntil(lambda: sounds == ["ok", "ok"], timeout=10_000)
    assert ran_on_gui_thread == [False, False]
    assert [station.table.item(r, 0).text() for r in (1, 0)] == parcels[:2]  # in scan order
