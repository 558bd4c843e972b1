"""Run the pre-check over stored declarations: the one entry point other areas call.

`check_declarations()` is used on import, on save, on demand (CLI/GUI) and before a batch is
created. Per chunk of records it runs the rules, replaces the stored problems (keeping warning
acknowledgements), stores counts, goods value and tax estimate, and moves statuses only through
the state machine — with an audit event for each status change. Cross-record facts come from
set-based SQL gathered once per run. The caller owns the transaction.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import BigInteger, Table, bindparam, delete, func, insert, select, update
from sqlalchemy.orm import Session

from app.db.driversql import bind_value, executemany
from app.db.models import Declaration, DeclarationItem, Problem
from app.db.types import utcnow
from app.domain.clock import beijing_today
from app.domain.state_machine import DeclState, Event, EventKind, apply
from app.domain.status import EDITABLE_STATUSES, DeclarationStatus
from app.i18n import Message
from app.jobs.base import CancelToken, Progress, cyclic_gc_paused, no_progress
from app.precheck.facts import gather_facts
from app.precheck.messages import params_to_json
from app.precheck.records import IN_CHUNK, iter_record_chunks
from app.reference.store import reference_from_db
from app.reference.tables import ReferenceTables
from app.rules.coderules import derive_legal_quantities
from app.rules.context import CheckContext, shipped_restricted_terms
from app.rules.engine import CheckResult, check_records
from app.rules.money import goods_value
from app.rules.problem import Problem as RuleProblem
from app.rules.problem import Severity
from app.security.audit import AuditRecord, append_events
from app.security.context import Actor, Permission, require

D = Declaration
EDITABLE = frozenset(s.value for s in EDITABLE_STATUSES)
AckKey = tuple[int, str, str, int | None]


@dataclass(frozen=True)
class ReportedProblem:
    """One problem for the CLI/GUI summary of a run."""

    declaration_id: int
    orderNo: str | None
    logisticsNo: str | None
    field: str
    gnum: int | None
    code: str
    severity: str
    message: Message


@dataclass(frozen=True)
class CheckSummary:
    checked: int
    passed: int  # no errors (status ready where the status is still local)
    failed: int
    status_changes: int
    problems: tuple[ReportedProblem, ...] = field(default_factory=tuple)


def check_declarations(
    session: Session,
    actor: Actor,
    ids: Sequence[int] | None = None,
    *,
    ref: ReferenceTables | None = None,
    today: date | None = None,
    progress: Progress = no_progress,
    cancel: CancelToken | None = None,
    report: bool = True,
) -> CheckSummary:
    """Pre-check the declarations `ids` (all when None) and store the results.

    `report=False` skips collecting the problem list (bulk runs that only need counts).
    Raises PermissionDeniedError without the CHECK permission; Cancelled when cancelled.
    """
    require(actor, Permission.CHECK)
    if ids is not None and not ids:
        return CheckSummary(0, 0, 0, 0)
    ctx = CheckContext(ref=ref or reference_from_db(session), today=today or beijing_today(),
                       restricted=shipped_restricted_terms(),
                       facts=gather_facts(session, ids))
    total = len(set(ids)) if ids is not None else int(
        session.execute(select(func.count()).select_from(D)).scalar_one())
    now = utcnow()
    checked = passed = changes = 0
    moves: dict[tuple[str, bool], Move] = {}
    reported: list[ReportedProblem] = []
    # Records, their Decimals and problems hold no cycles, but allocating them set off
    # hundreds of collections that scanned them all (about 8 % of a run).
    with cyclic_gc_paused():
        for records in iter_record_chunks(session, ids):
            if cancel is not None:
                cancel.raise_if_cancelled()
            _fill_legal_quantities(session, records, ctx.ref)
            results = list(zip(records, check_records(records, ctx), strict=True))
            changes += _store_chunk(session, actor, results, now, ctx.ref.hs_edition,
                                    contiguous=ids is None,
                                    moves_cache=moves)
            checked += len(results)
            passed += sum(1 for _, res in results if res.passed)
            if report:
                reported.extend(_report(results))
            progress(checked, total, "")
    return CheckSummary(checked, passed, checked - passed, changes, tuple(reported))


_IT: Table = DeclarationItem.__table__  # type: ignore[assignment]
_FILL = (  # only ever fills empty legal units/quantities, never overwrites
    update(_IT)
    .where(_IT.c.declaration_id == bindparam("b_decl"), _IT.c.gnum == bindparam("b_gnum"))
    .values(unit1=func.coalesce(_IT.c.unit1, bindparam("b_unit1")),
            qty1=func.coalesce(_IT.c.qty1, bindparam("b_qty1", type_=BigInteger)),
            unit2=func.coalesce(_IT.c.unit2, bindparam("b_unit2")),
            qty2=func.coalesce(_IT.c.qty2, bindparam("b_qty2", type_=BigInteger)))
)


def _fill_legal_quantities(session: Session, records: list[dict[str, Any]],
                           ref: ReferenceTables) -> None:
    """Derive empty unit1/qty1 (and unit2/qty2) from the HS code where unambiguous (legal unit
    = trade unit, or kg on a one-item parcel), in the records and in the database."""
    rows = []
    for record in records:
        if record["status"] not in EDITABLE:
            continue
        for index, fill in derive_legal_quantities(record, ref).items():
            item = record["items"][index]
            item.update(fill)
            rows.append({"b_decl": record["id"], "b_gnum": item["gnum"],
                         "b_unit1": fill.get("unit1"), "b_qty1": _scaled(fill.get("qty1")),
                         "b_unit2": fill.get("unit2"), "b_qty2": _scaled(fill.get("qty2"))})
    if rows:
        session.connection().execute(_FILL, rows)


def _report(results: list[tuple[dict[str, Any], CheckResult]]) -> list[ReportedProblem]:
    return [ReportedProblem(r["id"], r.get("orderNo"), r.get("logisticsNo"), p.field, p.gnum,
                            p.code.value, p.severity.value, p.message)
            for r, res in results for p in res.problems]


def _acks(session: Session, in_chunk: Any) -> dict[AckKey, tuple[Any, Any, Any]]:
    rows = session.execute(
        select(Problem.declaration_id, Problem.code, Problem.field, Problem.gnum,
               Problem.acknowledged_by, Problem.acknowledged_at, Problem.acknowledge_reason)
        .where(in_chunk, Problem.acknowledged_at.is_not(None)))
    return {(r[0], r[1], r[2], r[3]): (r[4], r[5], r[6]) for r in rows}


def _problem_row(decl_id: int, p: RuleProblem,
                 acks: dict[AckKey, tuple[Any, Any, Any]]) -> dict[str, Any]:
    ack = acks.get((decl_id, p.code.value, p.field, p.gnum)) if p.severity is Severity.WARNING \
        else None
    return {"declaration_id": decl_id, "gnum": p.gnum, "field": p.field, "code": p.code.value,
            "severity": p.severity.value, "msgid": p.message.msgid,
            "params": params_to_json(p.message.params),
            "acknowledged_by": ack[0] if ack else None, "acknowledged_at": ack[1] if ack else None,
            "acknowledge_reason": ack[2] if ack else None}


_DT: Table = Declaration.__table__  # type: ignore[assignment]
_PT: Table = Problem.__table__  # type: ignore[assignment]
# Core statements, no ORM version bump: checking is not editing; `updated_at` is set to
# itself so the column's on-update default leaves the last edit time alone.
_RESULTS = (  # per declaration, sent straight to the driver (see driversql)
    update(_DT).where(_DT.c.id == bindparam("b_id"))
    .values(error_count=bindparam("b_errors"), warning_count=bindparam("b_warnings"),
            checked_at=bindparam("b_checked"),
            # Scaled integers straight to the BIGINT columns (see _scaled): no per-row
            # Decimal5 conversion on 100k rows.
            tax_estimate=bindparam("b_tax", type_=BigInteger),
            goods_total=bindparam("b_goods", type_=BigInteger),
            updated_at=_DT.c.updated_at)
)
_KEEP_UPDATED = {"updated_at": _DT.c.updated_at}
Move = tuple[DeclarationStatus, DeclarationStatus]


def _after(before: str, passed: bool, cache: dict[tuple[str, bool], Move]) -> Move:
    """(before, after) status for a check result, through the state machine; the machine is
    pure, so each (status, result) pair is decided once per run."""
    move = cache.get((before, passed))
    if move is None:
        status = DeclarationStatus(before)
        event = EventKind.CHECK_PASSED if passed else EventKind.CHECK_FAILED
        move = (status, apply(DeclState(0, status), Event(event)).after.status)
        cache[(before, passed)] = move
    return move


def _store_chunk(session: Session, actor: Actor,
                 results: list[tuple[dict[str, Any], CheckResult]], now: datetime,
                 hs_edition: str, *,
                 contiguous: bool, moves_cache: dict[tuple[str, bool], Move]) -> int:
    ids = [r["id"] for r, _ in results]
    # A chunk of "all" is every id from its first to its last: BETWEEN avoids compiling a
    # 2,000-parameter IN list for each statement.
    def in_chunk(column: Any) -> Any:
        return column.between(ids[0], ids[-1]) if contiguous else column.in_(ids)

    acks = _acks(session, in_chunk(_PT.c.declaration_id))
    session.execute(delete(_PT).where(in_chunk(_PT.c.declaration_id)))
    rows = [_problem_row(r["id"], p, acks) for r, res in results for p in res.problems]
    if rows:
        session.execute(insert(_PT), rows)
    updates: list[dict[str, Any]] = []
    moved: dict[Move, list[int]] = defaultdict(list)
    audit: list[AuditRecord] = []
    error = Severity.ERROR
    for record, result in results:
        decl_id = record["id"]
        errors = open_warnings = 0
        for p in result.problems:
            if p.severity is error:
                errors += 1
            elif not acks or (decl_id, p.code.value, p.field, p.gnum) not in acks:
                open_warnings += 1
        move = _after(record["status"], not errors, moves_cache)
        # An estimate missing an item's rates is not stored: no figure beats a wrong one.
        tax = result.tax.total if result.tax is not None and result.tax.complete else None
        updates.append({"b_id": decl_id, "b_errors": errors, "b_warnings": open_warnings,
                        "b_tax": _scaled(tax), "b_goods": _scaled(goods_value(record))})
        before, after = move
        if after is not before:
            moved[move].append(decl_id)
            audit.append(AuditRecord("declaration.status", "declaration", str(decl_id),
                                     decl_id, {"from": before.value, "to": after.value,
                                               "by": "precheck", "hsEdition": hs_edition}))
    conn = session.connection()
    # The driver gets no type processing: convert the shared timestamp once, as the
    # column's type would for this dialect.
    checked = bind_value(conn, _DT.c.checked_at, now)
    for row in updates:
        row["b_checked"] = checked
    executemany(conn, _RESULTS, updates)
    # Status changes grouped by move: one UPDATE per (from, to) and id slice, not per row
    # (and the status index is only touched where the status really changes).
    for (before, after), moved_ids in moved.items():
        for start in range(0, len(moved_ids), IN_CHUNK):
            conn.execute(update(_DT)
                         .where(_DT.c.id.in_(moved_ids[start:start + IN_CHUNK]),
                                _DT.c.status == before.value)
                         .values(status=after.value, **_KEEP_UPDATED))
    append_events(session, actor, audit, at=now)
    return len(audit)


def _scaled(value: Decimal | None) -> int | None:
    """Decimal (at most 5 places: sums of stored amounts, tax rounded to the fen) → the
    Decimal5 column's integer count of 1e-5 units."""
    return None if value is None else int(value.scaleb(5))
