"""Column chooser (header context menu) and remembered header state for the grid."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QByteArray, QCoreApplication, QPoint, QSettings, Qt
from PySide6.QtWidgets import QHeaderView, QMenu, QTableView

from app.services.queries import GridColumn

HEADER_KEY = "grid/header_state"


class ColumnChooser:
    """Right-click on the header: tick the columns to show. Also saves/restores the header
    (order, widths, hidden sections, sort indicator) in QSettings."""

    def __init__(self, table: QTableView, columns: Sequence[GridColumn],
                 settings: QSettings) -> None:
        self.table = table
        self.columns = tuple(columns)
        self.settings = settings
        header = table.horizontalHeader()
        header.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        header.customContextMenuRequested.connect(self._on_header_context_menu_requested)
        header.setSectionsMovable(True)

    def menu(self) -> QMenu:
        header = self.table.horizontalHeader()
        menu = QMenu(self.table)
        menu.setObjectName("column_menu")
        for i, col in enumerate(self.columns):
            action = menu.addAction(QCoreApplication.translate("grid", col.header))
            action.setCheckable(True)
            action.setChecked(not header.isSectionHidden(i))
            action.setData(i)
            action.toggled.connect(lambda on, i=i: self.set_visible(i, on))
        return menu

    def set_visible(self, section: int, visible: bool) -> None:
        header = self.table.horizontalHeader()
        shown = [i for i in range(header.count()) if not header.isSectionHidden(i)]
        if not visible and shown == [section]:
            return  # never hide the last column
        header.setSectionHidden(section, not visible)

    def visible_keys(self) -> tuple[str, ...]:
        header = self.table.horizontalHeader()
        order = sorted(range(header.count()), key=header.visualIndex)
        return tuple(self.columns[i].key for i in order if not header.isSectionHidden(i))

    def show_only(self, keys: Sequence[str]) -> None:
        """Show `keys` in that order (all columns when empty)."""
        header = self.table.horizontalHeader()
        index = {c.key: i for i, c in enumerate(self.columns)}
        wanted = [index[k] for k in keys if k in index] or list(range(len(self.columns)))
        for i in range(len(self.columns)):
            header.setSectionHidden(i, i not in wanted)
        for visual, logical in enumerate(wanted):
            header.moveSection(header.visualIndex(logical), visual)

    def save(self) -> None:
        self.settings.setValue(HEADER_KEY, self.table.horizontalHeader().saveState())

    def restore(self) -> bool:
        state = self.settings.value(HEADER_KEY)
        if isinstance(state, QByteArray) and not state.isEmpty():
            header: QHeaderView = self.table.horizontalHeader()
            return bool(header.restoreState(state))
        return False

    def _on_header_context_menu_requested(self, pos: QPoint) -> None:
        header = self.table.horizontalHeader()
        self.menu().exec(header.mapToGlobal(pos))
