"""The writer of a big check run on worker processes (app.precheck.pool): hands out id spans,
stores what comes back in id order, in the caller's session and transaction — the same rows,
counts, statuses and audit events as an in-process run (`service.check_declarations`).

The workers read committed rows only; `pool.workers_for_run` sends a transaction holding its
own uncommitted writes to the in-process path instead. Any failure — a worker that dies, a
rule that raises — propagates before the caller commits, so nothing is half-stored.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections import deque
from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import Future
from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from app.db.types import utcnow
from app.jobs.base import CancelToken, Progress, cyclic_gc_paused
from app.precheck import records as loading
from app.precheck import worker
from app.precheck.plan import Plan
from app.precheck.pool import WorkerPool, result_of, worker_url
from app.precheck.service import (
    _FILL,
    CheckSummary,
    Move,
    ReportedProblem,
    _report,
    _store_chunk,
    _Stored,
    _stored_report,
)
from app.precheck.worker import FINGERPRINT, Chunk, Span, Task
from app.reference.tables import ReferenceTables
from app.rules.context import CrossFacts
from app.rules.engine import CheckResult
from app.security.context import Actor

# Tasks waiting per worker: one running, one queued, so no worker waits for the writer.
AHEAD = 2


def head_ready(future: Future[list[Chunk]]) -> bool:
    """Whether the next chunk to store is back from its worker (a seam: tests make the
    writer check spans itself)."""
    return future.done()


class _Adopted:
    """The run's `service.Fingerprints`: what the workers sent for the chunk being stored."""

    def __init__(self) -> None:
        self.stored: dict[int, _Stored] = {}

    def fingerprint(self, record: dict[str, Any], status: str) -> str | None:
        return record[FINGERPRINT]  # type: ignore[no-any-return]


def _spans(session: Session, ids: Sequence[int] | None) -> Iterator[Span]:
    if ids is None:
        yield from loading.chunk_bounds(session, loading.CHUNK)
        return
    for start in range(0, len(ids), loading.CHUNK):
        yield list(ids[start:start + loading.CHUNK])


class _Facts:
    """The run's cross-record facts, cut per span."""

    def __init__(self, facts: Mapping[int, CrossFacts]) -> None:
        self._facts = facts
        self._ids = sorted(facts)

    def of(self, span: Span) -> dict[int, CrossFacts]:
        facts = self._facts
        if isinstance(span, tuple):
            ids = self._ids[bisect_left(self._ids, span[0]):bisect_right(self._ids, span[1])]
            return {i: facts[i] for i in ids}
        return {i: facts[i] for i in span if i in facts}


def check_on_workers(session: Session, actor: Actor, plan: Plan, workers: int,
                     facts: Mapping[int, CrossFacts], *, ref: ReferenceTables | None, today: date,
                     progress: Progress, cancel: CancelToken | None, report: bool
                     ) -> CheckSummary:
    """`check_declarations` of the declarations `plan` leaves to check, with the rules on
    `workers` processes (see the module doc); those it skipped are counted as stored."""
    url = worker_url(session)
    assert url is not None
    with WorkerPool(url, workers, ref=ref, today=today) as pool:
        spans = _Facts(facts)
        writer = _Writer(session, actor, plan.to_check is None, report, progress, plan.total)
        writer.adopt_skipped(plan.skipped)
        share = worker.writer_share(session, ref, today, facts)
        # In span order: a worker's future, or chunks the writer checked itself.
        queue: deque[Future[list[Chunk]] | list[Chunk]] = deque()
        pooled = 0  # futures in the queue
        pending = _spans(session, plan.to_check)
        first, span = next(pending, None), next(pending, None)

        def submit_ahead() -> None:
            """Keep AHEAD spans per worker submitted (in span order, after the queue's)."""
            nonlocal span, pooled
            while span is not None and pooled < workers * AHEAD:
                queue.append(pool.submit(Task(span, spans.of(span))))
                pooled += 1
                span = next(pending, None)

        with cyclic_gc_paused():
            if first is not None:
                # The workers are still starting: the writer checks the first span itself
                # while they take the next ones.
                submit_ahead()
                queue.appendleft(worker.check_span(share, first))
            while span is not None or queue:
                if cancel is not None:
                    cancel.raise_if_cancelled()
                submit_ahead()
                head = queue[0]
                if isinstance(head, list) or span is None or head_ready(head):
                    queue.popleft()
                    if not isinstance(head, list):
                        pooled -= 1
                        head = result_of(head)
                    writer.store(head)
                else:
                    # The next chunk to store is still on a worker: rather than wait, the
                    # writer checks the next span itself (its share of the rules; on two
                    # cores the one worker and the writer are both busy).
                    queue.append(worker.check_span(share, span))
                    span = next(pending, None)
    return writer.summary(workers)


class _Writer:
    """Stores the workers' chunks in order and tallies the run's summary."""

    def __init__(self, session: Session, actor: Actor, whole_table: bool, report: bool,
                 progress: Progress, total: int) -> None:
        self.session, self.actor = session, actor
        self.whole_table, self.report, self.progress, self.total = (
            whole_table, report, progress, total)
        self.now = utcnow()
        self.moves: dict[tuple[str, bool], Move] = {}
        self.adopted = _Adopted()
        self.checked = self.passed = self.changes = self.skipped = 0
        self.derived: dict[str, int] = {}
        self.reported: list[ReportedProblem] = []

    def adopt_skipped(self, skipped: dict[int, int]) -> None:
        """Count (and report) the declarations whose stored results stand."""
        if not skipped:
            return
        self.skipped = len(skipped)
        self.checked += len(skipped)
        self.passed += sum(1 for errors in skipped.values() if not errors)
        if self.report:
            self.reported.extend(_stored_report(self.session, skipped))
        self.progress(self.checked, self.total, "")

    def store(self, chunks: list[Chunk]) -> None:
        for chunk in chunks:
            for part in chunk.parts:
                self._store_part(part.records, part.problems, part.filled, part.fills,
                                 part.derived, part.editions, part.stored, chunk.split)

    def _store_part(self, records: list[dict[str, Any]], problems: list[Any],
                    filled: set[int], fills: list[dict[str, Any]], derived: dict[str, int],
                    editions: tuple[str, str | None], stored: dict[int, Any],
                    split: bool) -> None:
        session = self.session
        if fills:
            session.connection().execute(_FILL, fills)
        for method, n in derived.items():
            self.derived[method] = self.derived.get(method, 0) + n
        self.adopted.stored = {i: _Stored(*s) for i, s in stored.items()}
        results = [(r, CheckResult(p, None)) for r, p in zip(records, problems, strict=True)]
        # A chunk of "all" (nor split by edition) is every id from its first to its last.
        whole = self.whole_table and not split
        step = max(len(results), 1) if whole else loading.IN_CHUNK
        for start in range(0, len(results), step):
            self.changes += _store_chunk(session, self.actor, results[start:start + step],
                                         self.now, editions, contiguous=whole,
                                         moves_cache=self.moves, sorter=self.adopted,
                                         filled=filled)
        self.checked += len(results)
        self.passed += sum(1 for _, res in results if res.passed)
        if self.report:
            self.reported.extend(_report(results))
        self.progress(self.checked, self.total, "")

    def summary(self, workers: int) -> CheckSummary:
        if self.report:
            self.reported.sort(key=lambda p: p.declaration_id)
        return CheckSummary(self.checked, self.passed, self.checked - self.passed,
                            self.changes, tuple(self.reported), skipped=self.skipped,
                            derived=self.derived, workers=workers)
