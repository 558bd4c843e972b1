"""A big check runs its rules on worker processes and stores exactly what an in-process check
stores."""

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy.orm import Session

from app.precheck import pool, records
from app.precheck.service import check_declarations
from app.security.context import Actor
from tests.db.precheck.test_incremental import _snapshot
from tests.factories import item_values, make_declaration

TODAY = date(2026, 11, 26)


def test_worker_pool_stores_what_in_process_stores(session: Session, actor: Actor,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    for n in range(12):
        price = Decimal(6000 if n % 4 == 0 else 198)  # some over the single limit
        make_declaration(session, items=[item_values(price=price, totalPrice=price)],
                         buyerName=None if n % 5 == 0 else "张三")
    monkeypatch.setattr(records, "CHUNK", 5)  # several chunks in flight
    monkeypatch.setattr(records.iter_record_chunks, "__defaults__", (None, 5))
    submitted: list[int] = []
    real_submit = pool.RulePool.submit

    def counting(self: pool.RulePool, recs):  # type: ignore[no-untyped-def]
        submitted.append(len(recs))
        return real_submit(self, recs)

    monkeypatch.setattr(pool.RulePool, "submit", counting)
    monkeypatch.setattr(pool, "POOL_MIN", 10)
    monkeypatch.setenv("CLEARDESK_CHECK_WORKERS", "2")
    on_workers = check_declarations(session, actor, None, today=TODAY)
    pooled = _snapshot(session)
    assert sum(submitted) == 12 and len(submitted) == 3

    monkeypatch.setenv("CLEARDESK_CHECK_WORKERS", "0")
    in_process = check_declarations(session, actor, None, today=TODAY, force=True)
    assert _snapshot(session) == pooled
    assert (on_workers.passed, on_workers.failed) == (in_process.passed, in_process.failed)
    assert on_workers.failed > 0
