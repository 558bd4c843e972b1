from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from app.security.lockout import (
    AccountLockedError,
    LockoutPolicy,
    LoginState,
    after_failure,
    after_success,
    attempts_left,
    ensure_not_locked,
    locked_remaining,
)

T0 = datetime(2026, 3, 1, 9, 0, 0)
POLICY = LockoutPolicy(max_failures=5, lock_duration=timedelta(minutes=15))


def fail(state: LoginState, times: int, now: datetime = T0) -> LoginState:
    for _ in range(times):
        state = after_failure(POLICY, state, now)
    return state


def test_four_failures_do_not_lock() -> None:
    state = fail(LoginState(), 4)
    ensure_not_locked(state, T0)
    assert attempts_left(POLICY, state, T0) == 1


def test_fifth_failure_locks_for_the_policy_duration() -> None:
    state = fail(LoginState(), 5)
    assert locked_remaining(state, T0) == timedelta(minutes=15)
    with pytest.raises(AccountLockedError) as info:
        ensure_not_locked(state, T0 + timedelta(minutes=1))
    assert "14 min" in info.value.text("en")
    assert "14" in info.value.text("zh_CN")


def test_lock_runs_out_and_the_count_starts_again() -> None:
    state = fail(LoginState(), 5)
    later = T0 + timedelta(minutes=15)
    ensure_not_locked(state, later)
    assert attempts_left(POLICY, state, later) == 5
    state = after_failure(POLICY, state, later)
    assert state.failed_attempts == 1 and state.locked_until is None


def test_failures_during_the_lock_do_not_extend_it() -> None:
    state = fail(LoginState(), 5)
    state = fail(state, 3, T0 + timedelta(minutes=10))
    assert locked_remaining(state, T0 + timedelta(minutes=10)) == timedelta(minutes=5)


def test_success_clears_the_failures() -> None:
    state = fail(LoginState(), 4)
    state = after_success()
    state = fail(state, 4)
    ensure_not_locked(state, T0)


def test_remaining_minutes_round_up() -> None:
    state = fail(LoginState(), 5)
    with pytest.raises(AccountLockedError) as info:
        ensure_not_locked(state, T0 + timedelta(minutes=14, seconds=30))
    assert "1 min" in info.value.text("en")
