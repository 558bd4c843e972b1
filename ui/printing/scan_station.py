"""Scan station: scan waybill (or order) numbers, then print their labels in scan order.

A barcode scanner types the number and Enter into the input line. Each scan is looked up at
once; unknown numbers and repeated scans are reported and not added.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.domain.errors import UserFacingError
from app.services.declarations import find_declaration_id
from ui.context import GuiContext


class ScanStationDialog(QDialog):
    def __init__(self, ctx: GuiContext, print_ids: Callable[[tuple[int, ...]], None],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._ctx = ctx
        self._print_ids = print_ids
        self._ids: list[int] = []
        self.setWindowTitle(self.tr("Scan station"))
        self._build_ui()
        self._connect_signals()

    @property
    def scanned_ids(self) -> tuple[int, ...]:
        return tuple(self._ids)

    def _build_ui(self) -> None:
        self.scan_edit = QLineEdit()
        self.scan_edit.setPlaceholderText(self.tr("Scan a waybill or order number"))
        self.list = QListWidget()
        self.status = QLabel()
        self.print_button = QPushButton(self.tr("Print labels"))
        self.print_button.setEnabled(False)
        self.clear_button = QPushButton(self.tr("Clear"))
        buttons = QHBoxLayout()
        buttons.addWidget(self.status, 1)
        buttons.addWidget(self.clear_button)
        buttons.addWidget(self.print_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.scan_edit)
        layout.addWidget(self.list, 1)
        layout.addLayout(buttons)
        self.resize(520, 480)

    def _connect_signals(self) -> None:
        self.scan_edit.returnPressed.connect(self._on_scan_edit_return_pressed)
        self.print_button.clicked.connect(self._on_print_button_clicked)
        self.clear_button.clicked.connect(self._on_clear_button_clicked)

    def scan(self, key: str) -> None:
        key = key.strip()
        if not key:
            return
        try:
            with self._ctx.transaction() as session:
                decl_id = find_declaration_id(session, key)
        except UserFacingError as exc:
            self.status.setText(exc.text(self._ctx.lang))
            return
        if decl_id in self._ids:
            self.status.setText(self.tr("{key} was already scanned").format(key=key))
            return
        self._ids.append(decl_id)
        self.list.addItem(f"{len(self._ids)}. {key}")
        self.list.scrollToBottom()
        self.status.setText(self.tr("{count} scanned").format(count=len(self._ids)))
        self.print_button.setEnabled(True)

    def _on_scan_edit_return_pressed(self) -> None:
        self.scan(self.scan_edit.text())
        self.scan_edit.clear()

    def _on_print_button_clicked(self) -> None:
        self._print_ids(self.scanned_ids)

    def _on_clear_button_clicked(self) -> None:
        self._ids.clear()
        self.list.clear()
        self.status.clear()
        self.print_button.setEnabled(False)
