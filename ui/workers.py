"""The one worker helper: run an app job off the GUI thread, report back on the GUI thread.

A job is any callable `job(progress, cancel) -> result` following the contract of
`app.jobs.base` (progress(done, total, message); `cancel.raise_if_cancelled()` between chunks).

    handle = run_job(job, on_finished=show_result,    # (result)
                     on_failed=show_error,         # (exception) UserFacingError or a bug
                     on_cancelled=note_cancel)     # () the job raised Cancelled
    handle.progress.connect(...)                   # (done, total, message), throttled
    handle.cancel()                                # sets the job's CancelToken

or, with a window-modal progress dialog and a Cancel button (shown after ~0.5 s):

    handle = run_with_progress(parent, parent.tr("Importing…"), job, on_finished=...)

Every signal of a JobHandle is delivered on the GUI thread, whoever connects to it. A failed
job without an `on_failed` handler goes to `sys.excepthook` (the crash handler shows
UserFacingErrors plainly and the rest in the crash dialog). Cancellation is silent. The handle
deletes itself (deleteLater) after `ended`; read `outcome`/`result`/`error` in your handlers.
"""

from __future__ import annotations

import contextlib
import sys
import threading
import time
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QCoreApplication, QObject, QRunnable, Qt, QThreadPool, Signal, Slot
from PySide6.QtWidgets import QProgressDialog, QWidget

from app.domain.errors import Cancelled
from app.jobs.base import CancelToken, Progress

Job = Callable[[Progress, CancelToken], Any]

PROGRESS_INTERVAL_S = 0.05  # at most ~20 progress signals per second reach the GUI thread


class JobHandle(QObject):
    """The GUI-thread face of one running job."""

    progress = Signal(int, int, str)
    finished = Signal(object)
    failed = Signal(object)
    cancelled = Signal()
    ended = Signal()  # after finished/failed/cancelled, whichever it was

    # Internal: emitted from the worker thread, received by our own slots (queued).
    _progress_posted = Signal(int, int, str)
    _result_posted = Signal(str, object)

    def __init__(self, parent: QObject | None = None) -> None:
        # Owned by Qt (the application when no parent is given) so that it outlives the
        # Python references while results are still queued for delivery.
        super().__init__(parent or QCoreApplication.instance())
        self.token = CancelToken()
        self.reports_failures = False  # True once a failure handler is attached
        self.dialog: JobProgressDialog | None = None
        self.running = True
        self.outcome: str | None = None  # "finished" | "failed" | "cancelled"
        self.result: Any = None
        self.error: BaseException | None = None
        self._progress_posted.connect(self._on_progress_posted,
                                      Qt.ConnectionType.QueuedConnection)
        self._result_posted.connect(self._on_result_posted, Qt.ConnectionType.QueuedConnection)

    def cancel(self) -> None:
        """Ask the job to stop at its next cancellation point (GUI thread or any thread)."""
        self.token.cancel()

    @Slot(int, int, str)
    def _on_progress_posted(self, done: int, total: int, message: str) -> None:
        if self.running:
            self.progress.emit(done, total, message)

    @Slot(str, object)
    def _on_result_posted(self, outcome: str, value: object) -> None:
        self.running = False
        self.outcome = outcome
        if self.dialog is not None:
            # Before any result message: never under a 100 % bar, and never shown later by
            # its minimum-duration timer (reset stops it) over a question the result asks.
            self.dialog.reset()
            self.dialog.hide()
        if outcome == "finished":
            self.result = value
            self.finished.emit(value)
        elif outcome == "cancelled":
            self.cancelled.emit()
        else:
            assert isinstance(value, BaseException)
            self.error = value
            if self.reports_failures:
                self.failed.emit(value)
            else:
                sys.excepthook(type(value), value, value.__traceback__)
        self.ended.emit()


class _Throttle:
    """Progress callback handed to the job: forwards at most every PROGRESS_INTERVAL_S."""

    def __init__(self, handle: JobHandle) -> None:
        self._handle = handle
        self._last = 0.0
        self._lock = threading.Lock()

    def __call__(self, done: int, total: int, message: str = "") -> None:
        now = time.monotonic()
        with self._lock:
            if done < total and now - self._last < PROGRESS_INTERVAL_S:
                return
            self._last = now
        with contextlib.suppress(RuntimeError):  # owner gone; the job is cancelled by now
            self._handle._progress_posted.emit(int(done), int(total), str(message))


class _Runnable(QRunnable):
    def __init__(self, job: Job, handle: JobHandle) -> None:
        super().__init__()
        self._job = job
        self._handle = handle
        self.setAutoDelete(True)

    def run(self) -> None:
        handle = self._handle
        try:
            result = self._job(_Throttle(handle), handle.token)
        except Cancelled:
            self._post("cancelled", None)
        except BaseException as exc:  # delivered to the GUI thread
            self._post("failed", exc)
        else:
            self._post("cancelled" if handle.token.cancelled else "finished", result)

    def _post(self, outcome: str, value: object) -> None:
        with contextlib.suppress(RuntimeError):  # its owner (a closed window) is gone
            self._handle._result_posted.emit(outcome, value)


def run_job(
    job: Job,
    *,
    on_finished: Callable[[Any], None] | None = None,
    on_failed: Callable[[BaseException], None] | None = None,
    on_cancelled: Callable[[], None] | None = None,
    pool: QThreadPool | None = None,
    parent: QObject | None = None,
) -> JobHandle:
    """Start `job` on the thread pool and return its handle (call this on the GUI thread).

    Without `on_failed`, a failure goes to sys.excepthook (the GUI's crash handler).
    """
    handle = _handle(parent, on_finished, on_failed, on_cancelled)
    (pool or QThreadPool.globalInstance()).start(_Runnable(job, handle))
    return handle


def _handle(
    parent: QObject | None,
    on_finished: Callable[[Any], None] | None,
    on_failed: Callable[[BaseException], None] | None,
    on_cancelled: Callable[[], None] | None,
) -> JobHandle:
    handle = JobHandle(parent)
    if on_finished is not None:
        handle.finished.connect(on_finished)
    if on_failed is not None:
        handle.failed.connect(on_failed)
        handle.reports_failures = True
    if on_cancelled is not None:
        handle.cancelled.connect(on_cancelled)
    handle.ended.connect(handle.deleteLater)
    return handle


class JobProgressDialog(QProgressDialog):
    """Window-modal progress with Cancel for one JobHandle; closes itself when the job ends."""

    def __init__(self, parent: QWidget | None, title: str, handle: JobHandle) -> None:
        super().__init__(parent)
        self.setObjectName("job_progress_dialog")
        self.handle = handle
        self.setWindowTitle(title)
        self.setLabelText(title)
        self.setCancelButtonText(self.tr("Cancel"))
        self.setWindowModality(Qt.WindowModality.WindowModal)
        self.setMinimumDuration(500)
        self.setAutoClose(False)
        self.setAutoReset(False)
        self.setRange(0, 0)
        self.setMinimumWidth(380)
        handle.progress.connect(self._on_handle_progress)
        handle.ended.connect(self._on_handle_ended)
        self.canceled.connect(self._on_canceled)

    def _on_handle_progress(self, done: int, total: int, message: str) -> None:
        if total > 0:
            if self.maximum() != total:
                self.setRange(0, total)
            self.setValue(min(done, total))
        if message:
            self.setLabelText(message)

    def _on_canceled(self) -> None:
        self.handle.cancel()
        self.setLabelText(self.tr("Cancelling…"))

    def _on_handle_ended(self) -> None:
        # Already reset and hidden by the handle, before any result handler ran.
        self.canceled.disconnect(self._on_canceled)
        self.deleteLater()


def run_with_progress(
    parent: QWidget | None,
    title: str,
    job: Job,
    *,
    on_finished: Callable[[Any], None] | None = None,
    on_failed: Callable[[BaseException], None] | None = None,
    on_cancelled: Callable[[], None] | None = None,
    pool: QThreadPool | None = None,
) -> JobHandle:
    """Run `job` with a modal progress dialog and Cancel; the callbacks run on the GUI thread."""
    handle = _handle(parent, on_finished, on_failed, on_cancelled)
    handle.dialog = JobProgressDialog(parent, title, handle)
    (pool or QThreadPool.globalInstance()).start(_Runnable(job, handle))
    return handle
