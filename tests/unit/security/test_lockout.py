"""Throttling rules: failures from one source slow that source down, doubling, capped."""

from __future__ import annotations

from datetime import datetime, timedelta

from app.security.lockout import ThrottlePolicy, delay_after, throttled_until

T0 = datetime(2026, 3, 1, 9, 0, 0)
POLICY = ThrottlePolicy()


def test_four_failures_cost_nothing_the_fifth_a_wait() -> None:
    four = [T0] * 4
    assert throttled_until(POLICY, four, T0) is None
    five = [T0] * 5
    assert throttled_until(POLICY, five, T0) == T0 + timedelta(seconds=30)
    assert throttled_until(POLICY, five, T0 + timedelta(seconds=30)) is None


def test_the_wait_doubles_and_is_capped() -> None:
    assert [delay_after(POLICY, n).total_seconds() for n in range(4, 9)] == [0, 30, 60, 120, 240]
    assert delay_after(POLICY, 500) == POLICY.max_delay


def test_old_failures_are_forgotten() -> None:
    old = [T0 - POLICY.window - timedelta(seconds=1)] * 10
    assert throttled_until(POLICY, old, T0) is None
