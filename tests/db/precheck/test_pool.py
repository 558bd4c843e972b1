"""A big check runs its rules on worker processes that read their own rows, and stores exactly
what an in-process check stores (SQLite file and PostgreSQL: CLEARDESK_TEST_PG)."""

import os
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from app.db.models import AuditEvent, Declaration, DeclarationItem
from app.precheck import parallel, pool, records, worker
from app.precheck.pool import CheckWorkerError
from app.precheck.service import CheckSummary, check_declarations
from app.security.context import Actor
from tests.db.precheck.test_incremental import _snapshot
from tests.factories import item_values, make_declaration

TODAY = date(2026, 11, 26)
BUYER = "110101199003070134"


@pytest.fixture
def small_pool(monkeypatch: pytest.MonkeyPatch) -> None:
    """Two workers from 10 declarations on, chunks of 5 (several tasks in flight)."""
    monkeypatch.setattr(pool, "POOL_MIN", 10)
    monkeypatch.setattr(records, "CHUNK", 5)
    monkeypatch.setenv("CLEARDESK_CHECK_WORKERS", "2")


def _declarations(session: Session) -> list[int]:
    """A mix: over the single limit, a missing buyer name, a shared buyer (annual totals), a
    legal quantity to fill from the net weight, an export."""
    ids = []
    for n in range(12):
        price = Decimal(6000 if n % 4 == 0 else 198)
        ids.append(make_declaration(
            session, items=[item_values(price=price, totalPrice=price,
                                        qty1=None if n == 3 else Decimal("0.8"))],
            buyerName=None if n % 5 == 0 else "张三",
            **({"buyerIdNumber": BUYER} if n in (1, 2, 6, 7) else {})))
    ids.append(make_declaration(session, ieFlag="E"))
    return ids


def _audit(session: Session) -> list[tuple[Any, ...]]:
    return [(e.action, e.entity_id, sorted(e.details.items())) for e in session.execute(
        select(AuditEvent).order_by(AuditEvent.id)).scalars()]


def _legal(session: Session) -> list[tuple[Any, ...]]:
    return list(session.execute(select(DeclarationItem.declaration_id, DeclarationItem.qty1)
                                .order_by(DeclarationItem.declaration_id)))


def _run(session: Session, actor: Actor, workers: str, monkeypatch: pytest.MonkeyPatch,
         **kw: Any) -> tuple[CheckSummary, Any]:
    monkeypatch.setenv("CLEARDESK_CHECK_WORKERS", workers)
    summary = check_declarations(session, actor, today=TODAY, **kw)
    seen = (_snapshot(session), _audit(session), _legal(session))
    session.rollback()
    return summary, seen


def _fields(summary: CheckSummary) -> tuple[Any, ...]:
    return (summary.checked, summary.passed, summary.failed, summary.status_changes,
            summary.problems, summary.skipped, dict(summary.derived))


@pytest.mark.usefixtures("small_pool")
def test_workers_store_what_in_process_stores(session: Session, actor: Actor,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    ids = _declarations(session)
    session.commit()
    on_workers, pooled = _run(session, actor, "2", monkeypatch, ids=None)
    in_process, alone = _run(session, actor, "0", monkeypatch, ids=None)
    assert (on_workers.workers, in_process.workers) == (2, 0)
    assert pooled == alone
    assert _fields(on_workers) == _fields(in_process)
    snapshot, audit, legal = pooled
    assert on_workers.failed > 0 and audit  # statuses moved, each with its event
    assert snapshot[ids[0]][1] > 0 and snapshot[ids[1]][4] is not None  # errors; goods
    assert (ids[3], Decimal("1")) in legal  # filled from the net weight

    # An id list, after a first check was committed and ten declarations changed: the
    # others are skipped before any worker starts, the changed ones re-checked on the workers
    # against their stored results.
    check_declarations(session, actor, today=TODAY)
    session.commit()
    session.execute(update(Declaration).where(Declaration.id.in_(ids[:10]))
                    .values(buyerName="李四"))
    session.commit()
    on_workers, pooled = _run(session, actor, "2", monkeypatch, ids=ids)
    in_process, alone = _run(session, actor, "0", monkeypatch, ids=ids)
    assert on_workers.workers == 2 and on_workers.skipped == len(ids) - 10
    assert pooled == alone
    assert _fields(on_workers) == _fields(in_process)
    # Nothing changed since: nothing to check, no worker started.
    check_declarations(session, actor, today=TODAY)
    session.commit()
    assert check_declarations(session, actor, today=TODAY).workers == 0


@pytest.mark.usefixtures("small_pool")
def test_the_writer_checks_spans_itself_while_the_workers_are_busy(
        session: Session, actor: Actor, monkeypatch: pytest.MonkeyPatch) -> None:
    """On two cores the writer and one worker share the rules: a span the writer checks in
    its own session is stored exactly as a worker's or an in-process run's would be."""
    ids = _declarations(session)
    session.commit()
    monkeypatch.setattr(parallel, "AHEAD", 1)
    monkeypatch.setattr(parallel, "head_ready", lambda future: False)
    own: list[Any] = []
    real_span = worker.check_span

    def spying(state: Any, span: Any) -> list[worker.Chunk]:
        own.append(span)
        return real_span(state, span)

    monkeypatch.setattr(worker, "check_span", spying)
    on_workers, pooled = _run(session, actor, "1", monkeypatch, ids=None)
    in_process, alone = _run(session, actor, "0", monkeypatch, ids=None)
    # The writer checks the first span while the worker starts, and the last while the
    # worker has the one between.
    assert on_workers.workers == 1 and own == [(ids[0], ids[4]), (ids[10], ids[12])]
    assert pooled == alone
    assert _fields(on_workers) == _fields(in_process)


@pytest.mark.usefixtures("small_pool")
def test_uncommitted_rows_are_checked_in_process(session: Session, actor: Actor) -> None:
    """Workers read what is committed: a transaction holding its own new rows (an import
    checking what it just stored) is checked where those rows are visible."""
    ids = _declarations(session)  # not committed
    summary = check_declarations(session, actor, ids, today=TODAY)
    assert summary.workers == 0
    assert summary.checked == len(ids) and summary.failed > 0
    assert session.scalar(select(Declaration.status).where(Declaration.id == ids[1])) == "ready"
    session.commit()
    assert check_declarations(session, actor, ids, today=TODAY, force=True).workers == 2


def crash_after_first(task: worker.Task) -> list[worker.Chunk]:
    """A worker that dies on any span but the first (the writer checks the first itself and
    stores it)."""
    span = task.span
    if isinstance(span, tuple) and span[0] > 1:
        os._exit(3)
    return worker.check_task(task)


@pytest.mark.usefixtures("small_pool")
def test_a_worker_that_dies_stores_nothing(session: Session, actor: Actor,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    ids = _declarations(session)
    session.commit()
    monkeypatch.setattr(pool, "CHUNK_TASK", crash_after_first)
    # One task at a time: the first chunk is stored before the next is handed out (the
    # writer waits for it instead of checking the next span itself).
    monkeypatch.setenv("CLEARDESK_CHECK_WORKERS", "1")
    monkeypatch.setattr(parallel, "AHEAD", 1)
    monkeypatch.setattr(parallel, "head_ready", lambda future: True)
    before = (_snapshot(session), _audit(session))
    session.rollback()
    stored: list[int] = []
    real_store = parallel._Writer.store

    def counting(self: parallel._Writer, chunks: list[worker.Chunk]) -> None:
        real_store(self, chunks)
        stored.extend(r["id"] for c in chunks for p in c.parts for r in p.records)

    monkeypatch.setattr(parallel._Writer, "store", counting)
    with pytest.raises(CheckWorkerError) as raised, session.begin():
        check_declarations(session, actor, today=TODAY)
    assert stored == ids[:5]  # the first chunk was stored in the transaction, then undone
    assert "CLEARDESK_CHECK_WORKERS=0" in str(raised.value)
    assert "预检" in raised.value.text("zh_CN")
    assert (_snapshot(session), _audit(session)) == before
    assert session.scalar(select(Declaration.checked_at).where(Declaration.id == ids[0])) \
        is None


@pytest.mark.parametrize(("cores", "setting", "workers"), [
    (1, "", 0), (2, "", 1), (4, "", 3), (64, "", pool.MAX_WORKERS), (2, "2", 2), (8, "0", 0)])
def test_workers_by_cores_unless_configured(monkeypatch: pytest.MonkeyPatch, cores: int,
                                            setting: str, workers: int) -> None:
    """One core stays in-process; more get a worker per core but the writer's (two: one
    worker); CLEARDESK_CHECK_WORKERS decides when set."""
    monkeypatch.setattr(os, "cpu_count", lambda: cores)
    monkeypatch.setenv("CLEARDESK_CHECK_WORKERS", setting)
    assert pool.configured_workers() == workers
