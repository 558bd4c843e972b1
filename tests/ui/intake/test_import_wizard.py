"""The import wizard end to end: File → Import…, mapping, preview, progress, summary."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from PySide6.QtCore import QMimeData, QPoint, Qt, QUrl
from PySide6.QtGui import QDropEvent
from PySide6.QtWidgets import QComboBox, QWizard
from pytestqt.qtbot import QtBot
from sqlalchemy import func, select

from app.db.models import Declaration
from app.domain.errors import ValidationError
from app.intake.table import _MSG_NO_HEADER as MSG_NO_HEADER_ROW
from tests.ui.conftest import main_window
from tests.unit.intake.filemakers import CN_HEADERS, CN_ROWS, write_csv, write_xlsx
from ui.intake.summary import ImportSummaryDialog
from ui.intake.wizard import ImportWizard
from ui.main_window import MainWindow


@pytest.fixture
def window(db_url: str, qtbot: QtBot) -> Iterator[MainWindow]:
    with main_window(db_url, qtbot, show=False) as w:
        yield w


def _orders(window: MainWindow) -> int:
    with window.ctx.transaction() as s:
        return int(s.execute(select(func.count()).select_from(Declaration)).scalar_one())


def _start(window: MainWindow, qtbot: QtBot, path: Path) -> ImportWizard:
    wizard: ImportWizard = window.import_actions.open_wizard(path)  # type: ignore[attr-defined]
    qtbot.addWidget(wizard)
    wizard.show_error = lambda _p, text: pytest.fail(text)
    # The file page lists the sheets and proposes a profile after reading the file in the
    # background.
    qtbot.waitUntil(lambda: not wizard.busy and wizard.file_page.isComplete(), timeout=20_000)
    return wizard


def _next(wizard: ImportWizard, qtbot: QtBot) -> None:
    """Next, then wait for the page to change: the file is read in the background first."""
    page = wizard.currentId()
    wizard.next()
    qtbot.waitUntil(lambda: wizard.currentId() != page, timeout=20_000)


def test_file_menu_has_import_with_ctrl_i(window: MainWindow) -> None:
    action = window.import_actions.action  # type: ignore[attr-defined]
    assert action in window.menus["file"].actions()
    assert action.shortcut().toString() == "Ctrl+I"


def test_wizard_maps_previews_imports_and_saves_rejected_rows(window: MainWindow, qtbot: QtBot,
                                                             tmp_path: Path) -> None:
    rows = [list(r) for r in CN_ROWS]
    rows[2][3] = 310104198510101234.0  # an ID Excel turned into a float
    path = write_xlsx(tmp_path / "orders.xlsx", CN_HEADERS, rows, title="五月订单")
    wizard = _start(window, qtbot, path)
    assert wizard.file_page.sheet_combo.currentText() == "订单"
    _next(wizard, qtbot)
    mapping = wizard.mapping_page
    assert mapping.table.rowCount() == len(CN_HEADERS)
    combo = mapping.table.cellWidget(0, 2)
    assert isinstance(combo, QComboBox) and combo.currentData() == "orderNo"
    assert "SO1001" in mapping.table.item(0, 1).text()
    assert "Platform code" in mapping.missing_label.text()
    _next(wizard, qtbot)
    preview = wizard.preview_page
    assert preview.table.rowCount() == 3
    id_col = 2 + CN_HEADERS.index("订购人证件号码")
    bad = preview.table.item(2, id_col)
    assert bad.background().color().name() == "#f8d0cc" and "Excel" in bad.toolTip()
    assert "1 with problems" in preview.summary.text()
    assert "Excel" in preview.table.item(2, 1).text()
    with qtbot.waitSignal(wizard.imported, timeout=20_000) as signal:
        wizard.accept()
    summary = signal.args[0]
    assert (summary.declarations, summary.rejected_rows) == (1, 1)
    qtbot.waitUntil(lambda: wizard.summary_dialog is not None)
    dialog = wizard.summary_dialog
    assert isinstance(dialog, ImportSummaryDialog)
    qtbot.addWidget(dialog)
    assert "New declarations: 1 ·" in dialog.counts_label.text()
    assert dialog.errors_table.rowCount() == 1
    assert dialog.errors_table.item(0, 1).text() == "SO1002"  # the refused row's order
    target = tmp_path / "rejected.xlsx"
    dialog.ask_save_path = lambda *_a: str(target)
    dialog.save_button.click()
    ws = load_workbook(target).active
    assert ws.cell(row=2, column=1).value == "SO1002"
    assert "Excel" in str(ws.cell(row=2, column=len(CN_HEADERS) + 1).value)
    assert _orders(window) == 1
    grab = dialog.grab()
    grab.save(str(tmp_path / "summary.png"))


def test_manual_mapping_and_profile(window: MainWindow, qtbot: QtBot, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "odd.csv", ["单", "货品", "个数"], [["A1", "面霜", "2"]])
    wizard = _start(window, qtbot, path)
    _next(wizard, qtbot)
    combos = [wizard.mapping_page.table.cellWidget(i, 2) for i in range(3)]
    assert isinstance(combos[0], QComboBox)
    combos[0].setCurrentIndex(combos[0].findData("orderNo"))  # type: ignore[union-attr]
    combos[1].setCurrentIndex(combos[1].findData("gname"))  # type: ignore[union-attr]
    combos[2].setCurrentIndex(combos[2].findData("qty"))  # type: ignore[union-attr]
    wizard.mapping_page.save_check.setChecked(True)
    wizard.mapping_page.profile_edit.setText("odd-shop")
    _next(wizard, qtbot)
    with qtbot.waitSignal(wizard.imported, timeout=20_000) as signal:
        wizard.accept()
    assert signal.args[0].declarations == 1
    assert wizard.profile_names() == ["odd-shop"]
    again = _start(window, qtbot, write_csv(tmp_path / "odd2.csv", ["单", "货品", "个数"],
                                            [["A2", "鞋", "1"]]))
    assert again.file_page.profile_combo.currentData() == "odd-shop"


def test_drop_a_file_on_the_window_opens_the_wizard(window: MainWindow, qtbot: QtBot,
                                                    tmp_path: Path) -> None:
    path = write_csv(tmp_path / "drop.csv", CN_HEADERS, CN_ROWS)
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(path))])
    event = QDropEvent(QPoint(10, 10), Qt.DropAction.CopyAction, mime,
                       Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier)
    # Offscreen Qt delivers no real drags; hand the event to the window's drop filter.
    actions = window.import_actions  # type: ignore[attr-defined]
    assert actions.eventFilter(window, event) is True
    wizard = actions.wizard
    assert wizard is not None
    qtbot.addWidget(wizard)
    assert wizard.draft.path == path


def test_preview_is_read_off_the_gui_thread_while_the_page_shows_busy(
        window: MainWindow, qtbot: QtBot, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    import ui.intake.wizard as wizard_module

    path = write_xlsx(tmp_path / "orders.xlsx", CN_HEADERS, CN_ROWS)
    release = threading.Event()
    readers: list[threading.Thread] = []
    real_preview = wizard_module.preview_file

    def held_preview(*args: Any, **kwargs: Any) -> Any:
        readers.append(threading.current_thread())
        assert release.wait(20)  # the file "takes long": held until the test has looked
        return real_preview(*args, **kwargs)

    monkeypatch.setattr(wizard_module, "preview_file", held_preview)
    wizard = window.import_actions.open_wizard(path)  # type: ignore[attr-defined]
    qtbot.addWidget(wizard)
    wizard.show_error = lambda _p, text: pytest.fail(text)
    page = wizard.file_page
    next_button = wizard.button(QWizard.WizardButton.NextButton)
    # Opening the file reads its header (sheets, profile proposal) in the background.
    qtbot.waitUntil(lambda: bool(readers))
    assert readers[0] is not threading.main_thread()
    assert wizard.busy and page.busy_bar.isVisible() and not next_button.isEnabled()
    release.set()
    qtbot.waitUntil(lambda: not wizard.busy and next_button.isEnabled(), timeout=20_000)
    assert page.sheet_combo.currentText() == "订单" and not page.busy_bar.isVisible()
    release.clear()
    readers.clear()
    wizard.next()
    qtbot.waitUntil(lambda: bool(readers))
    # The GUI thread is free; the page shows that it is reading and cannot be changed.
    assert readers[0] is not threading.main_thread()
    assert wizard.currentPage() is page and wizard.busy
    assert page.busy_bar.isVisible() and "Reading the file" in page.busy_bar.label.text()
    assert not next_button.isEnabled() and not page.sheet_combo.isEnabled()
    release.set()
    qtbot.waitUntil(lambda: wizard.currentPage() is wizard.mapping_page, timeout=20_000)
    assert not wizard.busy and next_button.isEnabled()
    assert wizard.mapping_page.table.rowCount() == len(CN_HEADERS)
    # Next on the mapping page reads the file again with the mapping, also in the background.
    release.clear()
    readers.clear()
    wizard.next()
    qtbot.waitUntil(lambda: bool(readers))
    assert wizard.currentPage() is wizard.mapping_page
    assert wizard.mapping_page.busy_bar.isVisible() and not next_button.isEnabled()
    release.set()
    qtbot.waitUntil(lambda: wizard.currentPage() is wizard.preview_page, timeout=20_000)
    assert wizard.preview_page.table.rowCount() == len(CN_ROWS)


def test_unreadable_file_shows_the_error_and_stays_on_the_page(
        window: MainWindow, qtbot: QtBot, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    import ui.intake.wizard as wizard_module

    path = write_csv(tmp_path / "orders.csv", CN_HEADERS, CN_ROWS)
    wizard = _start(window, qtbot, path)
    shown: list[str] = []
    wizard.show_error = lambda _p, text: shown.append(text)

    def broken(*_a: Any, **_k: Any) -> Any:
        raise ValidationError(MSG_NO_HEADER_ROW, name=path.name)

    monkeypatch.setattr(wizard_module, "preview_file", broken)
    wizard.next()
    qtbot.waitUntil(lambda: bool(shown), timeout=20_000)
    assert "orders.csv" in shown[0]
    assert wizard.currentPage() is wizard.file_page and not wizard.busy
    assert not wizard.file_page.busy_bar.isVisible()
    assert wizard.button(QWizard.WizardButton.NextButton).isEnabled()


def test_wizard_imports_an_export_file_and_remembers_export_in_the_profile(
        window: MainWindow, qtbot: QtBot, tmp_path: Path) -> None:
    from tests.unit.intake.export_orders import write_export_orders

    wizard = _start(window, qtbot, write_export_orders(tmp_path / "exports.xlsx", count=2))
    _next(wizard, qtbot)
    mapping = wizard.mapping_page
    assert mapping.direction_combo.currentData() == "I"
    # Read as import, the file lacks the buyer's ID; as export nothing is missing.
    assert "Buyer ID number" in mapping.missing_label.text()
    mapping.direction_combo.setCurrentIndex(mapping.direction_combo.findData("E"))
    assert mapping.missing_label.text() == "Every required field is filled."
    mapping.save_check.setChecked(True)
    mapping.profile_edit.setText("出口订单")
    _next(wizard, qtbot)
    assert "2 rows shown, 0 with problems" in wizard.preview_page.summary.text()
    with qtbot.waitSignal(wizard.imported, timeout=20_000) as signal:
        wizard.accept()
    assert signal.args[0].declarations == 2
    with window.ctx.transaction() as s:
        got = s.execute(select(Declaration.ieFlag, Declaration.status)).all()
    assert got == [("E", "ready"), ("E", "ready")]
    # The next file proposes the saved profile, and with it export.
    again = _start(window, qtbot, write_export_orders(tmp_path / "more.xlsx", count=1,
                                                      prefix="EXQ"))
    assert again.file_page.profile_combo.currentData() == "出口订单"
    _next(again, qtbot)
    assert again.mapping_page.direction_combo.currentData() == "E"


def test_province_city_district_columns_stay_part_of_the_address(
        window: MainWindow, qtbot: QtBot, tmp_path: Path) -> None:
    """A platform that splits the address into 省 | 市 | 区 | 详细地址: the mapping page shows
    those columns as parts of the address (not "ignore"), and the imported declaration has the
    whole address, as the CLI import gives it."""
    headers = [*CN_HEADERS[:5], "省", "市", "区", "详细地址", *CN_HEADERS[6:]]
    rows = [[*r[:5], "上海市", "上海市", "徐汇区", "漕溪路2号", *r[6:]] for r in CN_ROWS[2:]]
    wizard = _start(window, qtbot, write_csv(tmp_path / "split.csv", headers, rows))
    _next(wizard, qtbot)
    combos = [wizard.mapping_page.table.cellWidget(i, 2) for i in range(5, 9)]
    assert [c.currentData() for c in combos] == [  # type: ignore[union-attr]
        "address_part", "address_part", "address_part", "consigneeAddress"]
    assert "Part of the address" in combos[0].currentText()  # type: ignore[union-attr]
    _next(wizard, qtbot)
    with qtbot.waitSignal(wizard.imported, timeout=20_000) as signal:
        wizard.accept()
    assert signal.args[0].declarations == 1
    with window.ctx.transaction() as s:
        address = s.execute(select(Declaration.consigneeAddress)).scalar_one()
    assert address == "上海市徐汇区漕溪路2号"
