"""Planning receipts: once only, in customs' order, never backwards, numbers kept."""

from __future__ import annotations

from app.domain.status import DeclarationStatus as S
from app.submission.receipt_plan import Target, plan_returns
from app.submission.receipts import ReceiptReturn


def r(cop: str, code: str, t: str, **kw: str) -> ReceiptReturn:
    return ReceiptReturn(kind="CEB622", guid="G" * 36, copNo=cop, returnStatus=code,
                         returnTime=f"20261125{t:0>9}", returnInfo=f"info {code}", **kw)


def resolver(targets: dict[str, Target]):  # type: ignore[no-untyped-def]
    return lambda ret: [targets[ret.copNo]] if ret.copNo in targets else []


def test_out_of_order_duplicates_and_unmatched() -> None:
    targets = {"C1": Target(1, S.SENT), "C2": Target(2, S.SENT)}
    returns = [
        r("C1", "399", "3"), r("C1", "2", "1", preNo="B20261125000000001"),
        r("C1", "120", "2", invtNo="224420261I00000001"), r("C1", "399", "3"),
        r("C2", "100", "1"), r("C9", "2", "1"),
    ]
    seen: set[str] = set()
    plan = plan_returns(returns, resolver(targets), seen)
    assert plan.new_status == {1: S.REVIEW, 2: S.REJECTED}
    c1 = plan.changed[1]
    assert (c1.preNo, c1.invtNo, c1.last_code) == ("B20261125000000001", "224420261I00000001", 399)
    assert plan.count("duplicate") == 1 and plan.count("unmatched") == 1
    assert plan.count("applied") == 4
    # the same file again: nothing applies twice
    again = plan_returns(returns, resolver(targets), seen)
    assert again.count("duplicate") == len(returns) and again.changed == {}


def test_late_receipt_after_later_run_is_history_only() -> None:
    t = Target(1, S.RELEASED, last_time="20261125000000009", last_code=800)
    plan = plan_returns([r("C1", "120", "2")], lambda _r: [t], set())
    (o,) = plan.outcomes
    assert not o.applied and o.reason == "older" and o.declaration_id == 1
    assert plan.new_status == {}
