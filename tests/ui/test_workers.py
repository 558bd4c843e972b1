from __future__ import annotations

import threading
from typing import Any

import pytest
from PySide6.QtCore import QThread, QTimer
from PySide6.QtWidgets import QApplication, QPushButton, QWidget
from pytestqt.qtbot import QtBot

from app.domain.errors import ValidationError
from app.jobs.base import CancelToken, Progress
from ui.workers import run_job, run_with_progress


def test_job_runs_off_the_gui_thread_and_reports_on_it(qtbot: QtBot) -> None:
    seen: dict[str, Any] = {}
    gui = QThread.currentThread()

    def job(progress: Progress, cancel: CancelToken) -> int:
        seen["job_thread_is_gui"] = QThread.currentThread() is gui
        for i in range(5):
            progress(i + 1, 5, f"step {i + 1}")
        return 42

    steps: list[tuple[int, int, str]] = []
    results: list[Any] = []

    def on_progress(done: int, total: int, message: str) -> None:
        seen["progress_on_gui"] = QThread.currentThread() is gui
        steps.append((done, total, message))

    def on_finished(result: Any) -> None:
        seen["finished_on_gui"] = QThread.currentThread() is gui
        results.append(result)

    handle = run_job(job, on_finished=on_finished)
    handle.progress.connect(on_progress)
    with qtbot.waitSignal(handle.ended, timeout=5000):
        pass
    assert results == [42]
    assert seen["job_thread_is_gui"] is False
    assert seen["finished_on_gui"] is True
    assert steps and steps[-1] == (5, 5, "step 5")  # the final step is never throttled away
    assert seen["progress_on_gui"] is True


def test_cancel_stops_the_job_silently(qtbot: QtBot) -> None:
    started = threading.Event()

    def job(progress: Progress, cancel: CancelToken) -> None:
        started.set()
        while True:
            cancel.raise_if_cancelled()
            threading.Event().wait(0.001)

    outcomes: list[str] = []
    handle = run_job(job, on_finished=lambda _r: outcomes.append("finished"),
                     on_cancelled=lambda: outcomes.append("cancelled"))
    assert started.wait(5)
    with qtbot.waitSignal(handle.ended, timeout=5000):
        handle.cancel()
    assert outcomes == ["cancelled"]


def test_failure_reaches_the_handler(qtbot: QtBot) -> None:
    def job(progress: Progress, cancel: CancelToken) -> None:
        raise ValidationError("Bad value {v}.", v="x")

    errors: list[BaseException] = []
    handle = run_job(job, on_failed=errors.append)
    with qtbot.waitSignal(handle.ended, timeout=5000):
        pass
    assert len(errors) == 1 and isinstance(errors[0], ValidationError)
    assert errors[0].text("en") == "Bad value x."


def test_unhandled_failure_goes_to_excepthook(
    qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    caught: list[BaseException] = []
    monkeypatch.setattr("sys.excepthook", lambda t, v, tb: caught.append(v))

    def job(progress: Progress, cancel: CancelToken) -> None:
        raise RuntimeError("boom")

    handle = run_job(job)
    with qtbot.waitSignal(handle.ended, timeout=5000):
        pass
    assert [str(e) for e in caught] == ["boom"]


def test_progress_dialog_cancel_button(qtbot: QtBot, qapp: QApplication) -> None:
    parent = QWidget()
    qtbot.addWidget(parent)
    parent.show()
    started = threading.Event()

    def job(progress: Progress, cancel: CancelToken) -> str:
        started.set()
        n = 0
        while True:
            n += 1
            progress(n % 100, 100, "Working")
            cancel.raise_if_cancelled()
            threading.Event().wait(0.001)

    cancelled: list[bool] = []
    handle = run_with_progress(parent, "Importing", job,
                               on_cancelled=lambda: cancelled.append(True))
    dialog = handle.dialog
    assert dialog is not None
    assert dialog.windowTitle() == "Importing"
    assert started.wait(5)
    button = dialog.findChild(QPushButton)
    assert button is not None and button.text() == "Cancel"
    with qtbot.waitSignal(handle.ended, timeout=5000):
        button.click()
    assert cancelled == [True]


def test_progress_dialog_is_gone_before_the_result_is_shown(qtbot: QtBot) -> None:
    """Found walking the clerk's day: the "submitted" message box opened on top of a progress
    dialog still showing 100 %, which hid the message on a desktop without a window manager."""
    parent = QWidget()
    qtbot.addWidget(parent)
    parent.show()
    release = threading.Event()

    def job(progress: Progress, cancel: CancelToken) -> str:
        progress(1, 1, "Working")
        assert release.wait(5)
        return "done"

    seen: list[bool] = []
    handle = run_with_progress(parent, "Submitting", job,
                               on_finished=lambda _r: seen.append(dialog.isVisible()))
    dialog = handle.dialog
    assert dialog is not None
    dialog.show()  # as after its minimum duration
    qtbot.waitUntil(dialog.isVisible)
    with qtbot.waitSignal(handle.ended, timeout=5000):
        release.set()
    assert seen == [False]


def test_a_quick_job_leaves_no_progress_dialog_to_pop_up_over_its_question(
        qtbot: QtBot) -> None:
    """Found walking the clerk's day: printing labels checked the parcels in under the
    dialog's minimum duration and asked about unknown destinations; half a second later the
    modal "Checking…" dialog showed itself over the question and took its input, and neither
    could be answered. When the result arrives the dialog's show timer is stopped."""
    parent = QWidget()
    qtbot.addWidget(parent)
    parent.show()
    timers_running: list[list[bool]] = []

    def on_finished(_result: Any) -> None:  # where the question opens its own event loop
        assert handle.dialog is not None
        timers_running.append([t.isActive() for t in handle.dialog.findChildren(QTimer)])

    handle = run_with_progress(parent, "Checking", lambda _p, _c: "ok",
                               on_finished=on_finished)
    assert handle.dialog is not None
    assert any(t.isActive() for t in handle.dialog.findChildren(QTimer))  # as it starts
    with qtbot.waitSignal(handle.ended, timeout=5000):
        pass
    assert timers_running == [[False]]
