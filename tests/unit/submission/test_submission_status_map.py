"""Receipts move a declaration forward only, whatever order they arrive in."""

from __future__ import annotations

import itertools

from app.domain.status import DeclarationStatus as S
from app.submission.causes import cause_of, normalise_info
from app.submission.status_map import decide, status_for


def test_codes_map_to_statuses() -> None:
    assert status_for("CEB622", 2) is S.ACCEPTED
    assert status_for("CEB622", 120) is S.ACCEPTED
    assert status_for("CEB622", 399) is S.REVIEW
    assert status_for("CEB622", 500) is S.INSPECTION
    assert status_for("CEB622", 502) is S.DETAINED
    assert status_for("CEB622", 700) is S.SHIPPED_BACK
    assert status_for("CEB622", 800) is S.RELEASED
    assert status_for("CEB604", 899) is S.CLEARED
    assert status_for("CEB622", 100) is S.REJECTED
    assert status_for("CEB622", 4) is S.REJECTED
    assert status_for("CEB622", -621004) is S.REJECTED
    assert status_for("CEB900", -1) is S.REJECTED
    assert status_for("CEB900", 0) is None
    assert status_for("CEB622", 42) is None


def _replay(returns: list[tuple[int, str]]) -> S:
    status, last_t, last_c = S.SENT, None, None
    for code, t in returns:
        d = decide(status, last_t, last_c, "CEB622", code, t)
        if d.apply:
            assert d.status is not None
            status, last_t, last_c = d.status, t, code
    return status


def test_any_arrival_order_ends_released() -> None:
    seq = [(2, "20261125100000001"), (120, "20261125100000002"), (399, "20261125100000003"),
           (800, "20261125100000004")]
    for perm in itertools.permutations(seq + seq[:2]):
        assert _replay(list(perm)) is S.RELEASED


def test_late_earlier_receipt_does_not_move_back() -> None:
    d = decide(S.REVIEW, "20261125100000003", 399, "CEB622", 120, "20261125100000002")
    assert not d.apply and d.reason == "older"
    d = decide(S.ACCEPTED, "20261125100000003", 120, "CEB622", 2, "20261125100000009")
    assert not d.apply and d.reason == "backwards"


def test_rejection_after_acceptance_applies_but_not_after_release() -> None:
    assert decide(S.ACCEPTED, "1", 120, "CEB622", 100, "2").apply
    assert decide(S.INSPECTION, "1", 500, "CEB622", 100, "2").apply
    d = decide(S.RELEASED, "1", 800, "CEB622", 100, "2")
    assert not d.apply and d.reason == "final"


def test_receipt_for_unsent_declaration_is_history_only() -> None:
    assert decide(S.READY, None, None, "CEB622", 2, "1").reason == "not_sent"


def test_causes_group_by_code_and_normalised_text() -> None:
    a = cause_of("CEB622", "-621018", "购买人已用额度为[25,000.00],本次购买将超过年度限额")
    b = cause_of("CEB622", "-621018", "购买人已用额度为[3.00],本次购买将超过年度限额")
    assert a.key == b.key == "-621018"
    assert a.explanation is not None and "26,000" in a.explanation.msgid
    c = cause_of("CEB622", "100", "海关退单[申报要素不全 123]")
    d = cause_of("CEB622", "100", "海关退单[其它]")
    assert c.key == d.key
    assert normalise_info("超过限额 3210.50 元") == "超过限额 # 元"
    e = cause_of("CEB900", "-1", "清单报文校验失败: x")
    assert e.explanation is not None
