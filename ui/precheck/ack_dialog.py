"""Acknowledge a pre-check warning with a reason (the reason is audited)."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from app.i18n import Message, render, translate

MIN_REASON_CHARS = 4


class AcknowledgeWarningDialog(QDialog):
    """Shows the warning, asks why it is acceptable; OK only with a real reason."""

    def __init__(self, warning: Message, lang: str = "en",
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._lang = lang
        self._warning = warning
        self._build_ui()
        self._connect_signals()
        self._on_reason_text_changed()

    def _build_ui(self) -> None:
        self.setWindowTitle(translate("Acknowledge warning", self._lang))
        self._message = QLabel(render(self._warning, self._lang))
        self._message.setWordWrap(True)
        self._prompt = QLabel(translate("Why can this declaration be submitted anyway? "
                                        "The reason is recorded in the audit trail.",
                                        self._lang))
        self._prompt.setWordWrap(True)
        self._reason = QPlainTextEdit()
        self._reason.setObjectName("ackReason")
        self._buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                         | QDialogButtonBox.StandardButton.Cancel)
        layout = QVBoxLayout(self)
        for widget in (self._message, self._prompt, self._reason, self._buttons):
            layout.addWidget(widget)

    def _connect_signals(self) -> None:
        self._reason.textChanged.connect(self._on_reason_text_changed)
        self._buttons.accepted.connect(self.accept)
        self._buttons.rejected.connect(self.reject)

    def _on_reason_text_changed(self) -> None:
        ok = self._buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.setEnabled(len(self.reason()) >= MIN_REASON_CHARS)

    def reason(self) -> str:
        return self._reason.toPlainText().strip()
