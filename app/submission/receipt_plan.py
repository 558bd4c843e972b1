"""Decide what a set of receipt returns does to declarations (pure; the service persists it).

Returns are applied in customs' order (returnTime), not file order. Each return is applied at
most once (its content key), is matched to declarations by copNo (CEB622/604) or by the
message guid / echoed copNos (CEB900), and moves a declaration only forward
(app.submission.status_map). Every return is kept as history whatever the decision.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace

from app.domain.state_machine import REQUEST_RECEIPTS
from app.domain.status import DeclarationStatus
from app.submission.receipts import ReceiptReturn
from app.submission.status_map import decide


@dataclass(frozen=True)
class Target:
    """What we know of a declaration when a return arrives."""

    declaration_id: int
    status: DeclarationStatus
    last_time: str | None = None
    last_code: int | None = None
    preNo: str | None = None
    invtNo: str | None = None
    last_info: str | None = None
    previous: DeclarationStatus | None = None  # before an open cancellation/return request


@dataclass(frozen=True)
class Outcome:
    ret: ReceiptReturn
    declaration_id: int | None
    applied: bool
    reason: str  # applied|older|backwards|final|not_sent|no_status|duplicate|unmatched
    status: DeclarationStatus | None = None  # the status it moved the declaration to
    kind: str = ""  # what the return was taken as (a CEB900 about a request: CEB624/CEB626)


@dataclass
class Plan:
    outcomes: list[Outcome] = field(default_factory=list)
    # final state of every declaration a return touched (status/last_*/preNo/invtNo)
    changed: dict[int, Target] = field(default_factory=dict)
    new_status: dict[int, DeclarationStatus] = field(default_factory=dict)

    def count(self, reason: str) -> int:
        return sum(1 for o in self.outcomes if o.reason == reason)


Resolver = Callable[[ReceiptReturn], Sequence[Target]]


def first_seen(ordered: Iterable[ReceiptReturn], seen_keys: set[str],
               outcomes: list[Outcome]) -> Iterator[ReceiptReturn]:
    """The returns of `ordered` whose content is new: each is added to `seen_keys`; a repeat
    (in this run or stored before) is recorded in `outcomes` as "duplicate" and skipped."""
    for ret in ordered:
        if ret.content_key in seen_keys:
            outcomes.append(Outcome(ret, None, False, "duplicate", kind=ret.kind))
            continue
        seen_keys.add(ret.content_key)
        yield ret


def plan_returns(returns: Iterable[ReceiptReturn], resolve: Resolver,
                 seen_keys: set[str]) -> Plan:
    """Work out the effect of `returns`.

    `resolve(ret)` gives the declarations a return is about (current state);
    `seen_keys` holds content keys already stored; it is extended with the new ones.
    """
    plan = Plan()
    ordered = sorted(returns, key=lambda r: r.sort_key())
    for ret in first_seen(ordered, seen_keys, plan.outcomes):
        targets = [plan.changed.get(t.declaration_id, t) for t in resolve(ret)]
        if not targets:
            plan.outcomes.append(Outcome(ret, None, False, "unmatched"))
            continue
        for target in targets:
            updated = _with_numbers(target, ret)
            kind = _as_kind(ret.kind, target.status)
            d = decide(target.status, target.last_time, target.last_code, kind,
                       ret.status_code, ret.returnTime, target.previous)
            if d.apply and d.status is not None:
                updated = replace(updated, status=d.status, last_time=ret.returnTime,
                                  last_code=ret.status_code)
                plan.new_status[target.declaration_id] = d.status
            if updated != target:
                plan.changed[target.declaration_id] = updated
            plan.outcomes.append(Outcome(ret, target.declaration_id, d.apply, d.reason,
                                         d.status if d.apply else None, kind))
    return plan


def _as_kind(kind: str, status: DeclarationStatus) -> str:
    # A format-check failure (CEB900) for a declaration waiting on a cancellation or return
    # is about that request, not about the inventory customs accepted long ago: it refuses
    # the request.
    if kind == "CEB900":
        for receipt_kind, (requested, _done) in REQUEST_RECEIPTS.items():
            if status is requested:
                return receipt_kind
    return kind


def _with_numbers(target: Target, ret: ReceiptReturn) -> Target:
    # preNo / invtNo are stored as soon as customs gives them, whatever the status decision.
    pre = ret.preNo or target.preNo
    invt = ret.invtNo or target.invtNo
    if pre == target.preNo and invt == target.invtNo:
        return target
    return replace(target, preNo=pre, invtNo=invt)
