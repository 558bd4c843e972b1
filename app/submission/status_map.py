"""From a customs returnStatus to our declaration status, and whether a receipt may move it.

Receipts arrive out of order and more than once, so a status only ever moves forward:
a return is applied when it is newer (by returnTime) than the last one applied and its status
is not behind the current one. `app.domain.state_machine` (owned by the pre-check area) is the
general authority on transitions; this module is the small receipt-side adapter over it, kept
local until that module lands on main (see `can_apply`).
"""

from __future__ import annotations

from dataclasses import dataclass

from app.domain.status import DeclarationStatus as S

_INVENTORY_CODES: dict[int, S] = {
    1: S.ACCEPTED, 2: S.ACCEPTED, 3: S.ACCEPTED, 120: S.ACCEPTED,
    4: S.REJECTED, 100: S.REJECTED,
    300: S.REVIEW, 399: S.REVIEW,
    500: S.INSPECTION,
    501: S.DETAINED, 502: S.DETAINED, 503: S.DETAINED, 599: S.DETAINED,
    700: S.RETURNED,
    800: S.RELEASED,
    899: S.CLEARED,
}

# How far along a declaration is; receipts never lower it. Side exits (rejected, inspection,
# detained, returned) sit between review and release so that a later release still applies.
_RANK: dict[S, int] = {
    S.QUEUED: 5, S.SENT: 10, S.ACCEPTED: 20, S.REVIEW: 30, S.REJECTED: 35,
    S.INSPECTION: 40, S.DETAINED: 50, S.RETURNED: 60, S.RELEASED: 70, S.CLEARED: 80,
}
# Statuses a receipt can act on at all; anything else (draft, ready, cancelled…) is history only.
_RECEIPT_TARGETS = frozenset(_RANK)
FINAL = frozenset({S.RELEASED, S.CLEARED, S.CANCELLED})


def status_for(kind: str, code: int | None) -> S | None:
    """Our status for a return of `kind` (CEB622/CEB604/CEB900) and its returnStatus."""
    if code is None:
        return None
    if kind == "CEB900":
        # Format check: < 0 is a schema/format failure; ≥ 0 just says the file was accepted.
        return S.REJECTED if code < 0 else None
    if code < 0:
        return S.REJECTED
    return _INVENTORY_CODES.get(code)


def is_rejection(kind: str, code: int | None) -> bool:
    return status_for(kind, code) is S.REJECTED


def is_hold(status: S) -> bool:
    """Inspection / detention / return: shown in their own view."""
    return status in (S.INSPECTION, S.DETAINED, S.RETURNED)


@dataclass(frozen=True)
class Decision:
    apply: bool  # move the declaration to `status`
    status: S | None
    reason: str  # "applied", "older", "backwards", "no_status", "final", "not_sent"


def decide(current: S, last_time: str | None, last_code: int | None, kind: str,
           code: int | None, return_time: str) -> Decision:
    """Whether a return moves a declaration currently in `current`.

    `last_time`/`last_code` describe the last return already applied to it (None if none).
    """
    target = status_for(kind, code)
    if target is None:
        return Decision(False, None, "no_status")
    if current in FINAL:
        return Decision(False, target, "final")
    if current not in _RECEIPT_TARGETS:
        return Decision(False, target, "not_sent")
    if last_time is not None and return_time < last_time:
        return Decision(False, target, "older")
    if not can_apply(current, target, last_code, code):
        return Decision(False, target, "backwards")
    return Decision(True, target, "applied")


def can_apply(current: S, target: S, last_code: int | None, code: int | None) -> bool:
    """Forward-only rule. A rejection may end any open state (customs can refuse after
    acceptance or inspection); otherwise the rank must not go down, and within one status
    the customs code must not go down (2 after 120 stays at 120)."""
    if target is S.REJECTED:
        return current is not S.REJECTED or (code or 0) != (last_code or 0)
    if _RANK[target] < _RANK[current]:
        return False
    if target is current:
        return last_code is None or (code or 0) > last_code
    return True
