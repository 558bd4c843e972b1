"""Idle lock: the session locks after a configurable time without user activity.

Pure logic with an injected monotonic clock; the GUI feeds it input events and polls it with
a timer, then shows the lock screen (re-enter password) when `is_idle()` turns true.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class IdlePolicy:
    """`idle_minutes` of 0 turns the idle lock off."""

    idle_minutes: int = 15

    @property
    def enabled(self) -> bool:
        return self.idle_minutes > 0

    @property
    def idle_seconds(self) -> float:
        return self.idle_minutes * 60.0


class IdleTracker:
    """Tracks the last user activity and tells when the session has been idle too long."""

    def __init__(
        self, policy: IdlePolicy, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._policy = policy
        self._clock = clock
        self._last_activity = clock()
        self._locked = False

    @property
    def policy(self) -> IdlePolicy:
        return self._policy

    @property
    def locked(self) -> bool:
        return self._locked

    def set_policy(self, policy: IdlePolicy) -> None:
        self._policy = policy

    def activity(self) -> None:
        """Record user input. Ignored while locked: only `unlock()` ends a lock."""
        if not self._locked:
            self._last_activity = self._clock()

    def seconds_left(self) -> float | None:
        """Seconds until the lock, or None when the idle lock is off."""
        if not self._policy.enabled:
            return None
        elapsed = self._clock() - self._last_activity
        return max(0.0, self._policy.idle_seconds - elapsed)

    def poll(self) -> bool:
        """True exactly once when the session becomes idle (the caller then shows the lock)."""
        if self._locked:
            return False
        left = self.seconds_left()
        if left is not None and left <= 0:
            self._locked = True
            return True
        return False

    def lock(self) -> None:
        """Lock now (the user chose "Lock" from the menu)."""
        self._locked = True

    def unlock(self) -> None:
        """Called after the user re-entered their password."""
        self._locked = False
        self._last_activity = self._clock()
