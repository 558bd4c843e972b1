"""The one module that decides declaration status transitions.

Statuses only move forward. Each status has a rank; a transition is taken only when the
transition table allows it *and* the rank does not drop. Receipts that arrive late, twice or
out of order therefore never move a declaration back: they are ignored (and logged). Draft,
invalid, ready and queued share the "local" rank — nothing has left the building, so checking
again or dissolving an unsent batch is a move within the same rank, not backwards.

A rejected declaration is fixed and re-declared as an amendment: `REDECLARE` starts a new
submission round (round + 1) at draft. Order is by (round, rank), so that, too, is forward.

After submission the declarant can ask customs to undo: a cancellation (CEB623, before
release) or a buyer's return (CEB625, after release). The request is a status of its own
(`cancel_requested`, `return_requested`); customs' answer (CEB624 / CEB626) moves it on to
`cancelled` / `returned`, or, when customs refuses, back to the status the declaration had
when it was asked for (`Event.previous`). That refusal is the one sanctioned step to a lower
rank: the request was ours, and customs saying no leaves the parcel where customs had it.

`apply()` is pure and never raises; services call it, store the new status, audit the change,
and raise `ConflictError(outcome.reason…)` when `outcome.refused`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from enum import StrEnum

from app.domain.errors import ConflictError
from app.domain.status import EDITABLE_STATUSES, DeclarationStatus
from app.i18n import N_, Message

log = logging.getLogger(__name__)
S = DeclarationStatus

RANK: dict[DeclarationStatus, int] = {
    S.DRAFT: 0,
    S.INVALID: 1, S.READY: 1, S.QUEUED: 1,
    S.SENT: 2,
    S.ACCEPTED: 3,
    S.REVIEW: 4,
    S.INSPECTION: 5,
    S.DETAINED: 6,
    S.CANCEL_REQUESTED: 7,
    S.REJECTED: 8, S.SHIPPED_BACK: 8,
    S.RELEASED: 9,
    S.CLEARED: 10,
    S.RETURN_REQUESTED: 11,
    S.RETURNED: 12,
    S.CANCELLED: 13,
}
CHECKABLE: frozenset[DeclarationStatus] = frozenset({S.DRAFT, S.INVALID, S.READY})
# An inventory receipt (CEB622/CEB604) can no longer change these (for the current round).
RECEIPT_FINAL: frozenset[DeclarationStatus] = frozenset(
    {S.REJECTED, S.SHIPPED_BACK, S.CLEARED, S.RETURN_REQUESTED, S.RETURNED, S.CANCELLED})
# While a cancellation is asked for, customs may still release or refuse the inventory.
RECEIPT_TARGETS_FROM: frozenset[DeclarationStatus] = frozenset(
    {S.QUEUED, S.SENT, S.ACCEPTED, S.REVIEW, S.INSPECTION, S.DETAINED, S.CANCEL_REQUESTED,
     S.RELEASED})
CANCELLABLE: frozenset[DeclarationStatus] = frozenset({S.DRAFT, S.INVALID, S.READY, S.REJECTED})
# Customs holds the inventory but has not released it: only a CEB623 can withdraw it.
CUSTOMS_CANCELLABLE: frozenset[DeclarationStatus] = frozenset(
    {S.SENT, S.ACCEPTED, S.REVIEW, S.INSPECTION, S.DETAINED})
RETURNABLE: frozenset[DeclarationStatus] = frozenset({S.RELEASED, S.CLEARED})

# CEB622 (import inventory) and CEB604 (export inventory) returnStatus → status.
RETURN_STATUS: dict[str, DeclarationStatus] = {
    "1": S.ACCEPTED, "2": S.ACCEPTED, "3": S.ACCEPTED, "120": S.ACCEPTED,
    "300": S.REVIEW, "399": S.REVIEW,
    "500": S.INSPECTION,
    "501": S.DETAINED, "502": S.DETAINED, "503": S.DETAINED, "599": S.DETAINED,
    "700": S.SHIPPED_BACK,
    "800": S.RELEASED,
    "899": S.CLEARED,
    "4": S.REJECTED, "100": S.REJECTED,
}
INVENTORY_RECEIPTS = frozenset({"CEB622", "CEB604"})
# CEB624 (cancellation) / CEB626 (return) receipts: the request status they answer and the
# status customs' approval leads to. Codes 1, 2, 3, 120 are steps on the way (no change).
REQUEST_RECEIPTS: dict[str, tuple[DeclarationStatus, DeclarationStatus]] = {
    "CEB624": (S.CANCEL_REQUESTED, S.CANCELLED),
    "CEB626": (S.RETURN_REQUESTED, S.RETURNED),
    "CEB606": (S.CANCEL_REQUESTED, S.CANCELLED),  # export cancellation (CEB605)
    "CEB214": (S.RETURN_REQUESTED, S.RETURNED),  # export return (CEB213)
}
REQUEST_APPROVED = frozenset({"399"})
REQUEST_REFUSED = frozenset({"4", "100"})


def request_verdict(message_type: str, return_status: str) -> str | None:
    """"approved", "refused" or None (a step on the way) for a CEB624/CEB626 code."""
    if message_type.upper().removesuffix("MESSAGE") not in REQUEST_RECEIPTS:
        return None
    code = return_status.strip()
    if code in REQUEST_APPROVED:
        return "approved"
    if code in REQUEST_REFUSED or (code.startswith("-") and code[1:].isdigit()):
        return "refused"
    return None


def status_for_receipt(message_type: str, return_status: str) -> DeclarationStatus | None:
    """The status a receipt code leads to, or None when it says nothing about the status.

    CEB622/CEB604: the table in architecture.md (negative codes = rejected). CEB900 (format
    check receipt): negative = rejected, anything else is informational.
    """
    kind = message_type.upper().removesuffix("MESSAGE")
    code = return_status.strip()
    negative = code.startswith("-") and code[1:].isdigit()
    if kind in INVENTORY_RECEIPTS:
        if negative:
            return S.REJECTED
        return RETURN_STATUS.get(code)
    if kind == "CEB900":
        return S.REJECTED if negative else None
    if kind in REQUEST_RECEIPTS and request_verdict(kind, code) == "approved":
        return REQUEST_RECEIPTS[kind][1]
    return None


class EventKind(StrEnum):
    CHECK_PASSED = "check_passed"
    CHECK_FAILED = "check_failed"
    EDITED = "edited"
    BATCHED = "batched"
    BATCH_DISSOLVED = "batch_dissolved"
    SENT = "sent"
    RECEIPT = "receipt"
    CANCEL = "cancel"
    REDECLARE = "redeclare"
    REQUEST_CANCEL = "request_cancel"  # CEB623 to customs
    REQUEST_RETURN = "request_return"  # CEB625 to customs


@dataclass(frozen=True)
class Event:
    kind: EventKind
    message_type: str = ""  # receipts: CEB622 / CEB604 / CEB900
    return_status: str = ""  # receipts: the returnStatus code
    round: int | None = None  # receipts: the submission round they answer (None = current)
    # CEB624/CEB626: the status before the request, restored when customs refuses it
    previous: DeclarationStatus | None = None

    @classmethod
    def receipt(cls, message_type: str, return_status: str,
                round: int | None = None,
                previous: DeclarationStatus | None = None) -> Event:
        return cls(EventKind.RECEIPT, message_type, return_status, round, previous)


@dataclass(frozen=True, order=True)
class DeclState:
    round: int
    status: DeclarationStatus

    @property
    def key(self) -> tuple[int, int]:
        """Progress order: transitions never make this smaller."""
        return (self.round, RANK[self.status])


@dataclass(frozen=True)
class Outcome:
    before: DeclState
    after: DeclState
    refused: bool = False  # the action is not allowed now; tell the user `reason`
    reason: Message | None = None  # why refused or ignored

    @property
    def changed(self) -> bool:
        return self.after != self.before


def _same(state: DeclState, reason: str | None = None, *, refused: bool = False,
          **params: object) -> Outcome:
    return Outcome(state, state, refused, Message(reason, params) if reason else None)


def _status_label(status: DeclarationStatus) -> Message:
    return Message(status.label)


def apply(state: DeclState, event: Event) -> Outcome:
    """The outcome of `event` on a declaration in `state` (pure; never raises)."""
    outcome = _decide(state, event)
    if (outcome.changed and outcome.after.key < state.key  # defence in depth
            and not _refused_request(state, event)):
        outcome = _same(state, N_("A status change backwards was refused."), refused=True)
    if outcome.refused or (outcome.reason and not outcome.changed):
        log.info("status %s/%s: %s ignored (%s)", state.status, state.round, event.kind,
                 outcome.reason.msgid if outcome.reason else "")
    return outcome


def _decide(state: DeclState, event: Event) -> Outcome:
    status = state.status
    kind = event.kind
    if kind in (EventKind.CHECK_PASSED, EventKind.CHECK_FAILED):
        if status not in CHECKABLE:
            return _same(state)  # problems are stored; the status stays
        target = S.READY if kind is EventKind.CHECK_PASSED else S.INVALID
        return Outcome(state, DeclState(state.round, target))
    if kind is EventKind.EDITED:
        if status in EDITABLE_STATUSES:
            return _same(state)
        return _same(state, N_("The declaration is {status} and can no longer be edited; "
                               "changes after submission go through an amendment."),
                     refused=True, status=_status_label(status))
    if kind is EventKind.BATCHED:
        if status is S.READY:
            return Outcome(state, DeclState(state.round, S.QUEUED))
        return _same(state, N_("Only declarations that passed the pre-check can be put in a "
                               "batch (this one is {status})."), refused=True,
                     status=_status_label(status))
    if kind is EventKind.BATCH_DISSOLVED:
        if status is S.QUEUED:
            return Outcome(state, DeclState(state.round, S.READY))
        return _same(state, N_("The declaration is {status}; only a batch not yet handed "
                               "over can be dissolved."), refused=True,
                     status=_status_label(status))
    if kind is EventKind.SENT:
        if status is S.QUEUED:
            return Outcome(state, DeclState(state.round, S.SENT))
        if RANK[status] >= RANK[S.SENT]:
            return _same(state, N_("Already sent."))
        return _same(state, N_("Only queued declarations can be sent (this one is {status})."),
                     refused=True, status=_status_label(status))
    if kind is EventKind.RECEIPT:
        return _receipt(state, event)
    if kind is EventKind.REQUEST_CANCEL:
        return _request_cancel(state)
    if kind is EventKind.REQUEST_RETURN:
        if status in RETURNABLE:
            return Outcome(state, DeclState(state.round, S.RETURN_REQUESTED))
        return _same(state, N_("Only a released parcel can be returned (this one is "
                               "{status})."), refused=True, status=_status_label(status))
    if kind is EventKind.CANCEL:
        if status in CANCELLABLE:
            return Outcome(state, DeclState(state.round, S.CANCELLED))
        if status is S.QUEUED:
            return _same(state, N_("Remove the declaration from its batch before cancelling "
                                   "it."), refused=True)
        return _same(state, N_("The declaration is {status}; once sent it can only be "
                               "withdrawn through customs."), refused=True,
                     status=_status_label(status))
    if status is S.REJECTED:  # REDECLARE
        return Outcome(state, DeclState(state.round + 1, S.DRAFT))
    return _same(state, N_("Only a rejected declaration can be re-declared (this one is "
                           "{status})."), refused=True, status=_status_label(status))


def _request_cancel(state: DeclState) -> Outcome:
    status = state.status
    if status in CUSTOMS_CANCELLABLE:
        return Outcome(state, DeclState(state.round, S.CANCEL_REQUESTED))
    if status in CANCELLABLE:
        return _same(state, N_("The declaration is {status} and customs does not hold it; "
                               "cancel it here instead of asking customs."), refused=True,
                     status=_status_label(status))
    if status in RETURNABLE:
        return _same(state, N_("The parcel is {status}: released parcels cannot be "
                               "cancelled; register a return instead."), refused=True,
                     status=_status_label(status))
    return _same(state, N_("A cancellation cannot be requested for a declaration that is "
                           "{status}."), refused=True, status=_status_label(status))


def _refused_request(state: DeclState, event: Event) -> bool:
    kind = event.message_type.upper().removesuffix("MESSAGE")
    return (event.kind is EventKind.RECEIPT and kind in REQUEST_RECEIPTS
            and state.status is REQUEST_RECEIPTS[kind][0] and event.previous is not None
            and request_verdict(kind, event.return_status) == "refused")


def _request_receipt(state: DeclState, event: Event, kind: str) -> Outcome:
    requested, done = REQUEST_RECEIPTS[kind]
    verdict = request_verdict(kind, event.return_status)
    if verdict is None:
        return _same(state, N_("Receipt code {code} does not change the status."),
                     code=event.return_status)
    if state.status is not requested:
        return _same(state, N_("Receipt ignored: the declaration is {status}."),
                     status=_status_label(state.status))
    if verdict == "approved":
        return Outcome(state, DeclState(state.round, done))
    allowed = CUSTOMS_CANCELLABLE if done is S.CANCELLED else RETURNABLE
    if event.previous not in allowed:
        return _same(state, N_("Receipt ignored: the status before the request is not "
                               "known."))
    assert event.previous is not None
    return Outcome(state, DeclState(state.round, event.previous))


def _receipt(state: DeclState, event: Event) -> Outcome:
    kind = event.message_type.upper().removesuffix("MESSAGE")
    if kind in REQUEST_RECEIPTS:
        return _request_receipt(state, event, kind)
    target = status_for_receipt(event.message_type, event.return_status)
    if target is None:
        return _same(state, N_("Receipt code {code} does not change the status."),
                     code=event.return_status)
    if event.round is not None and event.round != state.round:
        return _same(state, N_("Receipt for an earlier submission ignored."))
    if state.status not in RECEIPT_TARGETS_FROM:
        return _same(state, N_("Receipt ignored: the declaration is {status}."),
                     status=_status_label(state.status))
    if RANK[target] <= RANK[state.status]:
        return _same(state, N_("Receipt ignored: it is older than the current status."))
    return Outcome(state, DeclState(state.round, target))


def ensure_editable(status: DeclarationStatus) -> None:
    """Raise ConflictError explaining why a declaration in `status` cannot be edited."""
    outcome = apply(DeclState(0, status), Event(EventKind.EDITED))
    if outcome.refused and outcome.reason is not None:
        raise ConflictError(outcome.reason.msgid, **outcome.reason.params)
