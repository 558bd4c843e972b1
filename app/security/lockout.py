"""Throttling of failed logins per account and workstation: pure rules, the caller supplies
the failures and the clock.

A hard account lock hands an attacker a switch: five wrong passwords for `admin` from anywhere
would lock the real administrator out. Instead the failures that count are those for one user
name from one workstation (since that workstation's last successful login for it, within
`window`). After `free_failures` of them that workstation must wait before the next attempt,
twice as long after each further failure, up to `max_delay`. Another workstation, the real
user's own, is not slowed at all. A throttled attempt gets the same answer as a wrong
password and takes as long (the password is hashed all the same), so neither the answer nor
its timing tells whether a name exists, the password was right or the source is throttled.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True)
class ThrottlePolicy:
    free_failures: int = 5
    first_delay: timedelta = timedelta(seconds=30)
    max_delay: timedelta = timedelta(minutes=15)
    window: timedelta = timedelta(minutes=30)  # older failures are forgotten


def delay_after(policy: ThrottlePolicy, failures: int) -> timedelta:
    """How long a source waits after its `failures`-th consecutive failure."""
    if failures < policy.free_failures:
        return timedelta(0)
    steps = min(failures - policy.free_failures, 20)
    return min(policy.first_delay * (1 << steps), policy.max_delay)


def recent_failures(policy: ThrottlePolicy, failures: Sequence[datetime],
                    now: datetime) -> list[datetime]:
    return [t for t in failures if now - t < policy.window]


def throttled_until(policy: ThrottlePolicy, failures: Sequence[datetime],
                    now: datetime) -> datetime | None:
    """Until when the source with these failure times must wait, or None when it may try."""
    recent = recent_failures(policy, failures, now)
    if len(recent) < policy.free_failures:
        return None
    until = max(recent) + delay_after(policy, len(recent))
    return until if now < until else None
