"""Run a submission job off the GUI thread and get its result back as a signal.

The job is a plain callable `(progress, cancel) -> result` from app/ (Qt-free); signals are
delivered on the GUI thread. Errors arrive as the exception object; Cancelled is silent.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

from app.domain.errors import Cancelled
from app.jobs.base import CancelToken, Progress

JobFn = Callable[[Progress, CancelToken], Any]


class JobSignals(QObject):
    progressed = Signal(int, int, str)
    finished = Signal(object)
    failed = Signal(object)
    cancelled = Signal()


class _Runnable(QRunnable):
    def __init__(self, fn: JobFn, signals: JobSignals, cancel: CancelToken) -> None:
        super().__init__()
        self.fn = fn
        self.signals = signals
        self.cancel = cancel
        self.setAutoDelete(False)  # owned by JobHandle (Python side)

    def run(self) -> None:
        try:
            result = self.fn(self._progress, self.cancel)
        except Cancelled:
            self.signals.cancelled.emit()
        except Exception as exc:
            self.signals.failed.emit(exc)
        else:
            self.signals.finished.emit(result)

    def _progress(self, done: int, total: int, message: str = "") -> None:
        self.signals.progressed.emit(done, total, message)


class JobHandle(QObject):
    """One running job: its signals and its cancel token (keep a reference while it runs)."""

    def __init__(self, fn: JobFn, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.signals = JobSignals(self)
        self.cancel = CancelToken()
        self._runnable = _Runnable(fn, self.signals, self.cancel)

    def start(self, pool: QThreadPool | None = None) -> JobHandle:
        (pool or QThreadPool.globalInstance()).start(self._runnable)
        return self
