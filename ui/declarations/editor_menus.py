"""Right-click menus of the declaration editor.

Goods lines: add, duplicate and remove a line, copy the selected cells and paste cells (as
tab-separated text, so ranges go to and from Excel). Head fields: the line edit's own menu
(undo, cut, copy, paste, select all) plus "Revert field". The menus are built by functions the
tests call directly; the editor only shows them.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QCoreApplication
from PySide6.QtGui import QGuiApplication, QKeySequence
from PySide6.QtWidgets import QLineEdit, QMenu, QTableView, QWidget

from app.i18n import N_
from ui.declarations.items_model import ITEM_COLUMNS, ItemsTableModel


def _tr(text: str) -> str:
    return QCoreApplication.translate("DeclarationEditor", text)


def copy_cells(view: QTableView) -> str:
    """The selected cells (or the current one) as tab-separated rows; also to the clipboard."""
    model = view.model()
    indexes = view.selectionModel().selectedIndexes() or (
        [view.currentIndex()] if view.currentIndex().isValid() else [])
    if not indexes:
        return ""
    rows = sorted({i.row() for i in indexes})
    cols = sorted({i.column() for i in indexes})
    chosen = {(i.row(), i.column()) for i in indexes}
    text = "\n".join(
        "\t".join(str(model.data(model.index(r, c)) or "") if (r, c) in chosen else ""
                  for c in cols)
        for r in rows)
    QGuiApplication.clipboard().setText(text)
    return text


def paste_cells(view: QTableView, model: ItemsTableModel, text: str | None = None) -> int:
    """Paste tab-separated text from the current cell on, adding lines as needed; returns how
    many cells changed. Cells that cannot be edited (the line number) are skipped."""
    if model.read_only:
        return 0
    text = QGuiApplication.clipboard().text() if text is None else text
    current = view.currentIndex()
    top = current.row() if current.isValid() else model.rowCount()
    left = current.column() if current.isValid() else ITEM_COLUMNS.index("itemNo")
    lines = text.rstrip("\r\n").split("\n") if text.strip() else []
    changed = 0
    for r, line in enumerate(lines):
        while top + r >= model.rowCount():
            model.add_row()
        for c, value in enumerate(line.rstrip("\r").split("\t")):
            col = left + c
            if col >= len(ITEM_COLUMNS) or ITEM_COLUMNS[col] == "gnum":
                continue
            index = model.index(top + r, col)
            if model.data(index) != value and model.setData(index, value.strip()):
                changed += 1
    return changed


def items_menu(view: QTableView, model: ItemsTableModel, add_line: Callable[[], None],
               parent: QWidget) -> QMenu:
    menu = QMenu(parent)
    menu.setObjectName("items_menu")
    row = view.currentIndex().row() if view.currentIndex().isValid() else -1
    editable = not model.read_only
    entries: list[tuple[str, str, Callable[[], object], bool, QKeySequence | None]] = [
        ("add_line", _tr(N_("Add line")), add_line, editable, None),
        ("duplicate_line", _tr(N_("Duplicate line")), lambda: model.duplicate_row(row),
         editable and row >= 0, None),
        ("remove_line", _tr(N_("Remove line")), lambda: model.remove_row(row),
         editable and row >= 0, None),
        ("", "", lambda: None, False, None),
        ("copy_cells", _tr(N_("Copy")), lambda: copy_cells(view), row >= 0,
         QKeySequence(QKeySequence.StandardKey.Copy)),
        ("paste_cells", _tr(N_("Paste")), lambda: paste_cells(view, model), editable,
         QKeySequence(QKeySequence.StandardKey.Paste)),
    ]
    for name, text, slot, enabled, keys in entries:
        if not name:
            menu.addSeparator()
            continue
        action = menu.addAction(text)
        action.setObjectName(name)
        action.setEnabled(enabled)
        if keys is not None:
            action.setShortcut(keys)
        action.triggered.connect(slot)
    return menu


def field_menu(edit: QLineEdit, revert: Callable[[], None], changed: bool) -> QMenu:
    """The line edit's standard menu plus "Revert field" (enabled when it was changed)."""
    menu = edit.createStandardContextMenu()
    menu.setObjectName("field_menu")
    menu.addSeparator()
    action = menu.addAction(_tr(N_("Revert field")))
    action.setObjectName("revert_field")
    action.setEnabled(changed and not edit.isReadOnly())
    action.triggered.connect(revert)
    return menu
