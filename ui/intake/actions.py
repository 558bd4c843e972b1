"""File → Import… (Ctrl+I) and dropping order files on the main window."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject
from PySide6.QtGui import QAction, QDragEnterEvent, QDropEvent, QKeySequence

from app.intake.sniff import EXCEL_EXTENSIONS, TEXT_EXTENSIONS
from app.security.context import Permission

if TYPE_CHECKING:
    from app.intake.service import ImportSummary
    from ui.intake.wizard import ImportWizard
    from ui.main_window import MainWindow

IMPORTABLE = frozenset(EXCEL_EXTENSIONS) | frozenset(TEXT_EXTENSIONS)


class ImportActions(QObject):
    """Owns the import action of one main window and its drag-and-drop handling."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.wizard: ImportWizard | None = None
        self.action = QAction(window.tr("&Import orders…"), window)
        self.action.setObjectName("action_import")
        self.action.setShortcut(QKeySequence("Ctrl+I"))
        self.action.setEnabled(window.ctx.actor.can(Permission.IMPORT))
        menu = window.menus["file"]
        if menu.actions():
            first = menu.actions()[0]
            menu.insertAction(first, self.action)
            menu.insertSeparator(first)
        else:
            menu.addAction(self.action)
        window.toolbar.addAction(self.action)
        self.action.triggered.connect(self._on_action_triggered)
        window.setAcceptDrops(True)
        window.installEventFilter(self)

    def open_wizard(self, path: Path | None = None) -> ImportWizard:
        from ui.intake.wizard import ImportWizard  # with the readers: when an import starts

        self.wizard = ImportWizard(self.window.ctx, self.window, path)
        self.wizard.imported.connect(self._on_wizard_imported)
        self.wizard.show()
        return self.wizard

    def _on_action_triggered(self) -> None:
        self.open_wizard()

    def _on_wizard_imported(self, _summary: ImportSummary) -> None:
        self.window.data_changed.emit()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        # Qt may still filter events while the window is being torn down and this wrapper's
        # attributes are already gone: then there is nothing to do.
        window = getattr(self, "window", None)
        action = getattr(self, "action", None)
        if window is None or action is None or watched is not window:
            return False
        if action.isEnabled():
            if event.type() == QEvent.Type.DragEnter and isinstance(event, QDragEnterEvent):
                if dropped_file(event) is not None:
                    event.acceptProposedAction()
                    return True
            elif event.type() == QEvent.Type.Drop and isinstance(event, QDropEvent):
                path = dropped_file(event)
                if path is not None:
                    event.acceptProposedAction()
                    self.open_wizard(path)
                    return True
        return super().eventFilter(watched, event)


def dropped_file(event: QDropEvent | QDragEnterEvent) -> Path | None:
    """The first importable local file of a drag, if any."""
    mime = event.mimeData()
    if not mime.hasUrls():
        return None
    for url in mime.urls():
        if url.isLocalFile():
            path = Path(url.toLocalFile())
            if path.suffix.lower() in IMPORTABLE:
                return path
    return None


def install(window: MainWindow) -> None:
    window.import_actions = ImportActions(window)  # type: ignore[attr-defined]
