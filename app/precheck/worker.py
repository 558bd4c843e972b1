"""The worker side of a big check (app.precheck.pool): runs in a spawned process with its own
read-only database connection.

Per task — an id range or an id list of the run, with the cross-record facts of those ids —
it reads the rows (the writer's plan already left out those whose fingerprint holds), builds
records, derives the legal quantities to fill, runs the rules on the reference editions in
force, and sends back for each declaration checked only what the writer stores: a small
record (id, status, order and waybill numbers, goods value, tax scaled, fingerprint), its
problems, and per chunk the fill rows and what was stored before. The writer
(app.precheck.parallel) stores them in order, in the caller's transaction.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from app.db.engine import make_engine, make_session_factory
from app.jobs.base import cyclic_gc_paused
from app.precheck.records import iter_record_chunks, load_range
from app.precheck.service import (
    _EMPTY_REF,
    _EXTRA,
    SCALED_TAX,
    Move,
    _after,
    _Contexts,
    _scaled,
    _Sorter,
    derive_fill_rows,
)
from app.reference.tables import ReferenceTables
from app.rules.context import CheckContext, CrossFacts, shipped_restricted_terms
from app.rules.engine import check_records
from app.rules.money import GOODS_KEY
from app.rules.problem import Problem, Severity

# A range of ids (first, last) of a check of every declaration, or some ids.
Span = tuple[int, int] | list[int]
StoredTuple = tuple[bool, int | None, int | None, int | None, int | None]


@dataclass(frozen=True)
class Task:
    span: Span
    facts: dict[int, CrossFacts]  # the cross-record facts of the span's declarations


@dataclass(frozen=True)
class Part:
    """The checked declarations of one chunk under one pair of reference editions."""

    records: list[dict[str, Any]]  # id, status, orderNo, logisticsNo, goods, tax, fingerprint
    problems: list[tuple[Problem, ...]]
    filled: set[int]
    fills: list[dict[str, Any]]  # rows for service._FILL
    derived: dict[str, int]
    editions: tuple[str, str | None]
    stored: dict[int, StoredTuple]  # what the last check stored, by id


@dataclass(frozen=True)
class Chunk:
    parts: list[Part]
    split: bool  # more than one pair of editions in the chunk


@dataclass
class _Worker:
    session: Session
    sorter: _Sorter
    contexts: _Contexts
    facts: dict[int, CrossFacts]  # every context's facts: replaced per task


_state: _Worker | None = None  # this worker process's connection and contexts
_KEPT = ("id", "status", "orderNo", "logisticsNo")


def _worker_state(session: Session, ref: ReferenceTables | None, today: date,
                  facts: dict[int, CrossFacts]) -> _Worker:
    contexts = _Contexts(session, ref, CheckContext(
        ref=ref or _EMPTY_REF, today=today, restricted=shipped_restricted_terms(),
        facts=facts))
    return _Worker(session, _Sorter(contexts), contexts, facts)


def start(url: str, ref: ReferenceTables | None, today: date) -> None:
    """Pool initializer: open the connection, load the reference tables in force."""
    global _state
    session = make_session_factory(make_engine(url), read_only=True)()
    _state = _worker_state(session, ref, today, {})
    session.rollback()  # no read transaction held between tasks


def writer_share(session: Session, ref: ReferenceTables | None, today: date,
                 facts: Mapping[int, CrossFacts]) -> _Worker:
    """The writer's own worker (app.precheck.parallel): it checks spans in the caller's
    session, with the same code as a worker, while the workers' results are not in yet."""
    return _worker_state(session, ref, today, dict(facts))


def ready() -> None:
    """A task that only makes the pool start a process."""


def check_task(task: Task) -> list[Chunk]:
    state = _state
    assert state is not None, "worker not started"
    state.facts.clear()
    state.facts.update(task.facts)
    try:
        with cyclic_gc_paused():
            return check_span(state, task.span)
    finally:
        state.session.rollback()


def check_span(state: _Worker, span: Span) -> list[Chunk]:
    """The checked chunks of `span`, read through `state`'s session (the facts of its
    declarations already in `state.facts`)."""
    session, sorter = state.session, state.sorter
    if isinstance(span, tuple):
        return [_check_chunk(state, load_range(session, *span, extra=_EXTRA,
                                               keep=sorter.keep))]
    return [_check_chunk(state, records) for records in
            iter_record_chunks(session, span, extra=_EXTRA, keep=sorter.keep)]


def _check_chunk(state: _Worker, records: list[dict[str, Any]]) -> Chunk:
    sorter, contexts = state.sorter, state.contexts
    groups = sorter.by_edition(records)
    parts: list[Part] = []
    moves: dict[tuple[str, bool], Move] = {}
    error = Severity.ERROR
    for key, part in groups:
        ctx = contexts.get(key)
        derived: dict[str, int] = {}
        fills, filled = derive_fill_rows(part, ctx.ref, derived)
        kept: list[dict[str, Any]] = []
        problems: list[tuple[Problem, ...]] = []
        stored: dict[int, StoredTuple] = {}
        for record, result in zip(part, check_records(part, ctx), strict=True):
            decl_id = record["id"]
            passed = not any(p.severity is error for p in result.problems)
            after = _after(record["status"], passed, moves)[1]
            tax = result.tax
            slim = {k: record.get(k) for k in _KEPT}
            slim[GOODS_KEY] = record.get(GOODS_KEY, Decimal(0))
            slim[SCALED_TAX] = _scaled(tax.total) if tax is not None and tax.complete \
                else None
            slim[FINGERPRINT] = None if decl_id in filled \
                else sorter.fingerprint(record, after.value)
            kept.append(slim)
            problems.append(result.problems)
            old = sorter.stored[decl_id]
            stored[decl_id] = (old.checked, old.errors, old.warnings, old.tax, old.goods)
        sorter.forget(r["id"] for r in part)
        parts.append(Part(kept, problems, filled, fills, derived,
                          (ctx.ref.hs_edition, ctx.ref.list_edition), stored))
    return Chunk(parts, len(groups) > 1)


FINGERPRINT = "_fingerprint"  # a worker's record: the fingerprint to store with its result
