"""The editor's HS code field searches the full tariff through its index: type 面霜, pick a
code, and the line gets the code and its legal unit."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtGui import QInputMethodEvent
from PySide6.QtWidgets import QLineEdit
from pytestqt.qtbot import QtBot
from sqlalchemy.orm import Session, sessionmaker

from tests.factories import make_declaration
from tests.ui.conftest import main_window
from ui.declarations.completers import HsSearchCompleter
from ui.declarations.editor import DeclarationEditor
from ui.declarations.items_model import ITEM_COLUMNS
from ui.main_window import MainWindow


@pytest.fixture
def window(db_url: str, sessions: sessionmaker[Session], qtbot: QtBot) -> Iterator[MainWindow]:
    with sessions() as s, s.begin():
        make_declaration(s)
    with main_window(db_url, qtbot) as w:
        qtbot.waitUntil(lambda: w.model.ready)
        yield w


def _type(widget: QLineEdit, text: str) -> None:
    """Chinese text as an input method commits it."""
    event = QInputMethodEvent("", [])
    event.setCommitString(text)
    QCoreApplication.sendEvent(widget, event)


def _open_hs_field(window: MainWindow, qtbot: QtBot) -> tuple[DeclarationEditor, QLineEdit]:
    editor = window.workspace.open_editor(1)  # type: ignore[attr-defined]
    assert editor is not None
    qtbot.addWidget(editor)
    view = editor.items_view
    index = editor.items_model.index(0, ITEM_COLUMNS.index("gcode"))
    view.setFocus()
    view.setCurrentIndex(index)
    view.edit(index)
    qtbot.waitUntil(lambda: isinstance(view.indexWidget(index), QLineEdit))
    edit = view.indexWidget(index)
    assert isinstance(edit, QLineEdit)
    edit.setFocus()
    qtbot.waitUntil(edit.hasFocus)
    return editor, edit


def test_typing_a_word_lists_tariff_codes_and_picking_one_fills_code_and_legal_unit(
        window: MainWindow, qtbot: QtBot) -> None:
    editor, edit = _open_hs_field(window, qtbot)
    searched: list[str] = []
    lookup = edit.findChild(HsSearchCompleter)
    assert lookup is not None
    search = lookup._search
    lookup._search = lambda text: searched.append(text) or search(text)  # type: ignore[func-returns-value]
    edit.selectAll()
    qtbot.keyClick(edit, Qt.Key.Key_Delete)
    _type(edit, "面")
    _type(edit, "霜")
    popup = lookup.popup()
    qtbot.waitUntil(popup.isVisible)
    assert searched == ["面霜"]  # one search after the pause, not one per character
    rows = lookup.row_texts()
    codes = [r.split()[0] for r in rows]
    # from the full tariff (the 2019 lines under 3304.99 too), with their legal units
    assert "3304990099" in codes and "3304990049" in codes
    assert all(c.startswith("330499") for c in codes)
    assert any(r.startswith("3304990049") and "[千克/件]" in r for r in rows)
    picked = codes.index("3304990049")
    popup.setCurrentIndex(popup.model().index(picked, 0))
    qtbot.keyClick(popup, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: editor.items_model.rows[0]["gcode"] == "3304990049")
    assert editor.items_model.rows[0]["unit1"] == "035"  # was 035 for milk: set, still 035
    assert edit.text() == "3304990049"


def test_picking_a_code_sets_its_first_legal_unit(window: MainWindow, qtbot: QtBot) -> None:
    editor, edit = _open_hs_field(window, qtbot)
    editor.items_model.setData(editor.items_model.index(0, ITEM_COLUMNS.index("unit1")), "007")
    lookup = edit.findChild(HsSearchCompleter)
    assert lookup is not None
    edit.selectAll()
    qtbot.keyClick(edit, Qt.Key.Key_Delete)
    qtbot.keyClicks(edit, "851713")  # digits: the codes they begin
    popup = lookup.popup()
    qtbot.waitUntil(popup.isVisible)
    assert all(r.startswith("851713") for r in lookup.row_texts())
    qtbot.keyClick(popup, Qt.Key.Key_Down)
    qtbot.keyClick(popup, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: editor.items_model.rows[0]["gcode"].startswith("851713"))
    assert editor.items_model.rows[0]["unit1"] == "001"  # 台, the phone's legal unit
