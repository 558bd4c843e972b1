"""One excepthook for the GUI: user-fixable errors are shown plainly, the rest in a crash
dialog with copyable details and the log path."""

from __future__ import annotations

import logging
import sys
import traceback
from collections.abc import Callable
from pathlib import Path
from types import TracebackType

from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

from app.domain.errors import Cancelled, UserFacingError

log = logging.getLogger("cleardesk")

ExceptHook = Callable[[type[BaseException], BaseException, TracebackType | None], None]


class CrashHandler:
    """Installed as sys.excepthook by the composition root. `show` is a seam for tests."""

    def __init__(self, lang: str, log_path: Path | None) -> None:
        self.lang = lang
        self.log_path = log_path
        self.previous: ExceptHook = sys.excepthook
        self.shown: list[str] = []

    def install(self) -> None:
        sys.excepthook = self.handle

    def uninstall(self) -> None:
        sys.excepthook = self.previous

    def handle(self, etype: type[BaseException], value: BaseException,
               tb: TracebackType | None) -> None:
        if isinstance(value, Cancelled):
            return
        if isinstance(value, UserFacingError):
            self.show(QApplication.translate("crash", "Cannot do that"), value.text(self.lang),
                      None)
            return
        details = "".join(traceback.format_exception(etype, value, tb))
        log.error("unhandled exception\n%s", details)
        where = str(self.log_path) if self.log_path else "-"
        text = QApplication.translate(
            "crash",
            "ClearDesk hit an unexpected error. Your saved work is safe. Please send the details "
            "below to support. Log file: {log}",
        ).format(log=where)
        self.show(QApplication.translate("crash", "Unexpected error"), text, details)

    def show(self, title: str, text: str, details: str | None) -> None:
        self.shown.append(text)
        parent: QWidget | None = QApplication.activeWindow()
        box = QMessageBox(parent)
        box.setIcon(QMessageBox.Icon.Critical if details else QMessageBox.Icon.Warning)
        box.setWindowTitle(title)
        box.setText(text)
        if details:
            box.setDetailedText(details)
        box.exec()
