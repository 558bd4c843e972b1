"""Runs one export job off the GUI thread and reports back through signals."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QThread, Signal

from app.domain.errors import Cancelled
from app.jobs.base import CancelToken, Progress

Job = Callable[[Progress, CancelToken], Any]


class JobThread(QThread):
    """`job(progress, cancel)` in a thread; exactly one of succeeded/failed/cancelled fires."""

    progressed = Signal(int, int, str)
    succeeded = Signal(object)
    failed = Signal(object)
    cancelled = Signal()

    def __init__(self, job: Job, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._job = job
        self.token = CancelToken()

    def cancel(self) -> None:
        self.token.cancel()

    def _progress(self, done: int, total: int, message: str = "") -> None:
        self.progressed.emit(done, total, message)

    def run(self) -> None:
        try:
            result = self._job(self._progress, self.token)
        except Cancelled:
            self.cancelled.emit()
        except Exception as exc:  # handed to the GUI thread, which shows or re-raises it
            self.failed.emit(exc)
        else:
            self.succeeded.emit(result)
