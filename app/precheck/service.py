"""Run the pre-check over stored declarations: the one entry point other areas call.

`check_declarations()` is used on import, on save, on demand (CLI/GUI) and before a batch is
created. Per chunk of records it runs the rules, replaces the stored problems (keeping warning
acknowledgements), stores counts, goods value and tax estimate, and moves statuses only through
the state machine — with an audit event for each status change. Cross-record facts come from
set-based SQL gathered once per run. The caller owns the transaction.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from decimal import Decimal
from itertools import repeat
from operator import is_not
from typing import Any, NamedTuple, Protocol

from sqlalchemy import (
    BigInteger,
    Table,
    bindparam,
    delete,
    func,
    insert,
    select,
    type_coerce,
    update,
)
from sqlalchemy.orm import Session

from app.db.driversql import DriverStatement, bind_value, binder, executemany
from app.db.models import Declaration, DeclarationItem, Problem
from app.db.types import utcnow
from app.domain.clock import beijing_today
from app.domain.state_machine import DeclState, Event, EventKind, apply
from app.domain.status import EDITABLE_STATUSES, DeclarationStatus
from app.i18n import Message
from app.jobs.base import CancelToken, Progress, cyclic_gc_paused, no_progress
from app.precheck.built import BuiltDeclarations
from app.precheck.facts import gather_facts
from app.precheck.fingerprint import (
    day_text,
    fingerprint,
    reference_version,
    revision_token,
    run_key,
    today_token,
)
from app.precheck.messages import params_to_json, revive
from app.precheck.plan import plan_checks
from app.precheck.pool import workers_for_run
from app.precheck.records import (
    HEAD_NAMES,
    IN_CHUNK,
    build_records,
    iter_record_chunks,
)
from app.reference.cache import kept_reference
from app.reference.inforce import EditionKey, EditionsInForce, day_of
from app.reference.tables import ReferenceTables
from app.rules.coderules import derive_legal_fills
from app.rules.context import CheckContext, shipped_restricted_terms
from app.rules.engine import CheckResult, check_records
from app.rules.money import goods_value
from app.rules.problem import Problem as RuleProblem
from app.rules.problem import Severity
from app.security.audit import AuditRecord, append_events
from app.security.context import Actor, Permission, require
from app.station.weighing import WEIGHT_PROBLEM

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
    skipped: int = 0  # unchanged since their last check: stored results stand
    # Legal quantities filled by this run, by method (app.intake.legal_qty.METHODS).
    derived: Mapping[str, int] = field(default_factory=dict)
    workers: int = 0  # worker processes the rules ran on (0: in this process)


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
    force: bool = False,
) -> CheckSummary:
    """Pre-check the declarations `ids` (all when None) and store the results.

    Each declaration is checked against the tariff and positive-list editions in force on its
    declaration date (app.reference.inforce; `ref` given: that for all), and the result names
    them. A declaration whose fingerprint (content, status, cross-record facts, the reference
    tables in force for it, settings, rule set, what "today" means to it) equals the stored
    one is skipped: its stored
    result stands (`force=True` checks every one again). A declaration checked again whose
    result is what is stored gets only its new fingerprint: no problems rewritten, no audit.
    `report=False` skips collecting the problem list (bulk runs that only need counts).
    Raises PermissionDeniedError without the CHECK permission; Cancelled when cancelled.
    """
    require(actor, Permission.CHECK)
    if ids is not None and not ids:
        return CheckSummary(0, 0, 0, 0)
    contexts = _Contexts(session, ref, CheckContext(
        ref=ref or _EMPTY_REF, today=today or beijing_today(),
        restricted=shipped_restricted_terms(), facts=gather_facts(session, ids)))
    plan = plan_checks(session, ids, contexts, force)
    total, to_check = plan.total, plan.to_check
    workers = workers_for_run(session, total - len(plan.skipped))  # only those to check
    if workers:
        from app.precheck.parallel import check_on_workers

        return check_on_workers(session, actor, plan, workers, contexts.default.facts,
                                ref=ref, today=contexts.today, progress=progress,
                                cancel=cancel, report=report)
    now = utcnow()
    checked = passed = changes = 0
    moves: dict[tuple[str, bool], Move] = {}
    reported: list[ReportedProblem] = []
    sorter = _Sorter(contexts)
    derived: dict[str, int] = {}  # legal quantities filled, by method

    def finish(records: list[dict[str, Any]], checks: list[CheckResult], filled: set[int],
               ref: ReferenceTables, split: bool) -> None:
        nonlocal checked, passed, changes
        results = list(zip(records, checks, strict=True))
        # A chunk of "all" (nor split by edition) is every id from its first to its last.
        whole = to_check is None and not split
        step = len(results) if whole else IN_CHUNK
        for start in range(0, len(results), step):
            changes += _store_chunk(session, actor, results[start:start + step], now,
                                    (ref.hs_edition, ref.list_edition), contiguous=whole,
                                    moves_cache=moves, sorter=sorter, filled=filled)
        sorter.forget(r["id"] for r in records)
        checked += len(results)
        passed += sum(1 for _, res in results if res.passed)
        if report:
            reported.extend(_report(results))
        progress(checked, total, "")

    if plan.skipped:  # their stored results stand: counted and reported, nothing read
        checked += len(plan.skipped)
        passed += sum(1 for errors in plan.skipped.values() if not errors)
        if report:
            reported.extend(_stored_report(session, plan.skipped))
        progress(checked, total, "")
    # Records, their Decimals and problems hold no cycles, but allocating them set off
    # hundreds of collections that scanned them all (about 8 % of a run).
    with cyclic_gc_paused():
        for records in (iter_record_chunks(session, to_check, extra=_EXTRA, keep=sorter.keep)
                        if to_check is None or to_check else ()):
            if cancel is not None:
                cancel.raise_if_cancelled()
            groups = sorter.by_edition(records)
            split = len(groups) > 1
            for key, part in groups:
                part_ctx = contexts.get(key)
                filled = _fill_legal_quantities(session, part, part_ctx.ref, derived)
                finish(part, check_records(part, part_ctx), filled, part_ctx.ref, split)
    if report:
        reported.sort(key=lambda p: p.declaration_id)
    return CheckSummary(checked, passed, checked - passed, changes, tuple(reported),
                        skipped=len(plan.skipped), derived=derived)


# Past this many declarations, the facts of an import's declarations are gathered for the
# whole table at once: per chunk of ids, the annual totals look at every repeat buyer of the
# table again (a 62k-declaration import: 5.5 s of facts against 0.4 s for the whole table).
WHOLE_TABLE_FACTS = 4 * IN_CHUNK


def check_built(session: Session, actor: Actor, ids: Sequence[int], built: BuiltDeclarations,
                *, today: date | None = None, progress: Progress = no_progress,
                cancel: CancelToken | None = None, report: bool = True) -> CheckSummary:
    """Pre-check the declarations `ids` just written in this transaction — those `built`
    holds from the rows as written, without reading them back — and store the results: the
    same problems, counts, tax, statuses, fingerprints and audit as `check_declarations(ids)`
    (which checks the rest of `ids`). Cross-record facts come from the database, which holds
    the new rows already. Raises PermissionDeniedError without the CHECK permission;
    Cancelled when cancelled."""
    require(actor, Permission.CHECK)
    wanted = sorted(set(ids))
    kept, rest = built.split(wanted)
    if not kept:
        return check_declarations(session, actor, rest, today=today, progress=progress,
                                  cancel=cancel, report=report)
    contexts = _Contexts(session, None, CheckContext(
        ref=_EMPTY_REF, today=today or beijing_today(), restricted=shipped_restricted_terms(),
        facts=gather_facts(session, None if len(kept) > WHOLE_TABLE_FACTS else kept)))
    sorter = _Sorter(contexts)
    now = utcnow()
    checked = passed = changes = 0
    moves: dict[tuple[str, bool], Move] = {}
    reported: list[ReportedProblem] = []
    derived: dict[str, int] = {}
    with cyclic_gc_paused():
        for part, rows in built.chunks(kept, IN_CHUNK * 4):
            if cancel is not None:
                cancel.raise_if_cancelled()
            if rows is None:  # values the database stores differently: read back
                rest.extend(part)
                continue
            records = build_records(*rows, keep=sorter.keep)
            for key, group in sorter.by_edition(records) if records else ():
                ctx = contexts.get(key)
                filled = _fill_legal_quantities(session, group, ctx.ref, derived)
                results = list(zip(group, check_records(group, ctx), strict=True))
                for start in range(0, len(results), IN_CHUNK):
                    changes += _store_chunk(session, actor, results[start:start + IN_CHUNK],
                                            now, (ctx.ref.hs_edition, ctx.ref.list_edition),
                                            contiguous=False, moves_cache=moves, sorter=sorter,
                                            filled=filled, fresh=True)
                sorter.forget(r["id"] for r in group)
                checked += len(results)
                passed += sum(1 for _, res in results if res.passed)
                if report:
                    reported.extend(_report(results))
            progress(checked, len(wanted), "")
    summary = CheckSummary(checked, passed, checked - passed, changes, tuple(reported),
                           derived=derived)
    if rest:
        first = checked

        def more(done: int, total: int, message: str = "") -> None:
            progress(first + done, len(wanted), message)

        other = check_declarations(session, actor, sorted(rest), today=today, progress=more,
                                   cancel=cancel, report=report)
        summary = CheckSummary(
            checked + other.checked, passed + other.passed, summary.failed + other.failed,
            changes + other.status_changes,
            tuple(sorted((*reported, *other.problems), key=lambda p: p.declaration_id)),
            skipped=other.skipped,
            derived={k: derived.get(k, 0) + other.derived.get(k, 0)
                     for k in {*derived, *other.derived}})
    elif report:
        summary = replace(summary, problems=tuple(sorted(
            reported, key=lambda p: p.declaration_id)))
    return summary


# Read with each head row, after the record's own columns: what the last check stored, and
# the content revision read with the content (the fingerprint stored names it).
_EXTRA = (D.content_rev, D.checked_at, D.error_count, D.warning_count,
          type_coerce(D.tax_estimate, BigInteger), type_coerce(D.goods_total, BigInteger))
_N = len(HEAD_NAMES)


class _Stored(NamedTuple):
    """What the last check stored for a declaration being checked again."""

    checked: bool
    errors: int
    warnings: int
    tax: int | None
    goods: int | None


_EMPTY_REF = ReferenceTables({}, {})  # stands in until the editions in force are known
_DECL_TIME = HEAD_NAMES.index("declTime")


class _Contexts:
    """The CheckContext (reference tables in force) and run key per edition key; a run
    given its own `ref` uses that for every declaration."""

    def __init__(self, session: Session, ref: ReferenceTables | None,
                 template: CheckContext) -> None:
        self._session, self._template = session, template
        # The tables as stored, kept between runs while the reference token is the same.
        kept = kept_reference(session) if ref is None else None
        self._stored: ReferenceTables = kept.stored if kept is not None \
            else ref or _EMPTY_REF
        self._editions = None if kept is None else EditionsInForce(
            session, self.stored, tables=kept.tables)
        self._versions: dict[EditionKey | None, bytes] = {} if kept is None else kept.versions
        self._contexts: dict[EditionKey | None, CheckContext] = {}
        self._keys: dict[EditionKey | None, bytes] = {}
        self.today = template.today
        self.default_key = self.key_of(None)
        self.default = self.get(self.default_key)

    def stored(self) -> ReferenceTables:
        return self._stored

    def key_of(self, decl_time: object) -> EditionKey | None:
        if self._editions is None:
            return None
        return self._editions.key_for(day_of(decl_time, self.today))

    def get(self, key: EditionKey | None) -> CheckContext:
        found = self._contexts.get(key)
        if found is None:
            ref = self.stored() if self._editions is None or key is None \
                else self._editions.tables(key)
            found = self._contexts[key] = replace(self._template, ref=ref)
        return found

    def run_key(self, key: EditionKey | None) -> bytes:
        found = self._keys.get(key)
        if found is None:
            ctx = self.get(key)
            version = self._versions.get(key)
            if version is None:
                version = self._versions[key] = reference_version(ctx.ref)
            found = self._keys[key] = run_key(self._session, ctx, version)
        return found


class _EditionKeys(dict[Any, "EditionKey | None"]):
    """Declaration time → the key of the editions in force then, each distinct value
    worked out once (a run's declarations share a few hundred days)."""

    def __init__(self, contexts: _Contexts) -> None:
        super().__init__()
        self._contexts = contexts

    def __missing__(self, decl_time: Any) -> EditionKey | None:
        key = self[decl_time] = self._contexts.key_of(decl_time)
        return key


class _Sorter:
    """Keeps, for each declaration being checked, what its last check stored and the content
    revision read with it, and makes the fingerprints stored with new results."""

    def __init__(self, contexts: _Contexts) -> None:
        self.contexts = contexts
        self.ctx = contexts.default
        self.today = day_text(contexts.today)
        self.edition: dict[int, EditionKey | None] = {}  # id → the editions in force for it
        self.content: dict[int, int] = {}  # id → the content revision read with it
        self.stored: dict[int, _Stored] = {}
        self._key_by_time = _EditionKeys(contexts)

    def keep(self, columns: list[Sequence[Any]]) -> None:
        """Note what each declaration of a chunk had stored (`records.Keep`): column by
        column, no Python loop per row."""
        ids = columns[0]
        times = map(self._key_by_time.__getitem__, columns[_DECL_TIME])
        self.edition.update(zip(ids, times, strict=True))
        self.content.update(zip(ids, columns[_N], strict=True))  # the content revision
        checked = map(is_not, columns[_N + 1], repeat(None))
        self.stored.update(zip(ids, map(_Stored._make, zip(
            checked, *columns[_N + 2:_N + 6], strict=True)), strict=True))

    def by_edition(self, records: list[dict[str, Any]]
                   ) -> list[tuple[EditionKey | None, list[dict[str, Any]]]]:
        """The chunk's records grouped by the editions in force for them (in id order within
        a group; nearly always one group)."""
        groups: dict[EditionKey | None, list[dict[str, Any]]] = {}
        for record in records:
            groups.setdefault(self.edition[record["id"]], []).append(record)
        return list(groups.items()) or [(self.contexts.default_key, [])]

    def forget(self, ids: Iterable[int]) -> None:
        """Drop what was kept for declarations now stored."""
        for decl_id in ids:
            self.content.pop(decl_id, None)
            self.stored.pop(decl_id, None)
            self.edition.pop(decl_id, None)

    def fingerprint(self, record: dict[str, Any], status: str) -> str:
        decl_id = record["id"]
        return fingerprint(self.contexts.run_key(self.edition[decl_id]),
                           revision_token(self.content[decl_id]), status,
                           self.ctx.facts.get(decl_id),
                           today_token(record.get("buyerIdNumber"), self.today))


def _stored_report(session: Session, skipped: dict[int, int]) -> list[ReportedProblem]:
    """The stored problems of skipped declarations, for the run's report."""
    if not skipped:
        return []
    found: list[ReportedProblem] = []
    wanted = sorted(skipped)
    for start in range(0, len(wanted), IN_CHUNK):
        part = wanted[start:start + IN_CHUNK]
        rows = session.execute(
            select(D.id, D.orderNo, D.logisticsNo, Problem.field, Problem.gnum, Problem.code,
                   Problem.severity, Problem.msgid, Problem.params)
            .join(Problem, Problem.declaration_id == D.id).where(D.id.in_(part))
            .order_by(D.id, Problem.id))
        found.extend(ReportedProblem(r[0], r[1], r[2], r[3], r[4], r[5], r[6],
                                     revive(r[7], r[8])) for r in rows)
    return found


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
                           ref: ReferenceTables, derived: dict[str, int]) -> set[int]:
    """Derive empty unit1/qty1 (and unit2/qty2) where unambiguous (see app.intake.legal_qty:
    legal unit = trade unit, kg on a one-item parcel, a size in the model text), in the
    records and in the database, counting each quantity filled in `derived` by method.
    Returns the ids of the declarations filled (their stored content is no longer what was
    read)."""
    rows, filled = derive_fill_rows(records, ref, derived)
    executemany(session.connection(), _FILL, rows)  # plain values: straight to the driver
    return filled


def derive_fill_rows(records: list[dict[str, Any]], ref: ReferenceTables,
                     derived: dict[str, int]) -> tuple[list[dict[str, Any]], set[int]]:
    """The legal quantities `_fill_legal_quantities` fills, in the records: (rows for
    _FILL, ids of the declarations filled)."""
    rows = []
    filled: set[int] = set()
    for record in records:
        if record["status"] not in EDITABLE:
            continue
        for index, legal in derive_legal_fills(record, ref).items():
            fill = legal.values
            for method in legal.how.values():
                derived[method] = derived.get(method, 0) + 1
            item = record["items"][index]
            item.update(fill)
            filled.add(record["id"])
            rows.append({"b_decl": record["id"], "b_gnum": item["gnum"],
                         "b_unit1": fill.get("unit1"), "b_qty1": _scaled(fill.get("qty1")),
                         "b_unit2": fill.get("unit2"), "b_qty2": _scaled(fill.get("qty2"))})
    return rows, filled


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


_DT: Table = Declaration.__table__  # type: ignore[assignment]
_PT: Table = Problem.__table__  # type: ignore[assignment]
# Problems no rule owns, which a re-check keeps: a parcel held for its measured weight stays
# visible (and counted) until a supervisor decides, whatever the rules find meanwhile.
KEPT_CODES = (WEIGHT_PROBLEM,)
_RULE_OWNED = _PT.c.code.notin_(KEPT_CODES)
# Core statements, no ORM version bump: checking is not editing; `updated_at` is set to
# itself so the column's on-update default leaves the last edit time alone. Sent straight
# to the driver as tuples of the bind names' values, in the order listed (see driversql).
_RESULTS = DriverStatement(
    update(_DT).where(_DT.c.id == bindparam("b_id"))
    .values(error_count=bindparam("b_errors"), warning_count=bindparam("b_warnings"),
            checked_at=bindparam("b_checked"),
            # Scaled integers straight to the BIGINT columns (see _scaled): no per-row
            # Decimal5 conversion on 100k rows.
            tax_estimate=bindparam("b_tax", type_=BigInteger),
            goods_total=bindparam("b_goods", type_=BigInteger),
            check_fingerprint=bindparam("b_fp"),
            check_hs_edition=bindparam("b_hs_edition"),
            check_list_edition=bindparam("b_list_edition"),
            updated_at=_DT.c.updated_at),
    ("b_id", "b_errors", "b_warnings", "b_checked", "b_tax", "b_goods", "b_fp",
     "b_hs_edition", "b_list_edition"))
_FINGERPRINT = DriverStatement(  # the result as stored, now also from these editions
    update(_DT).where(_DT.c.id == bindparam("b_id"))
    .values(check_fingerprint=bindparam("b_fp"), check_hs_edition=bindparam("b_hs_edition"),
            check_list_edition=bindparam("b_list_edition"), updated_at=_DT.c.updated_at),
    ("b_id", "b_fp", "b_hs_edition", "b_list_edition"))
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
                 editions: tuple[str, str | None], *,
                 contiguous: bool, moves_cache: dict[tuple[str, bool], Move],
                 sorter: Fingerprints, filled: set[int], fresh: bool = False) -> int:
    """Store a chunk's results (see the module doc); returns the number of status changes.
    `fresh`: the declarations were inserted in this transaction (an import's), so none has
    a stored problem to keep, acknowledge or replace."""
    ids = [r["id"] for r, _ in results]
    # A chunk of "all" is every id from its first to its last: BETWEEN avoids compiling a
    # 2,000-parameter IN list for each statement.
    def in_chunk(column: Any) -> Any:
        return column.between(ids[0], ids[-1]) if contiguous else column.in_(ids)

    hs_edition, list_edition = editions
    named = {"hsEdition": hs_edition, **({"listEdition": list_edition} if list_edition else {})}
    stored = sorter.stored
    rechecked = [] if fresh else [i for i in ids if stored[i].checked]
    acks = _acks(session, in_chunk(_PT.c.declaration_id)) if rechecked else {}
    old_problems = _stored_problems(session, rechecked)
    kept = {} if fresh else _kept_errors(session, in_chunk(_PT.c.declaration_id))
    conn = session.connection()
    params_text = _ParamsText(conn)
    at = binder(conn, _PT.c.acknowledged_at)
    # The driver gets no type processing: convert the shared timestamp once, as the
    # column's type would for this dialect.
    checked = bind_value(conn, _DT.c.checked_at, now)
    updates: list[tuple[Any, ...]] = []
    same: list[tuple[Any, ...]] = []  # result as stored: only the new fingerprint
    problem_rows: list[tuple[Any, ...]] = []
    moved: dict[Move, list[int]] = defaultdict(list)
    audit: list[AuditRecord] = []
    details: dict[Move, dict[str, Any]] = {}  # one (unchanging) details dict per move
    error, warning = Severity.ERROR, Severity.WARNING
    no_ack = (None, None, None)
    for record, result in results:
        decl_id = record["id"]
        errors = open_warnings = 0
        rows: list[tuple[Any, ...]] = []
        for p in result.problems:
            # `_value_`: the enum's value without its descriptor (a million lookups)
            severity, code, field_name, gnum = p.severity, p.code._value_, p.field, p.gnum
            ack = no_ack
            if severity is error:
                errors += 1
            elif acks and severity is warning \
                    and (decl_id, code, field_name, gnum) in acks:
                found = acks[(decl_id, code, field_name, gnum)]
                ack = (found[0], None if found[1] is None else at(found[1]), found[2])
            else:
                open_warnings += 1
            message = p.message
            rows.append((decl_id, gnum, field_name, code, severity._value_, message.msgid,
                         params_text(message.params), *ack))
        move = _after(record["status"], not errors, moves_cache)
        before, after = move
        tax = _tax_of(record, result)
        goods = _scaled(goods_value(record))
        fp = None if decl_id in filled else sorter.fingerprint(record, after.value)
        old = stored[decl_id]
        errors += kept.get(decl_id, 0)  # counted, not moving the status (the hold blocks)
        if (old.checked and after is before and (errors, open_warnings, tax, goods)
                == (old.errors, old.warnings, old.tax, old.goods)
                and sorted(map(_problem_key, result.problems))
                == old_problems.get(decl_id, [])):
            same.append((decl_id, fp, hs_edition, list_edition))
            continue
        problem_rows.extend(rows)
        updates.append((decl_id, errors, open_warnings, checked, tax, goods, fp, hs_edition,
                        list_edition))
        if after is not before:
            moved[move].append(decl_id)
            shared = details.get(move)
            if shared is None:
                shared = details[move] = {"from": before.value, "to": after.value,
                                          "by": "precheck", **named}
            audit.append(AuditRecord("declaration.status", "declaration", str(decl_id),
                                     decl_id, shared))
    _FINGERPRINT.executemany(conn, same)
    if not updates:
        return 0
    if len(updates) < len(results):  # only the declarations whose result changed
        written = [u[0] for u in updates]
        for start in range(0, len(written), IN_CHUNK):
            session.execute(delete(_PT).where(
                _PT.c.declaration_id.in_(written[start:start + IN_CHUNK]), _RULE_OWNED))
    elif not fresh:
        session.execute(delete(_PT).where(in_chunk(_PT.c.declaration_id), _RULE_OWNED))
    # A fresh import's problems: close to a million rows for 100k rows of a file without the
    # office's codes; SQLAlchemy's per-row processing cost more than the insert itself.
    _PROBLEMS.executemany(conn, problem_rows)
    _RESULTS.executemany(conn, updates)
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


class Fingerprints(Protocol):
    """What `_store_chunk` needs of a run besides the results: what each declaration had
    stored, and the fingerprint to store with its new result."""

    stored: dict[int, _Stored]

    def fingerprint(self, record: dict[str, Any], status: str) -> str | None: ...


# A worker's record (app.precheck.worker) carries its tax already scaled, not the estimate.
SCALED_TAX = "_scaledTax"


def _tax_of(record: dict[str, Any], result: CheckResult) -> int | None:
    """The tax estimate to store, scaled. An estimate missing an item's rates is not stored:
    no figure beats a wrong one."""
    if result.tax is None:
        return record.get(SCALED_TAX)  # type: ignore[no-any-return]
    return _scaled(result.tax.total if result.tax.complete else None)


_PROBLEM_COLUMNS = ("declaration_id", "gnum", "field", "code", "severity", "msgid", "params",
                    "acknowledged_by", "acknowledged_at", "acknowledge_reason")
# Problem rows straight to the driver as tuples in this column order, as `append_events`
# writes audit rows: the params serialised as the JSON type does (`_ParamsText`), the rare
# acknowledgement time as its column binds it.
_PROBLEMS = DriverStatement(
    insert(_PT).values({name: bindparam(f"b_{name}") for name in _PROBLEM_COLUMNS}),
    [f"b_{name}" for name in _PROBLEM_COLUMNS])


_PARAMS_TEXTS: dict[tuple[type[Any], str], dict[tuple[Any, ...], Any]] = {}


class _ParamsText:
    """A problem's params as its JSON column stores them on this connection's dialect. Most
    problems carry the same few params ("{field} is required." and its label): each distinct
    set is serialised once per process (texts are immutable), found by `_params_key`."""

    LIMIT = 20_000  # distinct params kept per dialect (values such as amounts vary a lot)

    def __init__(self, conn: Any) -> None:
        dialect = conn.dialect
        self._as_json = binder(conn, _PT.c.params)
        self._texts = _PARAMS_TEXTS.setdefault((type(dialect), dialect.paramstyle), {})

    def __call__(self, params: Mapping[str, Any]) -> Any:
        key = _params_key(params)
        if key is None:
            return self._as_json(params_to_json(params))
        texts = self._texts
        found = texts.get(key)
        if found is None:
            if len(texts) >= self.LIMIT:
                texts.clear()
            found = texts[key] = self._as_json(params_to_json(params))
        return found


def _params_key(params: Mapping[str, Any]) -> tuple[Any, ...] | None:
    """A hashable key equal only for a problem's params (as the rules give them, before
    `params_to_json`) that serialise alike — strings, ints, None and nested messages without
    params, each with its type (1 and True are equal keys) — or None."""
    key: list[Any] = []
    for name, value in params.items():
        kind = type(value)
        if kind is str or kind is int or value is None:
            key.append((name, kind, value))
        elif kind is Message and not value.params:
            key.append((name, Message, value.msgid))
        else:
            return None
    return tuple(key)


ProblemKey = tuple[Any, ...]


def _problem_key(p: RuleProblem) -> ProblemKey:
    """A problem found now, comparable with a stored one (`_stored_key`)."""
    return (p.gnum or 0, p.field, p.code.value, p.severity.value, p.message.msgid,
            json.dumps(params_to_json(p.message.params), sort_keys=True, ensure_ascii=False))


def _stored_key(row: Sequence[Any]) -> ProblemKey:
    """A stored problem (gnum, field, code, severity, msgid, params as read)."""
    gnum, field_name, code, severity, msgid, params = row
    return (gnum or 0, field_name, code, severity, msgid,
            json.dumps(params, sort_keys=True, ensure_ascii=False))


def _stored_problems(session: Session, ids: list[int]) -> dict[int, list[ProblemKey]]:
    """Each declaration's stored problems as sorted comparable keys."""
    found: dict[int, list[ProblemKey]] = defaultdict(list)
    for start in range(0, len(ids), IN_CHUNK):
        rows = session.execute(
            select(_PT.c.declaration_id, _PT.c.gnum, _PT.c.field, _PT.c.code,
                   _PT.c.severity, _PT.c.msgid, _PT.c.params)
            .where(_PT.c.declaration_id.in_(ids[start:start + IN_CHUNK]), _RULE_OWNED))
        for r in rows:
            found[r[0]].append(_stored_key(r[1:]))
    for keys in found.values():
        keys.sort()
    return found


def _kept_errors(session: Session, in_chunk: Any) -> dict[int, int]:
    """Per declaration of the chunk, its blocking problems no rule owns (KEPT_CODES)."""
    return {int(d): int(n) for d, n in session.execute(
        select(_PT.c.declaration_id, func.count())
        .where(in_chunk, _PT.c.code.in_(KEPT_CODES), _PT.c.severity == Severity.ERROR.value)
        .group_by(_PT.c.declaration_id))}


def _scaled(value: Decimal | None) -> int | None:
    """Decimal (at most 5 places: sums of stored amounts, tax rounded to the fen) → the
    Decimal5 column's integer count of 1e-5 units."""
    return None if value is None else int(value.scaleb(5))
