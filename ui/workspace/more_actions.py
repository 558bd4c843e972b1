"""Bulk edit (+ undo), scan station, settings and language actions."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtGui import QAction, QActionGroup, QKeySequence
from PySide6.QtWidgets import QMessageBox

from app.domain.errors import UserFacingError
from ui.workspace.languages import LANGUAGES

if TYPE_CHECKING:
    from app.services.bulk_edit import BulkResult
    from ui.declarations.bulk_dialog import BulkEditDialog
    from ui.workspace.actions import WorkspaceActions
    from ui.workspace.scan_station import ScanStation
    from ui.workspace.settings_dialog import SettingsDialog
# Bulk edit (with the rules it re-runs) and the scan station are imported when opened, not
# before the main window's first page.


class MoreActions:
    def __init__(self, owner: WorkspaceActions) -> None:
        self.owner = owner
        w = owner.window
        self.window = w
        self.last_bulk: BulkResult | None = None
        self.bulk_dialog: BulkEditDialog | None = None
        self.scan_station: ScanStation | None = None
        self.settings_dialog: SettingsDialog | None = None
        self.notify: Any = self._notify  # seam: (title, text)

        self.action_bulk = QAction(w.tr("&Bulk edit selected…"), w)
        self.action_bulk.setObjectName("action_bulk_edit")
        self.action_bulk.setShortcut(QKeySequence("Ctrl+Shift+E"))
        self.action_bulk.triggered.connect(self.open_bulk_edit)
        self.action_undo_bulk = QAction(w.tr("&Undo bulk edit"), w)
        self.action_undo_bulk.setObjectName("action_undo_bulk")
        self.action_undo_bulk.setEnabled(False)
        self.action_undo_bulk.triggered.connect(self.undo_bulk)
        self.action_scan = QAction(w.tr("&Scan station…"), w)
        self.action_scan.setObjectName("action_scan_station")
        self.action_scan.setShortcut(QKeySequence("F9"))
        self.action_scan.triggered.connect(self.open_scan_station)
        menu = w.menus["declarations"]
        menu.addSeparator()
        for a in (self.action_bulk, self.action_undo_bulk, self.action_scan):
            menu.addAction(a)
        w.toolbar.addAction(self.action_scan)

        self.action_settings = QAction(w.tr("&Settings…"), w)
        self.action_settings.setObjectName("action_settings")
        self.action_settings.setShortcut(QKeySequence.StandardKey.Preferences)
        self.action_settings.triggered.connect(self.open_settings)
        file_menu = w.menus["file"]
        first = file_menu.actions()[0] if file_menu.actions() else None
        file_menu.insertAction(first, self.action_settings)
        self.language_menu = file_menu.addMenu(w.tr("&Language"))
        self.language_menu.setObjectName("language_menu")
        file_menu.insertMenu(first, self.language_menu)
        file_menu.insertSeparator(first)
        group = QActionGroup(w)
        self.language_actions: dict[str, QAction] = {}
        for code, name in LANGUAGES:
            action = QAction(name, w)
            action.setCheckable(True)
            action.setChecked(code == w.ctx.lang)
            action.setData(code)
            group.addAction(action)
            action.triggered.connect(lambda _c=False, code=code: self.switch_language(code))
            self.language_menu.addAction(action)
            self.language_actions[code] = action

    # --- bulk edit ----------------------------------------------------------------------
    def open_bulk_edit(self) -> BulkEditDialog | None:
        w = self.window
        ids = w.selected_ids()
        if not ids:
            self.notify(w.tr("Bulk edit"), w.tr("Select the declarations to change first."))
            return None
        from ui.declarations.bulk_dialog import BulkEditDialog

        self.bulk_dialog = BulkEditDialog(w.ctx, ids, w)
        self.bulk_dialog.applied.connect(self._on_bulk_applied)
        self.bulk_dialog.show()
        return self.bulk_dialog

    def _on_bulk_applied(self, result: BulkResult) -> None:
        self.last_bulk = result
        self.action_undo_bulk.setEnabled(True)
        self.window.data_changed.emit()

    def undo_bulk(self) -> None:
        w = self.window
        if self.last_bulk is None:
            return
        from app.services.bulk_edit import undo_bulk_edit

        try:
            with w.ctx.transaction() as s:
                undone = undo_bulk_edit(s, w.ctx.actor, self.last_bulk.bulk_id)
        except UserFacingError as exc:
            self.notify(w.tr("Undo bulk edit"), exc.text(w.ctx.lang))
            return
        self.last_bulk = None
        self.action_undo_bulk.setEnabled(False)
        text = w.tr("Restored {n} declaration(s).").format(n=undone.records)
        if undone.skipped:
            text += " " + w.tr("{n} changed again since were left as they are.").format(
                n=undone.skipped)
        self.notify(w.tr("Undo bulk edit"), text)
        w.data_changed.emit()

    # --- scan station -------------------------------------------------------------------
    def open_scan_station(self) -> ScanStation:
        w = self.window
        if self.scan_station is None:
            # The printing feature (issue 8) sets window.print_label = callable(decl_id).
            from ui.workspace.scan_station import ScanStation

            self.scan_station = ScanStation(w.ctx, w, getattr(w, "print_label", None))
            self.scan_station.declaration_scanned.connect(w.select_declaration)
        self.scan_station.show()
        self.scan_station.raise_()
        self.scan_station.activateWindow()
        return self.scan_station

    # --- settings, language -------------------------------------------------------------
    def open_settings(self) -> SettingsDialog:
        w = self.window
        from ui.workspace.settings_dialog import SettingsDialog

        self.settings_dialog = SettingsDialog(w.ctx, w)
        self.settings_dialog.language_chosen.connect(self.switch_language)
        self.settings_dialog.saved.connect(w.settings_changed)
        self.settings_dialog.declarations_changed.connect(w.data_changed)
        self.settings_dialog.show()
        return self.settings_dialog

    def switch_language(self, lang: str) -> None:
        switcher = self.window.language_switcher
        if switcher is not None:
            switcher.switch(lang)

    def _notify(self, title: str, text: str) -> None:
        QMessageBox.information(self.window, title, text)


def install_more(actions: WorkspaceActions) -> None:
    actions.more = MoreActions(actions)  # type: ignore[attr-defined]
