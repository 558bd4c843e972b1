"""The editor suggests HS codes under the goods lines for the current line's name; F8 takes
the first, a click takes any, and the live check follows."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot
from sqlalchemy.orm import Session, sessionmaker

from tests.factories import item_values, make_declaration
from tests.ui.conftest import main_window
from ui.declarations.editor import DeclarationEditor
from ui.declarations.items_model import ITEM_COLUMNS
from ui.main_window import MainWindow

GCODE = ITEM_COLUMNS.index("gcode")


@pytest.fixture
def window(db_url: str, sessions: sessionmaker[Session], qtbot: QtBot) -> Iterator[MainWindow]:
    with sessions() as s, s.begin():
        make_declaration(s, items=[item_values(gname="保湿面霜", gmodel="50ml", gcode="",
                                               unit1="", qty1=None),
                                   item_values(gname="纯棉T恤 男款", gmodel="XL", gcode="",
                                               itemNo="SKU002")])
    with main_window(db_url, qtbot) as w:
        qtbot.waitUntil(lambda: w.model.ready)
        yield w


def _open(window: MainWindow, qtbot: QtBot) -> DeclarationEditor:
    editor = window.workspace.open_editor(1)  # type: ignore[attr-defined]
    assert editor is not None
    qtbot.addWidget(editor)
    return editor


def _gcode_problems(editor: DeclarationEditor, gnum: int) -> list[str]:
    return [m for (n, f), m in editor.items_model.problem_cells.items()
            if n == gnum and f == "gcode"]


def test_f8_takes_the_first_suggestion_and_the_live_check_follows(window: MainWindow,
                                                                  qtbot: QtBot) -> None:
    editor = _open(window, qtbot)
    bar = editor.hs_suggestions
    qtbot.waitUntil(lambda: bar.isVisible() and bool(bar.buttons), timeout=15000)
    assert bar.candidates[0].gcode == "3304990099"
    assert bar.buttons[0].text().startswith("3304990099")
    assert _gcode_problems(editor, 1)  # no HS code yet: the live check says so
    qtbot.keyClick(editor, Qt.Key.Key_F8)
    assert editor.items_model.rows[0]["gcode"] == "3304990099"
    assert editor.items_model.rows[0]["unit1"] == "035"  # the legal unit it lacked
    qtbot.waitUntil(lambda: not _gcode_problems(editor, 1))
    assert editor.is_dirty()


def test_a_click_takes_any_for_the_current_line(window: MainWindow, qtbot: QtBot) -> None:
    editor = _open(window, qtbot)
    bar = editor.hs_suggestions
    qtbot.waitUntil(lambda: bool(bar.buttons), timeout=15000)
    editor.items_view.setCurrentIndex(editor.items_model.index(1, GCODE))
    qtbot.waitUntil(lambda: bool(bar.candidates) and bar.candidates[0].gcode == "6109100000",
                    timeout=15000)
    assert len(bar.buttons) >= 2
    second = bar.candidates[1].gcode
    qtbot.mouseClick(bar.buttons[1], Qt.MouseButton.LeftButton)
    assert editor.items_model.rows[1]["gcode"] == second
    assert editor.items_model.rows[0]["gcode"] == ""  # the other line is untouched
