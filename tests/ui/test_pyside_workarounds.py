"""PySide6 6.12 drops a reference to None on every call of a method that returns nothing, and
to True on every emit. Without the workaround this test aborts the process (none_dealloc)."""

from __future__ import annotations

import sys

from PySide6.QtCore import QObject, QTimer, Signal

import ui  # noqa: F401  (installs the workaround, as the application does)


class _Emitter(QObject):
    changed = Signal()


def test_many_void_calls_and_emits_do_not_free_none_or_true() -> None:
    # More calls than None and True had references before the workaround, whatever that was.
    calls = 300_000
    timer = QTimer()
    emitter = _Emitter()
    for _ in range(calls):
        timer.start(60_000)
        emitter.changed.emit()
    timer.stop()
    assert sys.getrefcount(None) > calls and sys.getrefcount(True) > calls
