"""Excel habits in the grid: Ctrl+C copies rows as TSV with headers (masked by role), the
right-click menu offers what the role may do, Help → Keyboard shortcuts lists the real keys."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QMenu
from pytestqt.qtbot import QtBot
from sqlalchemy.orm import Session, sessionmaker

from app.security.context import Actor, Role
from tests.factories import make_declaration, valid_id_number
from tests.ui.conftest import main_window
from ui.main_window import MainWindow

ID_NUMBER = valid_id_number("11010519900307123")


@pytest.fixture
def small(db_url: str, sessions: sessionmaker[Session], qtbot: QtBot) -> Iterator[MainWindow]:
    """Three declarations, the newest (first row) with a tab, a line break and a bell in its
    address."""
    with sessions() as s, s.begin():
        make_declaration(s, buyerName="李娜", orderNo="ORD-A")
        make_declaration(s, buyerName="王芳", orderNo="ORD-B")
        make_declaration(s, buyerName="张伟", orderNo="ORD-C", buyerIdNumber=ID_NUMBER,
                         consigneeAddress="广州\t天河区\n2801室\x07")
    with main_window(db_url, qtbot) as w:
        qtbot.waitUntil(lambda: w.model.ready and w.model.rowCount() == 3)
        w.columns.show_only(["orderNo", "buyerName", "buyerIdNumber", "consigneeAddress"])
        yield w


def _copy(w: MainWindow, qtbot: QtBot) -> list[str]:
    QGuiApplication.clipboard().clear()
    w.table.setFocus()
    qtbot.keyClick(w.table, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: QGuiApplication.clipboard().text() != "")
    return QGuiApplication.clipboard().text().split("\n")


def test_ctrl_c_copies_selected_rows_as_tsv_with_headers_masked(small: MainWindow,
                                                                qtbot: QtBot) -> None:
    small.table.selectRow(0)
    small.table.selectionModel().select(
        small.model.index(2, 0), small.table.selectionModel().SelectionFlag.Select
        | small.table.selectionModel().SelectionFlag.Rows)
    text = "\n".join(_copy(small, qtbot))
    masked = "1101**********" + ID_NUMBER[-4:]
    assert text == ("Order No.\tBuyer\tBuyer ID number\tAddress\n"
                    f'ORD-C\t张伟\t{masked}\t"广州\t天河区\n2801室 "\n'  # quoted, no bell
                    "ORD-A\t李娜\t1101**********002X\t广东省广州市天河区天河路385号太古汇一座2801室\n")
    assert "ORD-B" not in text  # only the selection
    assert ID_NUMBER not in text


def test_copy_shows_full_numbers_after_an_unmask(small: MainWindow, qtbot: QtBot) -> None:
    small.model.set_personal_data_unmasked(True)  # a supervisor chose "Show personal data"
    small.table.selectRow(0)
    text = "\n".join(_copy(small, qtbot))
    assert ID_NUMBER in text


def _menu_texts(w: MainWindow, row: int, column: int) -> list[str]:
    actions = w.grid_actions  # type: ignore[attr-defined]
    shown: list[QMenu] = []
    actions.exec_menu = lambda menu, _pos: shown.append(menu)
    rect = w.table.visualRect(w.model.index(row, column))
    actions._on_table_context_menu_requested(rect.center())
    assert shown
    return [a.text() for a in shown[0].actions() if not a.isSeparator() and a.isVisible()]


def test_context_menu_offers_common_actions_and_filters_by_value(small: MainWindow,
                                                                qtbot: QtBot) -> None:
    order_col = [c.key for c in small.model.columns].index("orderNo")
    texts = _menu_texts(small, 1, order_col)
    for wanted in ("&Open declaration", "&Check declarations", "&New batch from selection…",
                   "Labels for selection…", "Cop&y rows", "Show &problems"):
        assert wanted in texts
    assert small.selected_ids() == [small.model.declaration_id(1)]  # right-click selects
    assert "&Filter by “ORD-B”" in texts
    with qtbot.waitSignal(small.model.refreshed):
        small.grid_actions.action_filter_value.trigger()  # type: ignore[attr-defined]
    assert small.search_edit.text() == "ORD-B"
    assert small.model.rowCount() == 1


def test_context_menu_leaves_out_what_the_role_may_not_do(small: MainWindow) -> None:
    small.ctx.actor = Actor("boss", Role.ADMIN)  # may view, not check, batch or print
    texts = _menu_texts(small, 0, 2)
    assert "&Check declarations" not in texts
    assert "Labels for selection…" not in texts
    assert "&New batch from selection…" not in texts
    assert "Cop&y rows" in texts


def test_keyboard_shortcuts_dialog_lists_the_window_actions(small: MainWindow,
                                                           qtbot: QtBot) -> None:
    dialog = small.grid_actions.show_shortcuts()  # type: ignore[attr-defined]
    qtbot.addWidget(dialog)
    rows = {(menu, action): keys for menu, action, keys in dialog.rows}
    assert rows[("Declarations", "Check declarations")] == "F7"
    assert rows[("Declarations", "Copy rows")] == "Ctrl+C"
    assert rows[("Declarations", "Refresh")] == "F5"
    assert rows[("Help", "Keyboard shortcuts")] == "F1"
    small.workspace.action_edit.setShortcut("Ctrl+Shift+O")  # type: ignore[attr-defined]
    fresh = small.grid_actions.show_shortcuts()  # type: ignore[attr-defined]
    qtbot.addWidget(fresh)
    assert ("Declarations", "Open declaration", "Ctrl+Shift+O") in fresh.rows
    assert dialog.table.rowCount() == len(dialog.rows)


def test_copy_of_all_rows_includes_pages_never_shown(window: MainWindow, qtbot: QtBot) -> None:
    """The text comes from SQL, not from the cells on screen: rows whose page was never
    loaded are copied in full, in grid order."""
    window.columns.show_only(["id", "status"])
    window.table.selectAll()
    lines = _copy(window, qtbot)
    assert lines[0] == "ID\tStatus"
    assert [int(line.split("\t")[0]) for line in lines[1:-1]] == [
        window.model.declaration_id(r) for r in range(600)]
    assert "Check failed" in "\n".join(lines)  # statuses as the grid names them
