from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QCoreApplication, QSettings, Qt
from PySide6.QtWidgets import QApplication, QDialogButtonBox
from pytestqt.qtbot import QtBot
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from app.db.models import AuditEvent, Declaration, Setting
from app.security.context import Actor, Role
from app.services.settings import all_settings
from tests.factories import item_values, make_declaration
from tests.ui.conftest import main_window
from ui.i18n import Translators
from ui.language import LanguageSwitcher
from ui.main_window import MainWindow
from ui.workspace.settings_dialog import SettingsDialog


@pytest.fixture
def window(db_url: str, sessions: sessionmaker[Session], qtbot: QtBot) -> Iterator[MainWindow]:
    with sessions() as s, s.begin():
        for n in range(5):
            make_declaration(s, logisticsNo=f"EA00000000{n}CN",
                             items=[item_values(gname="奶粉"), item_values(gname="维生素C")])
        make_declaration(s, logisticsNo="EA000000009CN", status="inspection")
    with main_window(db_url, qtbot) as w:
        qtbot.waitUntil(lambda: w.model.ready)
        yield w


def more(w: MainWindow) -> object:
    return w.workspace.more  # type: ignore[attr-defined]


def test_bulk_edit_preview_apply_and_undo(window: MainWindow, qtbot: QtBot) -> None:
    window.table.selectAll()
    dialog = more(window).open_bulk_edit()  # type: ignore[attr-defined]
    qtbot.addWidget(dialog)
    dialog.kind_combo.setCurrentIndex(dialog.kind_combo.findData("set_head"))
    dialog.field_combo.setCurrentIndex(dialog.field_combo.findData("voyageNo"))
    dialog.value_edit.setText("CA1234")
    assert not dialog.apply_button.isEnabled()
    dialog.preview_button.click()
    assert dialog.summary.text() == ("5 declaration(s) will change; 1 skipped: queued or "
                                     "further, no longer editable.")
    assert dialog.samples.rowCount() == 5
    with window.ctx.transaction() as s:  # parcels by their order number, not an internal id
        orders = set(s.scalars(select(Declaration.orderNo)))
    assert dialog.samples.item(0, 0).text() in orders
    assert dialog.samples.horizontalHeaderItem(0).text() == "Order No."
    assert dialog.apply_button.isEnabled()
    with qtbot.waitSignal(dialog.applied, timeout=10000):
        dialog.apply_button.click()
    with window.ctx.transaction() as s:
        assert s.execute(select(func.count()).select_from(Declaration)
                         .where(Declaration.voyageNo == "CA1234")).scalar_one() == 5
        assert s.execute(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.action == "declaration.bulk_update")).scalar_one() == 5
    notes: list[str] = []
    more(window).notify = lambda title, text: notes.append(text)  # type: ignore[attr-defined]
    assert more(window).action_undo_bulk.isEnabled()  # type: ignore[attr-defined]
    more(window).action_undo_bulk.trigger()  # type: ignore[attr-defined]
    assert notes == ["Restored 5 declaration(s)."]
    with window.ctx.transaction() as s:
        assert s.execute(select(func.count()).select_from(Declaration)
                         .where(Declaration.voyageNo == "CA1234")).scalar_one() == 0


def test_bulk_replace_in_item_names(window: MainWindow, qtbot: QtBot) -> None:
    window.table.selectAll()
    dialog = more(window).open_bulk_edit()  # type: ignore[attr-defined]
    qtbot.addWidget(dialog)
    dialog.kind_combo.setCurrentIndex(dialog.kind_combo.findData("replace_item_text"))
    assert dialog.field_combo.currentData() == "gname"
    dialog.find_edit.setText("奶粉")
    dialog.value_edit.setText("婴儿奶粉")
    dialog.run_preview()
    assert dialog.summary.text().startswith("5 declaration(s) will change (5 goods line(s))")


def test_scan_flow(window: MainWindow, qtbot: QtBot, tmp_path: Path) -> None:
    station = more(window).open_scan_station()  # type: ignore[attr-defined]
    qtbot.addWidget(station)
    sounds: list[str] = []
    station.play = sounds.append
    for code in ("ea000000001cn", "EA000000001CN", "NOPE123", "EA000000009CN"):
        qtbot.keyClicks(station.scan_edit, code)
        qtbot.keyClick(station.scan_edit, Qt.Key.Key_Return)
    assert sounds == ["ok", "duplicate", "unknown", "problem"]
    assert station.big.text() == "Problem parcel · Inspection"
    assert "#c62828" in station.big.styleSheet()
    assert station.scan_edit.text() == ""
    assert station.table.rowCount() == 4
    assert station.table.item(0, 2).text() == "Problem parcel"
    assert station.table.item(1, 2).text() == "Unknown number"
    assert station.counts.text() == "4 scanned · 1 OK · 1 problem · 1 twice · 1 unknown"
    # The scanned declaration is selected in the grid.
    with window.ctx.transaction() as s:
        inspected = s.execute(select(Declaration.id).where(
            Declaration.logisticsNo == "EA000000009CN")).scalar_one()
    assert window.selected_ids() == [inspected]
    station.ask_path = lambda *_a: tmp_path / "scans.csv"
    assert station.export() == tmp_path / "scans.csv"
    with open(tmp_path / "scans.csv", encoding="utf-8-sig") as fh:
        rows = list(csv.reader(fh))
    assert rows[0][:3] == ["Time", "Scanned number", "Result"]
    assert [r[2] for r in rows[1:]] == ["OK", "Scanned twice", "Unknown number", "Problem parcel"]


def test_scan_prints_label_through_the_hook(window: MainWindow, qtbot: QtBot) -> None:
    printed: list[int] = []
    window.print_label = printed.append  # type: ignore[attr-defined]
    station = more(window).open_scan_station()  # type: ignore[attr-defined]
    qtbot.addWidget(station)
    station.play = lambda _o: None
    assert station.print_check.isEnabled()
    station.print_check.setChecked(True)
    station.scan("EA000000002CN")
    station.scan("EA000000009CN")  # a problem parcel gets no label
    assert len(printed) == 1


def test_settings_dialog_saves_changes(window: MainWindow, qtbot: QtBot) -> None:
    dialog = more(window).open_settings()  # type: ignore[attr-defined]
    qtbot.addWidget(dialog)
    dialog.edits["agentCode"].setText("5141980XYZ")
    dialog.ask_folder = lambda *_a: "/srv/exchange"
    dialog.findChild(type(dialog.buttons.button(QDialogButtonBox.StandardButton.Save)),
                     "browse_exchange").click()
    dialog.printer_combo.setCurrentText("a4-4up")
    assert dialog.save()
    with window.ctx.transaction() as s:
        values = dict(s.execute(select(Setting.key, Setting.value)).all())
        seen = all_settings(s)  # this workstation's folder and printer are kept on it
    assert values["agentCode"] == "5141980XYZ"
    assert seen["exchangeDir"] == "/srv/exchange"
    assert seen["printerProfile"] == "a4-4up"


def test_settings_read_only_for_a_clerk(window: MainWindow, qtbot: QtBot) -> None:
    window.ctx.actor = Actor("li", Role.CLERK)
    dialog = SettingsDialog(window.ctx, window)
    qtbot.addWidget(dialog)
    assert dialog.edits["agentCode"].isReadOnly()
    assert dialog.findChild(type(dialog.message), "read_only_note") is not None
    # Nothing looks editable: every setting is greyed out, and there is no Save button.
    assert not any(e.isEnabled() for e in dialog.edits.values())
    assert not dialog.printer_combo.isEnabled()
    assert dialog.buttons.button(QDialogButtonBox.StandardButton.Save) is None
    assert dialog.buttons.button(QDialogButtonBox.StandardButton.Ok) is not None
    assert dialog.language_combo.isEnabled()


def test_language_switch_at_run_time(window: MainWindow, qtbot: QtBot,
                                     qapp: QApplication) -> None:
    translators = Translators(qapp)
    translators.install("en")
    first = MainWindow(window.ctx)  # replaced (and deleted) by the switch
    first.show()
    qtbot.waitUntil(lambda: first.model.ready)
    switcher = LanguageSwitcher(translators, window.ctx, first)
    first.table.selectRow(1)
    selected = first.selected_ids()
    try:
        new = switcher.switch("zh_CN")
        assert new.menus["file"].title() == "文件(&F)"
        assert new.menus["declarations"].title() == "清单(&D)"
        assert QSettings().value("ui/language") == "zh_CN"
        qtbot.waitUntil(lambda: new.model.ready and new.selected_ids() == selected)
        # Qt's own dialogs come translated too (qtbase catalogue).
        assert QCoreApplication.translate("QPlatformTheme", "Cancel") == "取消"
        more(new).language_actions["en"].trigger()  # type: ignore[attr-defined]
        back = switcher.window
        qtbot.addWidget(back)
        assert back.menus["file"].title() == "&File"
        assert back.search_edit.placeholderText().startswith("Search order No.")
    finally:
        translators.install("en")
        window.ctx.lang = "en"
