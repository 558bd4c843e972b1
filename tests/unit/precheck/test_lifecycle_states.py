"""Cancellation and return statuses: every receipt code walked through the state machine."""

from __future__ import annotations

import itertools

import pytest

from app.domain.state_machine import (
    RANK,
    REQUEST_RECEIPTS,
    DeclState,
    Event,
    EventKind,
    apply,
)
from app.domain.status import DeclarationStatus as S

KINDS = ("CEB622", "CEB604", "CEB900", "CEB624", "CEB626")
CODES = ("1", "2", "3", "4", "100", "120", "300", "399", "500", "501", "502", "503", "599",
         "700", "800", "899", "-621001", "-1", "9999", "", "abc")


def test_every_receipt_code_from_every_status_never_goes_backwards() -> None:
    for status, kind, code, previous in itertools.product(
            S, KINDS, CODES, (None, S.ACCEPTED, S.RELEASED, S.DRAFT)):
        state = DeclState(0, status)
        outcome = apply(state, Event.receipt(kind, code, previous=previous))
        assert not outcome.refused
        if outcome.after.key < state.key:
            # The one step down: customs refusing our own request restores where it stood.
            assert kind in REQUEST_RECEIPTS and status is REQUEST_RECEIPTS[kind][0]
            assert code in ("4", "100") or code.startswith("-")
            assert outcome.after.status is previous


@pytest.mark.parametrize(("kind", "code", "before", "previous", "after"), [
    ("CEB624", "399", S.CANCEL_REQUESTED, S.ACCEPTED, S.CANCELLED),
    ("CEB624", "100", S.CANCEL_REQUESTED, S.ACCEPTED, S.ACCEPTED),
    ("CEB624", "-623001", S.CANCEL_REQUESTED, S.INSPECTION, S.INSPECTION),
    ("CEB624", "2", S.CANCEL_REQUESTED, S.ACCEPTED, S.CANCEL_REQUESTED),
    ("CEB624", "120", S.CANCEL_REQUESTED, S.ACCEPTED, S.CANCEL_REQUESTED),
    ("CEB624", "399", S.RELEASED, S.ACCEPTED, S.RELEASED),  # released meanwhile: stays
    ("CEB624", "100", S.CANCELLED, S.ACCEPTED, S.CANCELLED),  # late refusal after approval
    ("CEB624", "100", S.CANCEL_REQUESTED, S.DRAFT, S.CANCEL_REQUESTED),  # bogus previous
    ("CEB626", "399", S.RETURN_REQUESTED, S.RELEASED, S.RETURNED),
    ("CEB626", "100", S.RETURN_REQUESTED, S.RELEASED, S.RELEASED),
    ("CEB626", "4", S.RETURN_REQUESTED, S.CLEARED, S.CLEARED),
    ("CEB626", "399", S.RELEASED, None, S.RELEASED),
    ("CEB626", "100", S.RETURNED, S.RELEASED, S.RETURNED),
    ("CEB622", "800", S.CANCEL_REQUESTED, None, S.RELEASED),  # customs released it first
    ("CEB622", "100", S.CANCEL_REQUESTED, None, S.REJECTED),
    ("CEB622", "500", S.CANCEL_REQUESTED, None, S.CANCEL_REQUESTED),
    ("CEB622", "899", S.RETURN_REQUESTED, None, S.RETURN_REQUESTED),
    ("CEB622", "800", S.RETURNED, None, S.RETURNED),
    ("CEB622", "800", S.CANCELLED, None, S.CANCELLED),
    ("CEB622", "700", S.ACCEPTED, None, S.SHIPPED_BACK),
    ("CEB900", "-1", S.CANCEL_REQUESTED, S.ACCEPTED, S.REJECTED),
])
def test_receipt_moves(kind: str, code: str, before: S, previous: S | None, after: S) -> None:
    outcome = apply(DeclState(0, before), Event.receipt(kind, code, previous=previous))
    assert outcome.after.status is after


@pytest.mark.parametrize("status", [S.SENT, S.ACCEPTED, S.REVIEW, S.INSPECTION, S.DETAINED])
def test_cancellation_can_be_requested_while_customs_holds_the_parcel(status: S) -> None:
    outcome = apply(DeclState(0, status), Event(EventKind.REQUEST_CANCEL))
    assert outcome.after.status is S.CANCEL_REQUESTED


@pytest.mark.parametrize(("status", "words"), [
    (S.RELEASED, "register a return"), (S.CLEARED, "register a return"),
    (S.READY, "cancel it here"), (S.CANCELLED, "cannot be requested"),
    (S.QUEUED, "cannot be requested"), (S.CANCEL_REQUESTED, "cannot be requested"),
])
def test_cancellation_refused_with_the_reason(status: S, words: str) -> None:
    outcome = apply(DeclState(0, status), Event(EventKind.REQUEST_CANCEL))
    assert outcome.refused and outcome.reason is not None
    assert words in outcome.reason.msgid


def test_return_only_after_release() -> None:
    assert apply(DeclState(0, S.RELEASED), Event(EventKind.REQUEST_RETURN)).after.status \
        is S.RETURN_REQUESTED
    assert apply(DeclState(0, S.CLEARED), Event(EventKind.REQUEST_RETURN)).after.status \
        is S.RETURN_REQUESTED
    for status in (S.ACCEPTED, S.RETURN_REQUESTED, S.RETURNED, S.CANCELLED, S.DRAFT):
        assert apply(DeclState(0, status), Event(EventKind.REQUEST_RETURN)).refused


def test_every_status_has_a_rank_and_label() -> None:
    assert set(RANK) == set(S)
    assert RANK[S.CANCEL_REQUESTED] < RANK[S.RELEASED] < RANK[S.RETURN_REQUESTED] \
        < RANK[S.RETURNED]
    assert all(s.label for s in S)
