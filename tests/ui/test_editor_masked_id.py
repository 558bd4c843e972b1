"""An invalid buyer ID is no dead end: a clerk types a new one into the masked (write-only)
field, the ID rule checks it live, it is saved through the edit service and audited masked —
and the editor never shows the full old or new number anywhere."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QLineEdit, QWidget
from pytestqt.qtbot import QtBot
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from app.db.models import AuditEvent, Declaration
from app.security.context import Actor, Role
from tests.factories import make_declaration, valid_id_number
from tests.ui.conftest import main_window
from ui.declarations.editor import DeclarationEditor
from ui.main_window import MainWindow

GOOD = valid_id_number()  # 11010519491231002X
BAD = GOOD[:-1] + ("0" if GOOD[-1] != "0" else "1")  # wrong check character
NEW = valid_id_number("32010219800101123")
OLD_PHONE, NEW_PHONE = "13812345678", "13998765432"


@pytest.fixture
def window(db_url: str, sessions: sessionmaker[Session], qtbot: QtBot) -> Iterator[MainWindow]:
    with sessions() as s, s.begin():
        make_declaration(s, buyerIdNumber=BAD, payerIdNumber=BAD, buyerTelephone=OLD_PHONE)
    with main_window(db_url, qtbot) as w:
        w.ctx.actor = Actor("li", Role.CLERK, None, "desk-1")
        qtbot.waitUntil(lambda: w.model.ready)
        yield w


def open_editor(window: MainWindow, qtbot: QtBot) -> DeclarationEditor:
    editor = window.workspace.open_editor(1)  # type: ignore[attr-defined]
    assert editor is not None
    qtbot.addWidget(editor)
    editor.activateWindow()
    qtbot.waitUntil(editor.isActiveWindow)
    return editor


def everything_shown(editor: DeclarationEditor) -> str:
    """Every text the editor shows: fields, placeholders, tooltips, labels, lists, cells."""
    texts = [editor.windowTitle(), editor.toolTip()]
    for edit in editor.findChildren(QLineEdit):
        texts += [edit.text(), edit.placeholderText(), edit.toolTip()]
    for label in editor.findChildren(QLabel):
        texts += [label.text(), label.toolTip()]
    for widget in editor.findChildren(QWidget):
        texts.append(widget.toolTip())
    for lst in (editor.info.problems, editor.info.history):
        texts += [lst.item(i).text() for i in range(lst.count())]
    model = editor.items_model
    for r in range(model.rowCount()):
        for c in range(model.columnCount()):
            for role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
                texts.append(str(model.data(model.index(r, c), role)))
    return "\n".join(texts)


def no_full_numbers(text: str) -> None:
    for full in (BAD, GOOD, NEW, OLD_PHONE, NEW_PHONE):
        assert full not in text


def test_a_clerk_replaces_an_invalid_buyer_id(window: MainWindow, qtbot: QtBot) -> None:
    editor = open_editor(window, qtbot)
    field = editor.edits["buyerIdNumber"]
    assert not field.isReadOnly()
    assert field.text() == "" and field.placeholderText() == BAD[:4] + "*" * 10 + BAD[-4:]
    qtbot.waitUntil(lambda: "#c62828" in field.styleSheet())  # the stored ID fails the check
    assert "fails the check character" in field.toolTip()
    no_full_numbers(everything_shown(editor))

    field.setFocus()
    qtbot.keyClicks(field, NEW[:10])  # half typed: the live check says what is wrong
    qtbot.waitUntil(lambda: "must have 18 characters" in field.toolTip())
    assert "#c62828" in field.styleSheet()
    no_full_numbers(everything_shown(editor))
    assert not editor.save()  # a write-only value must be a whole valid number
    assert "must have 18 characters" in editor.message.text()
    with window.ctx.transaction() as s:
        assert s.get(Declaration, 1).buyerIdNumber == BAD  # type: ignore[union-attr]

    assert field.hasFocus() and field.selectedText() == NEW[:10]  # ready to be typed over
    qtbot.keyClicks(field, NEW)
    qtbot.waitUntil(lambda: "Buyer ID" not in field.toolTip())
    assert "#c62828" not in field.styleSheet()
    assert editor.save()
    with window.ctx.transaction() as s:
        decl = s.get(Declaration, 1)
        assert decl is not None and decl.buyerIdNumber == NEW
        event = s.execute(select(AuditEvent).where(AuditEvent.action == "declaration.update")
                          ).scalar_one()
        stored = json.dumps(event.details, ensure_ascii=False)
    assert {"field": "buyerIdNumber", "gnum": None, "before": BAD[:4] + "*" * 10 + BAD[-4:],
            "after": NEW[:4] + "*" * 10 + NEW[-4:]} in event.details["changes"]
    assert BAD not in stored and NEW not in stored
    assert field.text() == "" and field.placeholderText() == NEW[:4] + "*" * 10 + NEW[-4:]
    assert not editor.is_dirty()
    no_full_numbers(everything_shown(editor))


def test_a_clerk_replaces_the_buyer_phone(window: MainWindow, qtbot: QtBot) -> None:
    editor = open_editor(window, qtbot)
    field = editor.edits["buyerTelephone"]
    assert field.text() == "" and field.placeholderText() == "138****5678"
    field.setFocus()
    qtbot.keyClicks(field, NEW_PHONE)
    assert editor.is_dirty()
    assert editor.head_changes() == {"buyerTelephone": NEW_PHONE}
    assert editor.save()
    with window.ctx.transaction() as s:
        assert s.get(Declaration, 1).buyerTelephone == NEW_PHONE  # type: ignore[union-attr]
    assert field.placeholderText() == "139****5432"
    no_full_numbers(everything_shown(editor))


def test_leaving_a_masked_field_empty_keeps_the_stored_value(window: MainWindow,
                                                             qtbot: QtBot) -> None:
    editor = open_editor(window, qtbot)
    editor.edits["voyageNo"].setText("CA1234")
    assert editor.head_changes() == {"voyageNo": "CA1234"}
    assert editor.save()
    with window.ctx.transaction() as s:
        decl = s.get(Declaration, 1)
        assert decl is not None
        assert (decl.buyerIdNumber, decl.buyerTelephone) == (BAD, OLD_PHONE)


def test_a_role_that_cannot_edit_gets_a_read_only_editor(window: MainWindow,
                                                         qtbot: QtBot) -> None:
    window.ctx.actor = Actor("root", Role.ADMIN, None, "desk-1")  # users and backups only
    editor = open_editor(window, qtbot)
    assert editor.banner.isVisible()
    assert editor.banner.text() \
        == "Your role (Administrator) may view declarations but not edit them."
    assert editor.edits["buyerIdNumber"].isReadOnly() and editor.edits["note"].isReadOnly()
    assert not editor.save_button.isEnabled()
    no_full_numbers(everything_shown(editor))


def test_a_conflict_shows_the_colleagues_id_masked(window: MainWindow, qtbot: QtBot) -> None:
    from app.services.editing import load_snapshot, save_declaration
    from ui.declarations.conflict_dialog import ConflictDialog

    editor = open_editor(window, qtbot)
    editor.edits["buyerIdNumber"].setText(NEW)
    with window.ctx.transaction() as s:  # a colleague fixes the same ID meanwhile
        snap = load_snapshot(s, window.ctx.actor, 1)
        save_declaration(s, window.ctx.actor, 1, snap.version, {"buyerIdNumber": GOOD})
    rows: list[tuple[str, ...]] = []

    def resolve(parent: object, head: dict[str, str], items: object, theirs: object,
                lang: str) -> None:
        dialog = ConflictDialog(head, items, theirs, lang, editor)  # type: ignore[arg-type]
        qtbot.addWidget(dialog)
        rows.extend(tuple(dialog.table.item(r, c).text() for c in range(3))
                    for r in range(dialog.table.rowCount()))

    editor.resolve_conflict = resolve  # type: ignore[assignment]
    assert not editor.save()
    assert rows and rows[0][2] == GOOD[:4] + "*" * 10 + GOOD[-4:]
    assert GOOD not in repr(rows)
