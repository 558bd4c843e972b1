"""The open editor's bar when another workstation changed its declaration meanwhile and the
clerk has unsaved edits: who and when, and a Reload button (without unsaved edits the editor
simply reloads)."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QWidget

from app.domain.clock import to_beijing
from app.services.changes import DeclarationChange


class ChangedElsewhereBar(QWidget):
    reload_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("changed_elsewhere_bar")
        self._build_ui()
        self._connect_signals()
        self.hide()

    def _build_ui(self) -> None:
        self.setStyleSheet("background:#e3f2fd; color:#0d47a1;")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(6, 4, 6, 4)
        self.label = QLabel(self)
        self.label.setObjectName("changed_elsewhere_label")
        self.label.setWordWrap(True)
        self.reload_button = QPushButton(self.tr("Reload"), self)
        self.reload_button.setObjectName("changed_elsewhere_reload")
        layout.addWidget(self.label, 1)
        layout.addWidget(self.reload_button)

    def _connect_signals(self) -> None:
        self.reload_button.clicked.connect(self.reload_requested)

    def show_change(self, change: DeclarationChange) -> None:
        who = change.user_name or self.tr("another user")
        if change.workstation:
            who = f"{who} ({change.workstation})"
        when = to_beijing(change.at).strftime("%H:%M:%S") if change.at else "?"
        self.label.setText(self.tr(
            "Changed by {who} at {time} while you were editing. Reload to see it (your "
            "unsaved edits are dropped), or save to compare both versions.").format(
                who=who, time=when))
        self.show()
