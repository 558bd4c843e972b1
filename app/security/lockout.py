"""Account lockout after repeated failed logins: pure rules, the caller supplies the clock.

After `max_failures` consecutive wrong passwords the account is locked for `lock_duration`;
while locked even the right password is refused (without checking it, so guessing gains
nothing). When the lock runs out the count starts again from zero; a successful login
clears it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from app.domain.errors import PermissionDeniedError
from app.i18n import N_


class AccountLockedError(PermissionDeniedError):
    """Too many failed logins; the account is locked for some minutes."""


@dataclass(frozen=True)
class LockoutPolicy:
    max_failures: int = 5
    lock_duration: timedelta = timedelta(minutes=15)


@dataclass(frozen=True)
class LoginState:
    """What is stored per user between attempts."""

    failed_attempts: int = 0
    locked_until: datetime | None = None


def current(state: LoginState, now: datetime) -> LoginState:
    """`state` as it stands at `now`: an expired lock is forgotten along with its failures."""
    if state.locked_until is not None and now >= state.locked_until:
        return LoginState()
    return state


def locked_remaining(state: LoginState, now: datetime) -> timedelta | None:
    """How long the account stays locked, or None when it is not locked."""
    state = current(state, now)
    if state.locked_until is None:
        return None
    return state.locked_until - now


def ensure_not_locked(state: LoginState, now: datetime) -> None:
    """Raise AccountLockedError (with the minutes left, rounded up) while locked."""
    remaining = locked_remaining(state, now)
    if remaining is not None:
        minutes = max(1, math.ceil(remaining.total_seconds() / 60))
        raise AccountLockedError(
            N_("Too many failed logins: this account is locked. Try again in {minutes} min."),
            minutes=minutes,
        )


def after_failure(policy: LockoutPolicy, state: LoginState, now: datetime) -> LoginState:
    """The state after one more wrong password at `now`."""
    state = current(state, now)
    if state.locked_until is not None:
        return state  # attempts during a lock neither count nor extend it
    failures = state.failed_attempts + 1
    if failures >= policy.max_failures:
        return LoginState(failed_attempts=failures, locked_until=now + policy.lock_duration)
    return LoginState(failed_attempts=failures)


def after_success() -> LoginState:
    """The state after a successful login."""
    return LoginState()


def attempts_left(policy: LockoutPolicy, state: LoginState, now: datetime) -> int:
    """Wrong passwords still allowed before the account locks (0 while locked)."""
    state = current(state, now)
    if state.locked_until is not None:
        return 0
    return max(0, policy.max_failures - state.failed_attempts)
