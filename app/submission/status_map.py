"""From a customs returnStatus to our declaration status, and whether a receipt may move it.

The transition rules are `app.domain.state_machine`'s (statuses only move forward, a rejected
or released declaration is not moved by a receipt). This module adds what a receipt job needs
on top: returns are applied in customs' order (returnTime), a return older than the last one
applied is history only, and within one status a later customs code (2 → 120) is recorded
without changing the status.
"""

from __future__ import annotations

from dataclasses import dataclass

from app.domain import state_machine as sm
from app.domain.status import DeclarationStatus as S

# Customs codes within one status, in the order customs moves through them.
_CODE_ORDER: dict[int, int] = {1: 1, 2: 2, 3: 3, 120: 4, 300: 1, 399: 2}


def status_for(kind: str, code: int | None) -> S | None:
    """Our status for a return of `kind` (CEB622/CEB604/CEB900) and its returnStatus."""
    if code is None:
        return None
    return sm.status_for_receipt(kind, str(code))


def is_rejection(kind: str, code: int | None) -> bool:
    return status_for(kind, code) is S.REJECTED


def is_hold(status: S) -> bool:
    """Inspection / detention / shipped back: shown in their own view."""
    return status in (S.INSPECTION, S.DETAINED, S.SHIPPED_BACK)


@dataclass(frozen=True)
class Decision:
    apply: bool  # record this return as the declaration's latest (status may change)
    status: S | None  # the declaration's status afterwards (when apply)
    reason: str  # "applied", "older", "backwards", "no_status", "final", "not_sent"


def decide(current: S, last_time: str | None, last_code: int | None, kind: str,
           code: int | None, return_time: str, previous: S | None = None) -> Decision:
    """Whether a return moves a declaration currently in `current`.

    `last_time`/`last_code` describe the last return applied to it (None if none);
    `previous` is the status before an open cancellation/return request (CEB624/CEB626).
    """
    if kind in sm.REQUEST_RECEIPTS:
        return _decide_request(current, last_time, kind, code, return_time, previous)
    target = status_for(kind, code)
    if target is None:
        return Decision(False, None, "no_status")
    if last_time is not None and return_time < last_time:
        return Decision(False, target, "older")
    outcome = sm.apply(sm.DeclState(0, current), sm.Event.receipt(kind, str(code)))
    if outcome.changed:
        return Decision(True, outcome.after.status, "applied")
    if current not in sm.RECEIPT_TARGETS_FROM:
        final = current in sm.RECEIPT_FINAL or current is S.RELEASED
        return Decision(False, target, "final" if final else "not_sent")
    if target is current and _later_code(last_code, code):
        return Decision(True, current, "applied")
    if current is S.RELEASED:
        return Decision(False, target, "final")
    return Decision(False, target, "backwards")


def _later_code(last_code: int | None, code: int | None) -> bool:
    if code is None:
        return False
    if last_code is None:
        return True
    return _CODE_ORDER.get(code, 0) > _CODE_ORDER.get(last_code, 0)


def _decide_request(current: S, last_time: str | None, kind: str, code: int | None,
                    return_time: str, previous: S | None) -> Decision:
    if code is None or sm.request_verdict(kind, str(code)) is None:
        return Decision(False, None, "no_status")
    if last_time is not None and return_time < last_time:
        return Decision(False, None, "older")
    outcome = sm.apply(sm.DeclState(0, current),
                       sm.Event.receipt(kind, str(code), previous=previous))
    if outcome.changed:
        return Decision(True, outcome.after.status, "applied")
    return Decision(False, None, "final" if current in sm.RECEIPT_FINAL else "backwards")
