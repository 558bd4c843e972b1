"""File ▸ Reference data…, beside Settings (everyone may look; loading an edition needs
SETTINGS)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtGui import QAction

if TYPE_CHECKING:
    from ui.main_window import MainWindow
    from ui.reference.window import ReferenceDataDialog


class ReferenceActions:
    """Owns the Reference data action of one main window."""

    def __init__(self, window: MainWindow) -> None:
        self.window = window
        self.action = QAction(window.tr("&Reference data…"), window)
        self.action.setObjectName("action_reference_data")
        window.menus["file"].addAction(self.action)
        self.action.triggered.connect(self._on_action_triggered)

    def open_dialog(self) -> ReferenceDataDialog:
        # Imported when opened: the editions' file readers (Excel) are not light.
        from ui.reference.window import ReferenceDataDialog

        dialog = ReferenceDataDialog(self.window.ctx, self.window)
        dialog.edition_loaded.connect(self.window.data_changed)
        dialog.show()
        return dialog

    def _on_action_triggered(self) -> None:
        self.open_dialog()


def install(window: MainWindow) -> None:
    window.reference_actions = ReferenceActions(window)  # type: ignore[attr-defined]
