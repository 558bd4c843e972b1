"""Side panel: every status with its count under the current filter; clicking one filters."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import QListWidget, QListWidgetItem, QVBoxLayout, QWidget

from app.domain.status import DeclarationStatus
from ui.declarations.model import STATUS_COLOURS


class StatusPanel(QWidget):
    status_selected = Signal(str)  # a status value, or "" for all
    status_clicked = Signal(str)  # also when the clicked row was already the current one

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._counts: dict[str, int] = {}
        self._build_ui()
        self._connect_signals()
        self.set_counts({})

    def _build_ui(self) -> None:
        self.list = QListWidget(self)
        self.list.setObjectName("status_list")
        self.list.setMinimumWidth(150)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.list)

    def _connect_signals(self) -> None:
        self.list.currentItemChanged.connect(self._on_list_current_item_changed)
        self.list.itemClicked.connect(self._on_list_item_clicked)

    def selected_status(self) -> str:
        item = self.list.currentItem()
        return str(item.data(Qt.ItemDataRole.UserRole)) if item is not None else ""

    def select_status(self, status: str) -> None:
        for i in range(self.list.count()):
            if self.list.item(i).data(Qt.ItemDataRole.UserRole) == status:
                self.list.setCurrentRow(i)
                return

    def count_of(self, status: str) -> int:
        if not status:
            return sum(self._counts.values())
        return self._counts.get(status, 0)

    def set_counts(self, counts: dict[str, int]) -> None:
        """Rebuild the rows with new counts, keeping the selected status (no signal)."""
        self._counts = dict(counts)
        selected = self.selected_status()
        self.list.blockSignals(True)
        self.list.clear()
        all_item = QListWidgetItem(self.tr("All statuses ({n})").format(
            n=f"{sum(counts.values()):,}"))
        all_item.setData(Qt.ItemDataRole.UserRole, "")
        self.list.addItem(all_item)
        for status in DeclarationStatus:
            n = counts.get(status.value, 0)
            item = QListWidgetItem(f"{self.tr(status.label)}  {n:,}")
            item.setData(Qt.ItemDataRole.UserRole, status.value)
            item.setForeground(QBrush(QColor(STATUS_COLOURS[status.value] if n else "#9e9e9e")))
            self.list.addItem(item)
        self.select_status(selected)
        if self.list.currentRow() < 0:
            self.list.setCurrentRow(0)
        self.list.blockSignals(False)

    def retranslate(self) -> None:
        self.set_counts(self._counts)

    def _on_list_current_item_changed(self, current: QListWidgetItem | None,
                                      _previous: QListWidgetItem | None) -> None:
        if current is not None:
            self.status_selected.emit(str(current.data(Qt.ItemDataRole.UserRole)))

    def _on_list_item_clicked(self, item: QListWidgetItem) -> None:
        self.status_clicked.emit(str(item.data(Qt.ItemDataRole.UserRole)))
