"""Declarations ▸ Unclassified goods… (Ctrl+Shift+G) and Goods catalogue…"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtGui import QAction, QKeySequence

if TYPE_CHECKING:
    from ui.catalogue.catalogue_window import CatalogueDialog
    from ui.catalogue.queue_window import UnclassifiedGoodsDialog
    from ui.main_window import MainWindow
# The catalogue windows (with the Excel reader) are imported when opened.


class CatalogueActions:
    """Owns the goods catalogue actions of one main window."""

    def __init__(self, window: MainWindow) -> None:
        self.window = window
        self.action_queue = QAction(window.tr("U&nclassified goods…"), window)
        self.action_queue.setObjectName("action_unclassified_goods")
        self.action_queue.setShortcut(QKeySequence("Ctrl+Shift+G"))
        self.action_catalogue = QAction(window.tr("Goods catalo&gue…"), window)
        self.action_catalogue.setObjectName("action_goods_catalogue")
        menu = window.menus["declarations"]
        menu.addSeparator()
        menu.addAction(self.action_queue)
        menu.addAction(self.action_catalogue)
        self.action_queue.triggered.connect(self._on_action_queue_triggered)
        self.action_catalogue.triggered.connect(self._on_action_catalogue_triggered)

    def open_queue(self) -> UnclassifiedGoodsDialog:
        from ui.catalogue.queue_window import UnclassifiedGoodsDialog

        dialog = UnclassifiedGoodsDialog(self.window.ctx, self.window)
        dialog.classified.connect(self.window.data_changed)
        dialog.show()
        return dialog

    def open_catalogue(self) -> CatalogueDialog:
        from ui.catalogue.catalogue_window import CatalogueDialog

        dialog = CatalogueDialog(self.window.ctx, self.window)
        dialog.changed.connect(self.window.data_changed)
        dialog.show()
        return dialog

    def _on_action_queue_triggered(self) -> None:
        self.open_queue()

    def _on_action_catalogue_triggered(self) -> None:
        self.open_catalogue()


def install(window: MainWindow) -> None:
    window.catalogue_actions = CatalogueActions(window)  # type: ignore[attr-defined]
