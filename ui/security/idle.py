"""Idle lock on the Qt side: watches user input application-wide and says when to lock."""

from __future__ import annotations

import time
from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, QTimer, Signal

from app.security.idle import IdlePolicy, IdleTracker

_ACTIVITY_EVENTS = frozenset(
    {
        QEvent.Type.KeyPress,
        QEvent.Type.MouseButtonPress,
        QEvent.Type.MouseButtonDblClick,
        QEvent.Type.Wheel,
        QEvent.Type.TouchBegin,
    }
)


class IdleWatcher(QObject):
    """Install with `app.installEventFilter(watcher)`; emits `idle_timed_out` once per lock."""

    idle_timed_out = Signal()

    def __init__(
        self,
        policy: IdlePolicy,
        clock: Callable[[], float] = time.monotonic,
        interval_ms: int = 5000,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.tracker = IdleTracker(policy, clock)
        self.timer = QTimer(self)
        self.timer.setInterval(interval_ms)
        self.timer.timeout.connect(self._on_timer_timeout)
        if policy.enabled:
            self.timer.start()

    def set_policy(self, policy: IdlePolicy) -> None:
        self.tracker.set_policy(policy)
        if policy.enabled:
            self.timer.start()
        else:
            self.timer.stop()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() in _ACTIVITY_EVENTS:
            self.tracker.activity()
        return False

    def check(self) -> None:
        """Poll now (the timer calls this; tests call it with a fake clock)."""
        if self.tracker.poll():
            self.idle_timed_out.emit()

    def _on_timer_timeout(self) -> None:
        self.check()

    def lock_now(self) -> None:
        if not self.tracker.locked:
            self.tracker.lock()
            self.idle_timed_out.emit()

    def unlocked(self) -> None:
        self.tracker.unlock()
