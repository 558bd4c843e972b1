"""Help → Keyboard shortcuts: every shortcut of the window, read from its actions.

The list is built from the QActions themselves (their menu, text and shortcuts), so it shows
exactly the keys that work now, in the user's language, and cannot go stale when an area adds
or changes an action. Actions the role may not use are hidden and not listed.
"""

from __future__ import annotations

from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QMainWindow,
    QMenu,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)


def plain_text(action: QAction) -> str:
    """The action's text without its mnemonic marks and ellipsis (`&Find…` → `Find`)."""
    text = action.text().replace("&&", "\0").replace("&", "").replace("\0", "&")
    return text.removesuffix("…").removesuffix("...").strip()


def shortcut_rows(window: QMainWindow) -> list[tuple[str, str, str]]:
    """(menu, action, keys) for every visible action of `window` that has a shortcut: the
    menu bar's actions first, in menu order, then those that live only on widgets."""
    rows: list[tuple[str, str, str]] = []
    seen: set[int] = set()

    def walk(menu: QMenu, title: str) -> None:
        for action in menu.actions():
            sub = action.menu()
            if isinstance(sub, QMenu):
                walk(sub, f"{title} › {plain_text(action)}")
            else:
                add(action, title)

    def add(action: QAction, title: str) -> None:
        if id(action) in seen or action.isSeparator() or not action.isVisible():
            return
        seen.add(id(action))
        keys = [k.toString(QKeySequence.SequenceFormat.NativeText) for k in action.shortcuts()]
        keys = [k for k in keys if k]
        if keys:
            rows.append((title, plain_text(action), ", ".join(keys)))

    for top in window.menuBar().actions():
        menu = top.menu()
        if isinstance(menu, QMenu) and top.isVisible():
            walk(menu, plain_text(top))
    for action in window.findChildren(QAction):
        if id(action) not in seen and not isinstance(action.parent(), QMenu):
            add(action, "")
    return rows


class KeyboardShortcutsDialog(QDialog):
    def __init__(self, window: QMainWindow, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.rows = shortcut_rows(window)
        self._build_ui()

    def _build_ui(self) -> None:
        self.setObjectName("shortcuts_dialog")
        self.setWindowTitle(self.tr("Keyboard shortcuts"))
        self.resize(560, 520)
        layout = QVBoxLayout(self)
        self.table = QTableWidget(len(self.rows), 3, self)
        self.table.setObjectName("shortcuts_table")
        self.table.setHorizontalHeaderLabels([self.tr("Menu"), self.tr("Action"),
                                              self.tr("Keys")])
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setStretchLastSection(True)
        for r, row in enumerate(self.rows):
            for c, text in enumerate(row):
                self.table.setItem(r, c, QTableWidgetItem(text or self.tr("Grid")))
        self.table.resizeColumnsToContents()
        layout.addWidget(self.table, 1)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
