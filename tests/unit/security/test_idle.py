from __future__ import annotations

from app.security.idle import IdlePolicy, IdleTracker


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_locks_once_after_the_idle_time() -> None:
    clock = FakeClock()
    tracker = IdleTracker(IdlePolicy(idle_minutes=10), clock)
    clock.now += 599
    assert not tracker.poll()
    clock.now += 1
    assert tracker.poll()
    assert tracker.locked
    assert not tracker.poll()  # reported once


def test_activity_postpones_the_lock() -> None:
    clock = FakeClock()
    tracker = IdleTracker(IdlePolicy(idle_minutes=10), clock)
    clock.now += 500
    tracker.activity()
    clock.now += 500
    assert not tracker.poll()
    assert tracker.seconds_left() == 100


def test_activity_while_locked_does_not_unlock() -> None:
    clock = FakeClock()
    tracker = IdleTracker(IdlePolicy(idle_minutes=1), clock)
    tracker.lock()
    tracker.activity()
    assert tracker.locked
    tracker.unlock()
    assert not tracker.locked
    assert tracker.seconds_left() == 60


def test_zero_minutes_turns_the_lock_off() -> None:
    clock = FakeClock()
    tracker = IdleTracker(IdlePolicy(idle_minutes=0), clock)
    clock.now += 10**9
    assert tracker.seconds_left() is None
    assert not tracker.poll()
