"""Right-click menus in the editor: goods lines (add, duplicate, remove, copy, paste) and the
head fields' usual menu with "Revert field"."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import QItemSelectionModel, Qt
from PySide6.QtGui import QAction, QGuiApplication
from PySide6.QtWidgets import QMenu
from pytestqt.qtbot import QtBot
from sqlalchemy.orm import Session, sessionmaker

from app.db.models import Declaration
from tests.factories import item_values, make_declaration
from tests.ui.conftest import main_window
from ui.declarations.editor import DeclarationEditor
from ui.declarations.items_model import ITEM_COLUMNS
from ui.main_window import MainWindow


@pytest.fixture
def window(db_url: str, sessions: sessionmaker[Session], qtbot: QtBot) -> Iterator[MainWindow]:
    with sessions() as s, s.begin():
        make_declaration(s, items=[item_values(), item_values(gname="保健品", itemNo="SKU002")])
        make_declaration(s, status="sent")
    with main_window(db_url, qtbot) as w:
        qtbot.waitUntil(lambda: w.model.ready)
        yield w


def open_editor(window: MainWindow, qtbot: QtBot, decl_id: int = 1) -> DeclarationEditor:
    editor = window.workspace.open_editor(decl_id)  # type: ignore[attr-defined]
    assert editor is not None
    qtbot.addWidget(editor)
    return editor


def action(menu: QMenu, name: str) -> QAction:
    found = menu.findChild(QAction, name)
    assert found is not None, name
    return found


def col(key: str) -> int:
    return ITEM_COLUMNS.index(key)


def test_duplicate_and_remove_lines_from_the_menu_then_save(window: MainWindow,
                                                            qtbot: QtBot) -> None:
    editor = open_editor(window, qtbot)
    model, view = editor.items_model, editor.items_view
    view.setCurrentIndex(model.index(0, col("gname")))
    menu = editor.items_menu()
    qtbot.addWidget(menu)
    assert [a.text() for a in menu.actions() if not a.isSeparator()] == [
        "Add line", "Duplicate line", "Remove line", "Copy", "Paste"]
    action(menu, "duplicate_line").trigger()
    assert model.rowCount() == 3
    assert model.data(model.index(1, col("gname"))) == model.data(model.index(0, col("gname")))
    assert model.data(model.index(1, col("gnum"))) == "2"
    view.setCurrentIndex(model.index(2, col("gname")))  # the old second line (保健品)
    action(editor.items_menu(), "remove_line").trigger()
    assert [model.data(model.index(r, col("gname"))) for r in range(2)] == ["婴幼儿配方奶粉"] * 2
    action(editor.items_menu(), "add_line").trigger()
    assert model.rowCount() == 3
    model.remove_row(2)
    assert editor.save()
    with window.ctx.transaction() as s:
        decl = s.get(Declaration, 1)
        assert decl is not None
        assert [i.gname for i in sorted(decl.items, key=lambda i: i.gnum)] == \
            ["婴幼儿配方奶粉", "婴幼儿配方奶粉"]


def test_copy_and_paste_cells_as_tab_separated_text(window: MainWindow, qtbot: QtBot) -> None:
    editor = open_editor(window, qtbot)
    model, view = editor.items_model, editor.items_view
    sel = view.selectionModel()
    flags = QItemSelectionModel.SelectionFlag.Select
    view.setCurrentIndex(model.index(0, col("gname")))
    sel.select(model.index(0, col("gname")), flags)
    sel.select(model.index(0, col("gcode")), flags)
    sel.select(model.index(1, col("gname")), flags)
    sel.select(model.index(1, col("gcode")), flags)
    action(editor.items_menu(), "copy_cells").trigger()
    assert QGuiApplication.clipboard().text() == "婴幼儿配方奶粉\t1901101000\n保健品\t1901101000"
    QGuiApplication.clipboard().setText("奶粉A\t1901101000\n奶粉B\t1901101000\n奶粉C\t")
    sel.clearSelection()
    view.setCurrentIndex(model.index(0, col("gname")))
    view.setFocus()
    action(editor.items_menu(), "paste_cells").trigger()
    assert model.rowCount() == 3  # a line added for the third pasted row
    assert [model.data(model.index(r, col("gname"))) for r in range(3)] == \
        ["奶粉A", "奶粉B", "奶粉C"]
    assert editor.is_dirty()


def test_read_only_declaration_menu_only_copies(window: MainWindow, qtbot: QtBot) -> None:
    editor = open_editor(window, qtbot, 2)
    editor.items_view.setCurrentIndex(editor.items_model.index(0, col("gname")))
    menu = editor.items_menu()
    qtbot.addWidget(menu)
    enabled = {a.objectName() for a in menu.actions() if a.isEnabled() and a.objectName()}
    assert enabled == {"copy_cells"}


def test_field_menu_has_the_usual_entries_and_reverts_the_field(window: MainWindow,
                                                                qtbot: QtBot) -> None:
    editor = open_editor(window, qtbot)
    edit = editor.edits["buyerName"]
    assert not action(editor.field_menu("buyerName"), "revert_field").isEnabled()
    edit.setText("李娜")
    menu = editor.field_menu("buyerName")
    qtbot.addWidget(menu)
    texts = [a.text() for a in menu.actions()]
    assert any("Copy" in t for t in texts) and any("Paste" in t for t in texts)
    action(menu, "revert_field").trigger()
    assert edit.text() == "张伟"
    assert not editor.is_dirty()


def test_right_click_opens_the_menus(window: MainWindow, qtbot: QtBot) -> None:
    editor = open_editor(window, qtbot)
    shown: list[str] = []

    def fake_exec(menu: QMenu, pos: object) -> None:
        shown.append(menu.objectName())

    editor.show_menu = fake_exec
    rect = editor.items_view.visualRect(editor.items_model.index(0, col("gname")))
    editor.items_view.customContextMenuRequested.emit(rect.center())
    editor.edits["note"].customContextMenuRequested.emit(editor.edits["note"].rect().center())
    assert shown == ["items_menu", "field_menu"]
    assert Qt.ContextMenuPolicy.CustomContextMenu == editor.items_view.contextMenuPolicy()


def test_right_click_shows_the_real_menu(window: MainWindow, qtbot: QtBot) -> None:
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    editor = open_editor(window, qtbot)
    seen: list[str] = []

    def close_popup() -> None:
        popup = QApplication.activePopupWidget()
        if popup is not None:
            seen.append(popup.objectName())
            popup.close()

    timer = QTimer()
    timer.timeout.connect(close_popup)
    timer.start(20)
    rect = editor.items_view.visualRect(editor.items_model.index(0, col("gname")))
    editor.items_view.customContextMenuRequested.emit(rect.center())
    editor.edits["note"].customContextMenuRequested.emit(editor.edits["note"].rect().center())
    timer.stop()
    assert seen == ["items_menu", "field_menu"]
