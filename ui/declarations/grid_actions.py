"""Excel habits in the grid: Ctrl+C copies the selected rows (with headers, masked as shown),
a right-click menu with the common actions, and Help → Keyboard shortcuts."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QModelIndex, QObject, QPoint, Qt
from PySide6.QtGui import QAction, QGuiApplication, QKeySequence
from PySide6.QtWidgets import QMenu

from app.jobs.base import CancelToken, Progress
from app.security.context import Permission
from ui.workers import run_job

if TYPE_CHECKING:
    from ui.main_window import MainWindow
    from ui.shortcuts_dialog import KeyboardShortcutsDialog

# The other areas' actions the grid's right-click offers: (window attribute, action
# attribute, the permission its service requires). A role sees only those it may use.
AREA_ACTIONS: tuple[tuple[str, str, Permission], ...] = (
    ("workspace", "action_edit", Permission.VIEW),
    ("precheck", "action_check", Permission.CHECK),
    ("submission", "action_new_batch", Permission.BATCH),
    ("print_actions", "action_labels", Permission.PRINT),
    ("workspace_more", "action_bulk", Permission.EDIT),
    ("lifecycle", "action_cancel", Permission.REOPEN),
    ("lifecycle", "action_return", Permission.REOPEN),
)
# Grid columns a right-click can filter by, and how: the search box finds these as text.
SEARCHABLE = frozenset({"orderNo", "logisticsNo", "buyerName", "buyerTelephone"})


def _exec_menu(menu: QMenu, pos: QPoint) -> object:
    return menu.exec(pos)


class GridActions(QObject):
    """Owns the copy action, the grid's context menu and the shortcuts dialog of a window."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.exec_menu: Callable[[QMenu, QPoint], object] = _exec_menu  # seam for tests
        self.last_menu: QMenu | None = None
        self._apply_filter_value: Callable[[], None] | None = None  # of the clicked cell
        self._build_actions()
        self._connect_signals()

    def _build_actions(self) -> None:
        w = self.window
        self.action_copy = QAction(w.tr("Cop&y rows"), w)
        self.action_copy.setObjectName("action_copy_rows")
        self.action_copy.setShortcut(QKeySequence.StandardKey.Copy)
        # Only while the grid has the focus: Ctrl+C in the search box copies its text.
        self.action_copy.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.action_copy.setToolTip(w.tr("Copy the selected rows with their headers, for "
                                         "pasting into Excel"))
        w.table.addAction(self.action_copy)
        w.menus["declarations"].addAction(self.action_copy)
        self.action_shortcuts = QAction(w.tr("&Keyboard shortcuts"), w)
        self.action_shortcuts.setObjectName("action_keyboard_shortcuts")
        self.action_shortcuts.setShortcut(QKeySequence("F1"))
        help_menu = w.menus["help"]
        first = help_menu.actions()[0] if help_menu.actions() else None
        help_menu.insertAction(first, self.action_shortcuts)  # type: ignore[arg-type]
        self.action_show_problems = QAction(w.tr("Show &problems"), w)
        self.action_show_problems.setObjectName("action_show_problems")
        self.action_filter_value = QAction(w.tr("&Filter by this value"), w)
        self.action_filter_value.setObjectName("action_filter_by_value")
        w.table.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)

    def _connect_signals(self) -> None:
        w = self.window
        self.action_copy.triggered.connect(self.copy_selection)
        self.action_shortcuts.triggered.connect(self.show_shortcuts)
        self.action_show_problems.triggered.connect(self._on_action_show_problems_triggered)
        self.action_filter_value.triggered.connect(self._on_action_filter_value_triggered)
        w.table.customContextMenuRequested.connect(self._on_table_context_menu_requested)

    # --- copy ---------------------------------------------------------------------------
    def copy_selection(self) -> None:
        """Put the selected rows (visible columns, grid order) on the clipboard as TSV; the
        rows are read in SQL off the GUI thread, masked as the grid shows them."""
        w = self.window
        ids = w.selected_ids()
        if not ids:
            return
        ctx, keys = w.ctx, list(w.columns.visible_keys())
        unmasked = w.model.personal_data_unmasked

        def job(progress: Progress, cancel: CancelToken) -> str:
            from app.services.copy_rows import rows_as_tsv

            with ctx.transaction() as s:
                return rows_as_tsv(s, ctx.actor, ids, keys, ctx.lang, unmasked=unmasked)

        run_job(job, parent=self, on_finished=self._on_copy_finished)

    def _on_copy_finished(self, text: str) -> None:
        QGuiApplication.clipboard().setText(text)
        rows = max(text.count("\n") - 1, 0)  # a quoted cell may hold line breaks: good enough
        self.window.statusBar().showMessage(
            self.window.tr("Copied {n} row(s)").format(n=rows), 4000)

    # --- context menu -------------------------------------------------------------------
    def context_menu(self, index: QModelIndex) -> QMenu:
        """The right-click menu for the cell at `index`: the window's own actions (so a role
        sees, and may use, exactly what its menus offer) and a filter by the cell's value."""
        w = self.window
        menu = QMenu(w.table)
        menu.setObjectName("grid_context_menu")
        actor = w.ctx.actor
        for area, name, permission in AREA_ACTIONS:
            action = self._area_action(area, name)
            if action is not None and action.isVisible() and actor.can(permission):
                menu.addAction(action)
        menu.addSeparator()
        menu.addAction(self.action_copy)
        menu.addAction(self.action_show_problems)
        self.action_show_problems.setEnabled(len(w.selected_ids()) == 1)
        menu.addSeparator()
        self._prepare_filter_action(index)
        menu.addAction(self.action_filter_value)
        return menu

    def _area_action(self, area: str, name: str) -> QAction | None:
        owner: Any = getattr(self.window, area, None)
        if owner is None and area == "workspace_more":
            owner = getattr(getattr(self.window, "workspace", None), "more", None)
        action = getattr(owner, name, None) if owner is not None else None
        return action if isinstance(action, QAction) else None

    def _prepare_filter_action(self, index: QModelIndex) -> None:
        w, action = self.window, self.action_filter_value
        apply = self._filter_for(index)
        self._apply_filter_value = apply
        action.setEnabled(apply is not None)
        value = w.model.data(index, Qt.ItemDataRole.DisplayRole) if index.isValid() else ""
        text = str(value or "")
        shown = text if len(text) <= 24 else text[:23] + "…"
        action.setText(w.tr("&Filter by “{value}”").format(value=shown) if apply is not None
                       else w.tr("&Filter by this value"))

    def _filter_for(self, index: QModelIndex) -> Callable[[], None] | None:
        """What "Filter by this value" does for the cell, or None where it cannot filter."""
        w = self.window
        if not index.isValid():
            return None
        key = w.model.columns[index.column()].key
        value = w.model.data(index, Qt.ItemDataRole.UserRole)
        if value is None or value == "":
            return None
        if key == "status":
            return lambda: w.status_panel.select_status(str(value))
        if key == "ebpName":
            return lambda: _choose(w.filter_bar.platform_combo, value)
        if key == "batchId":
            return lambda: _choose(w.filter_bar.batch_combo, value)
        if key in SEARCHABLE and "*" not in str(value):  # a masked phone finds nothing
            return lambda: w.search_edit.setText(str(value))
        return None

    def _on_table_context_menu_requested(self, pos: QPoint) -> None:
        w = self.window
        index = w.table.indexAt(pos)
        if index.isValid() and not w.table.selectionModel().isRowSelected(index.row()):
            w.table.selectRow(index.row())  # as in Excel: right-click acts on that row
        self.last_menu = self.context_menu(index)
        self.exec_menu(self.last_menu, w.table.viewport().mapToGlobal(pos))

    def _on_action_filter_value_triggered(self) -> None:
        if self._apply_filter_value is not None:
            self._apply_filter_value()

    def _on_action_show_problems_triggered(self) -> None:
        dock = getattr(getattr(self.window, "precheck", None), "detail_dock", None)
        if dock is not None:
            dock.show()
            dock.raise_()

    # --- help ---------------------------------------------------------------------------
    def show_shortcuts(self) -> KeyboardShortcutsDialog:
        from ui.shortcuts_dialog import KeyboardShortcutsDialog

        dialog = KeyboardShortcutsDialog(self.window, self.window)
        dialog.open()
        return dialog


def _choose(combo: Any, value: object) -> None:
    index = combo.findData(value)
    if index < 0:
        combo.addItem(str(value), value)
        index = combo.count() - 1
    combo.setCurrentIndex(index)


def install(window: MainWindow) -> None:
    window.grid_actions = GridActions(window)  # type: ignore[attr-defined]
