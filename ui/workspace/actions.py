"""Workspace actions on the main window: editor, bulk edit, scan station, settings, language."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QModelIndex, QObject
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMessageBox

if TYPE_CHECKING:
    from app.reference.tables import ReferenceTables
    from ui.declarations.editor import DeclarationEditor
    from ui.main_window import MainWindow
# The editor (and the services and rules behind it) and the reference tables are loaded when
# the first declaration opens, not before the main window's first page.


class WorkspaceActions(QObject):
    """Owns the workspace's actions and the windows they open (kept as attributes for tests)."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self._refs: ReferenceTables | None = None
        self.editor: DeclarationEditor | None = None
        # Other areas add their buttons to every editor opened (e.g. cancellation, return).
        self.editor_extensions: list[Callable[[DeclarationEditor], None]] = []
        self._build_actions()

    def _build_actions(self) -> None:
        w = self.window
        self.action_edit = QAction(w.tr("&Open declaration"), w)
        self.action_edit.setObjectName("action_edit")
        self.action_edit.setShortcut(QKeySequence("Ctrl+E"))
        self.action_edit.triggered.connect(self.open_editor)
        w.menus["declarations"].addAction(self.action_edit)
        w.table.activated.connect(self._on_table_activated)
        w.close_guards.append(self.may_close_window)
        from ui.workspace.more_actions import install_more

        install_more(self)

    def refs(self) -> ReferenceTables:
        if self._refs is None:
            from app.reference.store import reference_from_db

            with self.window.ctx.transaction() as s:
                self._refs = reference_from_db(s)
        return self._refs

    def open_editor(self, decl_id: int | None = None) -> DeclarationEditor | None:
        w = self.window
        if not decl_id:
            ids = w.selected_ids()
            if not ids:
                QMessageBox.information(w, w.tr("Open declaration"),
                                        w.tr("Select a declaration first."))
                return None
            decl_id = ids[0]
        editor = self.editor
        if (editor is not None and editor.isVisible() and editor.snapshot is not None
                and editor.snapshot.id == decl_id):
            editor.raise_()
            editor.activateWindow()
            return editor
        if editor is not None and editor.isVisible():
            # One editor: the next declaration opens in it once its edits are saved or
            # dropped; Cancel keeps it (and its row selected in the grid).
            if not editor.confirm_leave():
                if editor.snapshot is not None:
                    w.select_declaration(editor.snapshot.id)
                editor.raise_()
                editor.activateWindow()
                return editor
            editor.load(decl_id)
            editor.raise_()
            editor.activateWindow()
            return editor
        if editor is not None:
            editor.deleteLater()
        from ui.declarations.editor import DeclarationEditor

        self.editor = DeclarationEditor(w.ctx, self.refs(), decl_id, self.next_id, w)
        self.editor.saved.connect(self._on_editor_saved)
        w.others_changed.connect(self.editor.on_others_changed)
        for extend in self.editor_extensions:
            extend(self.editor)
        self.editor.show()
        return self.editor

    def may_close_window(self) -> bool:
        """The main window's close guard: the editor asks about unsaved edits first."""
        editor = self.editor
        return editor is None or not editor.isVisible() or editor.close()

    def next_id(self, decl_id: int) -> int | None:
        model = self.window.model
        row = model.row_of(decl_id)
        if row is None or row + 1 >= model.rowCount():
            return None
        nxt = model.declaration_id(row + 1)
        if nxt is not None:
            self.window.select_declaration(nxt)
        return nxt

    def _on_table_activated(self, index: QModelIndex) -> None:
        decl_id = self.window.model.declaration_id(index.row())
        if decl_id is not None:
            self.open_editor(decl_id)

    def _on_editor_saved(self, _decl_id: int) -> None:
        self.window.data_changed.emit()


def install(window: MainWindow) -> None:
    window.workspace = WorkspaceActions(window)  # type: ignore[attr-defined]
