"""Unsaved edits are never lost silently: opening another row, closing the editor and closing
the main window (Ctrl+Q) ask Save / Discard / Cancel through the `ask_unsaved` seam."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot
from sqlalchemy.orm import Session, sessionmaker

from app.db.models import Declaration
from tests.factories import make_declaration
from tests.ui.conftest import main_window
from ui.declarations.editor import DeclarationEditor
from ui.declarations.unsaved import CANCEL, DISCARD, SAVE
from ui.main_window import MainWindow


@pytest.fixture
def window(db_url: str, sessions: sessionmaker[Session], qtbot: QtBot) -> Iterator[MainWindow]:
    with sessions() as s, s.begin():
        for _ in range(3):
            make_declaration(s)
    with main_window(db_url, qtbot) as w:
        qtbot.waitUntil(lambda: w.model.ready)
        yield w


class Answer:
    """The seam: answers `choice` and counts the questions."""

    def __init__(self, choice: str) -> None:
        self.choice, self.asked = choice, 0

    def __call__(self, parent: object) -> str:
        self.asked += 1
        return self.choice


def edited_editor(window: MainWindow, qtbot: QtBot, choice: str, decl_id: int = 1,
                  voyage: str = "CA1234") -> tuple[DeclarationEditor, Answer]:
    window.select_declaration(decl_id)
    editor = window.workspace.open_editor(decl_id)  # type: ignore[attr-defined]
    assert editor is not None
    qtbot.addWidget(editor)
    editor.activateWindow()
    qtbot.waitUntil(editor.isActiveWindow)
    editor.edits["voyageNo"].setFocus()
    qtbot.keyClicks(editor.edits["voyageNo"], voyage)
    assert editor.is_dirty()
    answer = Answer(choice)
    editor.ask_unsaved = answer
    return editor, answer


def double_click_row_of(window: MainWindow, qtbot: QtBot, decl_id: int) -> None:
    row = window.model.row_of(decl_id)
    assert row is not None
    rect = window.table.visualRect(window.model.index(row, 1))
    # A real double-click: press, release, then the double-click event on the same cell.
    qtbot.mouseClick(window.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.mouseDClick(window.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())


def voyage_in_db(window: MainWindow, decl_id: int) -> str | None:
    with window.ctx.transaction() as s:
        decl = s.get(Declaration, decl_id)
        assert decl is not None
        return decl.voyageNo


@pytest.mark.parametrize("choice", [CANCEL, SAVE, DISCARD])
def test_opening_another_row_asks_first(window: MainWindow, qtbot: QtBot, choice: str) -> None:
    editor, answer = edited_editor(window, qtbot, choice)
    double_click_row_of(window, qtbot, 2)
    assert answer.asked == 1
    assert editor.isVisible()
    assert editor.snapshot is not None
    if choice == CANCEL:  # the editor, its edits and its row stay
        assert editor.snapshot.id == 1
        assert editor.edits["voyageNo"].text() == "CA1234"
        assert window.selected_ids() == [1]
        assert voyage_in_db(window, 1) is None
    else:
        assert editor.snapshot.id == 2
        assert voyage_in_db(window, 1) == ("CA1234" if choice == SAVE else None)
        assert not editor.is_dirty()


def test_opening_another_row_stays_when_the_save_fails(window: MainWindow,
                                                       qtbot: QtBot) -> None:
    editor, answer = edited_editor(window, qtbot, SAVE)
    editor.edits["freight"].setText("ten")
    double_click_row_of(window, qtbot, 2)
    assert answer.asked == 1
    assert editor.snapshot is not None and editor.snapshot.id == 1
    assert "is not a number" in editor.message.text()
    assert editor.edits["voyageNo"].text() == "CA1234"


def test_a_clean_editor_moves_on_without_a_question(window: MainWindow, qtbot: QtBot) -> None:
    editor, answer = edited_editor(window, qtbot, CANCEL)
    editor.revert()
    double_click_row_of(window, qtbot, 3)
    assert answer.asked == 0
    assert editor.snapshot is not None and editor.snapshot.id == 3


@pytest.mark.parametrize("choice", [CANCEL, SAVE, DISCARD])
def test_closing_the_editor_asks_first(window: MainWindow, qtbot: QtBot, choice: str) -> None:
    editor, answer = edited_editor(window, qtbot, choice)
    editor.close()
    assert answer.asked == 1
    assert editor.isVisible() == (choice == CANCEL)
    assert voyage_in_db(window, 1) == ("CA1234" if choice == SAVE else None)
    if choice == CANCEL:
        assert editor.edits["voyageNo"].text() == "CA1234"


@pytest.mark.parametrize("choice", [CANCEL, SAVE, DISCARD])
def test_ctrl_q_asks_about_the_editor_first(window: MainWindow, qtbot: QtBot,
                                            choice: str) -> None:
    editor, answer = edited_editor(window, qtbot, choice)
    qtbot.keyClick(editor.edits["voyageNo"], Qt.Key.Key_Q, Qt.KeyboardModifier.ControlModifier)
    assert answer.asked == 1
    assert window.isVisible() == (choice == CANCEL)
    assert editor.isVisible() == (choice == CANCEL)
    assert voyage_in_db(window, 1) == ("CA1234" if choice == SAVE else None)


def test_closing_the_main_window_stays_when_the_save_fails(window: MainWindow,
                                                           qtbot: QtBot) -> None:
    editor, answer = edited_editor(window, qtbot, SAVE)
    editor.edits["freight"].setText("ten")
    assert not window.close()
    assert answer.asked == 1
    assert window.isVisible() and editor.isVisible()
    assert "is not a number" in editor.message.text()


def test_the_question_offers_save_discard_and_cancel(window: MainWindow, qtbot: QtBot) -> None:
    from PySide6.QtWidgets import QMessageBox

    from ui.declarations.unsaved import unsaved_changes_box

    box = unsaved_changes_box(window)
    qtbot.addWidget(box)
    buttons = {box.standardButton(b) for b in box.buttons()}
    assert buttons == {QMessageBox.StandardButton.Save, QMessageBox.StandardButton.Discard,
                       QMessageBox.StandardButton.Cancel}
    assert box.text() == "This declaration has changes that are not saved."


def test_ctrl_w_and_the_close_button_close_the_editor_asking_first(window: MainWindow,
                                                                   qtbot: QtBot) -> None:
    """Found walking the clerk's day: with only a keyboard (or no window decorations) the
    editor could not be closed — Esc reverts, and there was no close key or button."""
    editor, answer = edited_editor(window, qtbot, CANCEL)
    qtbot.keyClick(editor.edits["voyageNo"], Qt.Key.Key_W, Qt.KeyboardModifier.ControlModifier)
    assert answer.asked == 1 and editor.isVisible()  # unsaved: asked, and the clerk stayed
    answer.choice = DISCARD
    editor.close_button.click()
    assert answer.asked == 2 and not editor.isVisible()
    assert voyage_in_db(window, 1) is None
