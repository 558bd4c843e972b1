import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.domain.errors import ConflictError
from app.domain.state_machine import (
    RANK,
    DeclState,
    Event,
    EventKind,
    apply,
    ensure_editable,
    status_for_receipt,
)
from app.domain.status import DeclarationStatus as S

CODES = ["1", "2", "3", "4", "100", "120", "300", "399", "500", "501", "502", "503", "599",
         "700", "800", "899", "-621005", "-1", "0", "42", "abc"]
receipts = st.builds(Event.receipt, st.sampled_from(["CEB622", "CEB604", "CEB900",
                                                     "CEB312"]),
                     st.sampled_from(CODES), st.one_of(st.none(), st.integers(0, 3)))
plain = st.sampled_from([k for k in EventKind if k is not EventKind.RECEIPT]).map(Event)
events = st.one_of(plain, receipts)


def run(*evs: Event, start: S = S.DRAFT) -> DeclState:
    state = DeclState(0, start)
    for ev in evs:
        state = apply(state, ev).after
    return state


@settings(deadline=None)  # timings belong in bench/, not tests
@given(st.sampled_from(list(S)), st.integers(0, 3), st.lists(events, max_size=40))
def test_no_event_sequence_moves_a_status_backwards(start: S, rnd: int,
                                                    seq: list[Event]) -> None:
    state = DeclState(rnd, start)
    for ev in seq:
        outcome = apply(state, ev)
        assert outcome.after.key >= state.key
        if outcome.refused:
            assert outcome.after == state and outcome.reason is not None
        state = outcome.after


def test_happy_path_and_out_of_order_receipts() -> None:
    sent = run(Event(EventKind.CHECK_PASSED), Event(EventKind.BATCHED), Event(EventKind.SENT))
    assert sent.status is S.SENT
    state = run(Event.receipt("CEB622", "120"), Event.receipt("CEB622", "800"),
                Event.receipt("CEB622", "2"), Event.receipt("CEB622", "800"),
                Event.receipt("CEB622", "399"), start=S.SENT)
    assert state.status is S.RELEASED
    assert run(Event.receipt("CEB622", "899"), Event.receipt("CEB622", "800"),
               start=S.RELEASED).status is S.CLEARED
    assert run(Event.receipt("CEB622", "100"), Event.receipt("CEB622", "800"),
               start=S.SENT).status is S.REJECTED


def test_return_status_mapping() -> None:
    assert status_for_receipt("CEB622Message", "120") is S.ACCEPTED
    assert status_for_receipt("CEB622", "500") is S.INSPECTION
    assert status_for_receipt("CEB622", "501") is S.DETAINED
    assert status_for_receipt("CEB622", "700") is S.SHIPPED_BACK
    assert status_for_receipt("CEB622", "-621005") is S.REJECTED
    assert status_for_receipt("CEB604", "4") is S.REJECTED
    assert status_for_receipt("CEB900", "-1") is S.REJECTED
    assert status_for_receipt("CEB900", "0") is None
    assert status_for_receipt("CEB622", "42") is None


def test_checks_move_only_local_statuses() -> None:
    assert run(Event(EventKind.CHECK_FAILED)).status is S.INVALID
    assert run(Event(EventKind.CHECK_FAILED), Event(EventKind.CHECK_PASSED)).status is S.READY
    assert run(Event(EventKind.CHECK_FAILED), start=S.QUEUED).status is S.QUEUED
    assert run(Event(EventKind.CHECK_PASSED), start=S.REJECTED).status is S.REJECTED


def test_editing_refused_with_explanation_once_queued() -> None:
    for status in (S.DRAFT, S.INVALID, S.READY, S.REJECTED):
        ensure_editable(status)
    for status in (S.QUEUED, S.SENT, S.RELEASED):
        with pytest.raises(ConflictError) as info:
            ensure_editable(status)
        assert "amendment" in info.value.text("en")


def test_batching_dissolving_cancel_and_redeclare() -> None:
    assert apply(DeclState(0, S.INVALID), Event(EventKind.BATCHED)).refused
    assert run(Event(EventKind.BATCH_DISSOLVED), start=S.QUEUED).status is S.READY
    assert apply(DeclState(0, S.SENT), Event(EventKind.BATCH_DISSOLVED)).refused
    assert apply(DeclState(0, S.SENT), Event(EventKind.CANCEL)).refused
    assert run(Event(EventKind.CANCEL), start=S.READY).status is S.CANCELLED
    again = apply(DeclState(0, S.REJECTED), Event(EventKind.REDECLARE)).after
    assert again == DeclState(1, S.DRAFT)
    # A late receipt from the first submission does not touch the amendment.
    resent = DeclState(1, S.SENT)
    assert apply(resent, Event.receipt("CEB622", "100", round=0)).after == resent
    assert apply(resent, Event.receipt("CEB622", "800", round=1)).after.status is S.RELEASED


def test_every_status_has_a_rank() -> None:
    assert set(RANK) == set(S)
