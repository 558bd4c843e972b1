from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from PySide6.QtCore import QCoreApplication, QPoint, Qt
from PySide6.QtGui import QInputMethodEvent, QKeyEvent
from PySide6.QtWidgets import QLabel, QLineEdit, QScrollArea
from pytestqt.qtbot import QtBot
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from app.db.models import AuditEvent, Declaration, Problem
from app.services.editing import load_snapshot, save_declaration
from tests.factories import make_declaration
from tests.ui.conftest import main_window
from ui.declarations.conflict_dialog import ConflictDialog
from ui.declarations.editor import DeclarationEditor
from ui.elided_label import ElidedLabel
from ui.main_window import MainWindow


@pytest.fixture
def window(db_url: str, sessions: sessionmaker[Session], qtbot: QtBot) -> Iterator[MainWindow]:
    with sessions() as s, s.begin():
        for _ in range(3):
            make_declaration(s)
        make_declaration(s, status="sent")
    with main_window(db_url, qtbot) as w:
        qtbot.waitUntil(lambda: w.model.ready)
        yield w


def type_text(widget: QLineEdit, text: str) -> None:
    """Type any text (Chinese too) the way an input method commits it."""
    event = QInputMethodEvent("", [])
    event.setCommitString(text)
    QCoreApplication.sendEvent(widget, event)


def open_editor(window: MainWindow, qtbot: QtBot, decl_id: int) -> DeclarationEditor:
    editor = window.workspace.open_editor(decl_id)  # type: ignore[attr-defined]
    assert editor is not None
    qtbot.addWidget(editor)
    editor.activateWindow()
    qtbot.waitUntil(editor.isActiveWindow)
    return editor


def test_edit_head_and_item_then_save(window: MainWindow, qtbot: QtBot) -> None:
    editor = open_editor(window, qtbot, 1)
    buyer = editor.edits["buyerName"]
    buyer.setFocus()
    buyer.selectAll()
    qtbot.keyClick(buyer, Qt.Key.Key_Delete)
    type_text(buyer, "李娜")
    idx = editor.items_model.index(0, 2)  # gname
    assert editor.items_model.setData(idx, "奶粉 新包装")
    assert editor.is_dirty()
    with qtbot.waitSignal(window.model.refreshed):
        qtbot.keyClick(editor, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    assert "Saved (2 change(s))" in editor.message.text()
    with window.ctx.transaction() as s:
        decl = s.get(Declaration, 1)
        assert decl is not None and decl.buyerName == "李娜"
        assert decl.items[0].gname == "奶粉 新包装"
        ev = s.execute(select(AuditEvent).where(AuditEvent.action == "declaration.update")
                       ).scalar_one()
        assert len(ev.details["changes"]) == 2
    assert editor.snapshot is not None and editor.snapshot.version == 2
    history = [editor.info.history.item(i).text() for i in range(editor.info.history.count())]
    assert any("Buyer name: 张伟 → 李娜" in h for h in history)


def test_esc_reverts_then_closes(window: MainWindow, qtbot: QtBot) -> None:
    editor = open_editor(window, qtbot, 1)
    editor.edits["trafNo"].setText("B-2447")
    qtbot.keyClick(editor, Qt.Key.Key_Escape)
    assert editor.edits["trafNo"].text() == ""
    assert editor.isVisible()
    qtbot.keyClick(editor, Qt.Key.Key_Escape)
    assert not editor.isVisible()


def test_save_and_next_moves_to_the_next_row(window: MainWindow, qtbot: QtBot) -> None:
    window.model.fetch_now(0)
    first = window.model.declaration_id(0)
    assert first is not None
    editor = open_editor(window, qtbot, first)
    editor.edits["voyageNo"].setText("CA1234")
    editor.save_and_next()
    assert editor.snapshot is not None
    assert editor.snapshot.id == window.model.declaration_id(1)
    assert window.selected_ids() == [editor.snapshot.id]


def test_concurrent_edit_shows_both_versions(window: MainWindow, qtbot: QtBot) -> None:
    editor = open_editor(window, qtbot, 2)
    editor.edits["buyerName"].setText("李娜")
    editor.edits["billNo"].setText("MAWB-1")
    with window.ctx.transaction() as s:  # a colleague saves the same record meanwhile
        snap = load_snapshot(s, window.ctx.actor, 2)
        save_declaration(s, window.ctx.actor, 2, snap.version, {"buyerName": "王芳"})
    seen: dict[str, Any] = {}

    def resolve(parent: Any, head: dict[str, str], items: Any, theirs: Any, lang: str) -> Any:
        dialog = ConflictDialog(head, items, theirs, lang, parent)
        qtbot.addWidget(dialog)
        seen["rows"] = [(dialog.table.item(r, 0).text(), dialog.table.item(r, 1).text(),
                         dialog.table.item(r, 2).text())
                        for r in range(dialog.table.rowCount())]
        dialog.set_keep("buyerName", False)  # keep their buyer name, my bill number
        return dialog.resolution()

    editor.resolve_conflict = resolve
    assert editor.save()
    assert ("Buyer name", "李娜", "王芳") in seen["rows"]
    with window.ctx.transaction() as s:
        decl = s.get(Declaration, 2)
        assert decl is not None
        assert (decl.buyerName, decl.billNo, decl.version) == ("王芳", "MAWB-1", 3)


def test_sent_declaration_opens_read_only_with_reason(window: MainWindow, qtbot: QtBot) -> None:
    editor = open_editor(window, qtbot, 4)
    assert editor.banner.isVisible()
    assert "is Sent and can no longer be edited" in editor.banner.text()
    assert editor.edits["buyerName"].isReadOnly()
    assert not editor.save_button.isEnabled()
    assert not editor.items_model.flags(editor.items_model.index(0, 2)) & \
        Qt.ItemFlag.ItemIsEditable


def test_bad_number_is_shown_not_saved(window: MainWindow, qtbot: QtBot) -> None:
    editor = open_editor(window, qtbot, 1)
    editor.edits["freight"].setText("ten")
    assert not editor.save()
    assert "is not a number" in editor.message.text()


def test_problems_mark_fields_and_click_focuses(window: MainWindow, qtbot: QtBot) -> None:
    with window.ctx.transaction() as s:
        s.add(Problem(declaration_id=1, gnum=None, field="buyerIdNumber", code="id.checksum",
                      severity="error", msgid="The ID number's check digit is wrong.",
                      params={}))
        s.add(Problem(declaration_id=1, gnum=1, field="gcode", code="hs.unknown",
                      severity="warning", msgid="Unknown HS code {code}.",
                      params={"code": "1901101000"}))
    editor = open_editor(window, qtbot, 1)
    assert "#c62828" in editor.edits["buyerIdNumber"].styleSheet()
    assert editor.items_model.data(editor.items_model.index(0, 3),
                                   Qt.ItemDataRole.ToolTipRole) == "Unknown HS code 1901101000."
    texts = [editor.info.problems.item(i).text() for i in range(editor.info.problems.count())]
    assert "✖ Buyer ID number: The ID number's check digit is wrong." in texts
    assert "⚠ #1 HS code: Unknown HS code 1901101000." in texts
    with qtbot.waitSignal(editor.problem_activated) as sig:
        editor.info.problems.itemClicked.emit(editor.info.problems.item(0))
    assert sig.args == ["buyerIdNumber", None]
    # Found walking the clerk's day: the field is far down its tab; clicking its problem
    # focused it out of sight. Its tab comes forward and scrolls to it.
    edit = editor.edits["buyerIdNumber"]
    page = editor.head_tabs.currentWidget()
    assert isinstance(page, QScrollArea) and page.isAncestorOf(edit)
    qtbot.waitUntil(edit.hasFocus)
    top = edit.mapTo(page.viewport(), QPoint(0, 0)).y()
    assert top >= 0 and top + edit.height() <= page.viewport().height()


def test_problem_list_shows_field_labels_not_ceb_keys(window: MainWindow, qtbot: QtBot) -> None:
    # The single-order limit reports the item field totalPrice for the whole declaration.
    with window.ctx.transaction() as s:
        s.add(Problem(declaration_id=1, gnum=None, field="totalPrice", code="LIMIT_SINGLE",
                      severity="error", msgid="Value too long", params={}))
    editor = open_editor(window, qtbot, 1)
    texts = [editor.info.problems.item(i).text() for i in range(editor.info.problems.count())]
    assert any(t.startswith("✖ Total price: ") for t in texts), texts
    assert not any("totalPrice" in t for t in texts)
    editor.info.lang = "zh_CN"
    editor.info.set_problems([("totalPrice", None, "error", "x"), ("gname", 2, "warning", "y")])
    assert [editor.info.problems.item(i).text() for i in range(2)] == [
        "✖ 总价: x", "⚠ #2 商品名称: y"]


def test_completer_shows_chinese_names_and_inserts_the_code(
    window: MainWindow, qtbot: QtBot
) -> None:
    editor = open_editor(window, qtbot, 1)
    edit = editor.edits["country"]
    completer = edit.completer()
    completer.setCompletionPrefix("日本")
    assert completer.completionCount() >= 1
    assert completer.currentCompletion().startswith("116")
    assert "日本" in completer.currentCompletion()
    completer.activated[str].emit(completer.currentCompletion())
    completer.activated.emit(completer.currentIndex())  # type: ignore[attr-defined]
    qtbot.waitUntil(lambda: edit.text() == "116")


def test_items_model_passes_qtmodeltester(window: MainWindow, qtbot: QtBot,
                                          qtmodeltester: Any) -> None:
    editor = open_editor(window, qtbot, 1)
    editor.items_model.add_row()
    qtmodeltester.check(editor.items_model)


def test_chinese_typing_with_key_events(window: MainWindow, qtbot: QtBot) -> None:
    editor = open_editor(window, qtbot, 1)
    edit = editor.edits["note"]
    edit.setFocus()
    for ch in "易碎品":
        for etype in (QKeyEvent.Type.KeyPress, QKeyEvent.Type.KeyRelease):
            QCoreApplication.sendEvent(edit, QKeyEvent(etype, 0, Qt.KeyboardModifier.NoModifier,
                                                       ch))
    assert edit.text() == "易碎品"


def test_live_check_marks_a_bad_code_while_typing(window: MainWindow, qtbot: QtBot) -> None:
    editor = open_editor(window, qtbot, 1)
    edit = editor.edits["country"]
    edit.setFocus()
    edit.selectAll()
    qtbot.keyClicks(edit, "998")  # no such country (999 is 中性包装原产国别)
    assert editor.findChild(QLabel, "name_country").text() == "?"
    qtbot.waitUntil(lambda: "#c62828" in edit.styleSheet() or "#ef6c00" in edit.styleSheet())
    assert edit.toolTip()
    assert "Estimated from the values as typed" in editor.info.tax_label.text()


def test_a_long_code_name_ends_in_an_ellipsis_with_the_whole_name_as_tooltip(
        window: MainWindow, qtbot: QtBot) -> None:
    editor = open_editor(window, qtbot, 1)
    edit = editor.edits["customsCode"]
    edit.setText("5141")
    label = editor.findChild(ElidedLabel, "name_customsCode")
    assert label.full_text() == editor.refs.table("customsCode").get("5141").name("en")
    editor.resize(900, editor.height())  # a narrow editor: the name cannot fit
    qtbot.waitUntil(lambda: label.text() != label.full_text())
    assert label.text().endswith("…")
    assert label.fontMetrics().horizontalAdvance(label.text()) <= label.contentsRect().width()
    assert label.toolTip() == label.full_text()
    editor.resize(2400, editor.height())  # room enough: the whole name, no tooltip needed
    qtbot.waitUntil(lambda: label.text() == label.full_text())
    assert label.toolTip() == ""


def test_goods_line_codes_show_their_names(window: MainWindow, qtbot: QtBot) -> None:
    """Found walking the clerk's day: the goods lines showed 原产国 "502" and 计量单位 "142"
    — codes most clerks cannot read. The names are shown beside them; the value stays a code."""
    from PySide6.QtWidgets import QStyleOptionViewItem

    from ui.declarations.items_model import ITEM_COLUMNS
    editor = open_editor(window, qtbot, 1)
    model, view = editor.items_model, editor.items_view
    col = ITEM_COLUMNS.index("unit")
    assert model.setData(model.index(0, col), "142")
    option = QStyleOptionViewItem()
    view.itemDelegate().initStyleOption(option, model.index(0, col))
    assert option.text == "142 bottle"  # 142 瓶 in the Chinese interface
    assert model.values()[0]["unit"] == "142"


def test_ctrl_enter_moves_the_grid_selection_instead_of_adding_to_it(
        window: MainWindow, qtbot: QtBot) -> None:
    """Found walking the clerk's day: Save and next with Ctrl+Enter selected the next row in
    the grid *as well as* the saved one (Qt read the held Ctrl as "add to the selection"), so
    after a few parcels "Print selection" would print all of them."""
    window.model.fetch_now(0)
    window.table.selectRow(0)
    first = window.model.declaration_id(0)
    assert first is not None and window.selected_ids() == [first]
    editor = open_editor(window, qtbot, first)
    editor.edits["voyageNo"].setText("CA1234")
    qtbot.keyClick(editor.edits["voyageNo"], Qt.Key.Key_Return,
                   Qt.KeyboardModifier.ControlModifier)
    assert editor.snapshot is not None and editor.snapshot.id == window.model.declaration_id(1)
    assert window.selected_ids() == [editor.snapshot.id]
