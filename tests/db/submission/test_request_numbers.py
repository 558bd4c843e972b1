"""Cancellation and return requests and signed-for reports from several workstations at once
(issue 20): real processes, each message file gets its own number. Runs against PostgreSQL when
CLEARDESK_TEST_PG is set (SQLite write transactions queue anyway)."""

from __future__ import annotations

import multiprocessing
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from app.db.models import Declaration, OutboundMessage, Waybill
from tests.factories import make_declaration, valid_id_number

TRANSFER = {"copCode": "3120980105", "copName": "测试", "dxpId": "DXPENT0000000001"}


def _request_at_once(db_url: str, decl_id: int, kind: str, barrier: Any, results: Any) -> None:
    """One workstation: connected and ready, waits for the others, then asks customs."""
    from app.db.engine import make_engine, make_session_factory, transaction
    from app.security.context import system_actor
    from app.submission.deliveries import report_deliveries
    from app.submission.lifecycle import request_cancellation, request_return

    engine = make_engine(db_url)
    factory = make_session_factory(engine)
    with factory() as warm:
        warm.execute(select(func.count()).select_from(Declaration))
    barrier.wait()
    with transaction(factory) as session:
        if kind == "signed":
            files = report_deliveries(session, system_actor(), [decl_id], TRANSFER).messages
        else:
            ask = request_cancellation if kind == "cancel" else request_return
            files = ask(session, system_actor(), [decl_id], f"买家要求 {decl_id}",
                        TRANSFER).messages
    results.put(files)
    engine.dispose()


def test_requests_from_four_workstations_at_once_never_share_a_number(
        db_url: str, sessions: sessionmaker[Session]) -> None:
    with sessions() as s, s.begin():
        jobs = [(make_declaration(s, status="accepted" if n % 2 else "released",
                                  invtNo=f"51412026I{n:09d}",
                                  buyerIdNumber=valid_id_number(f"11010519900101{n:03d}")),
                 "cancel" if n % 2 else "return") for n in range(8)]
        for n in range(8, 12):  # released parcels whose waybills this office sent
            decl = make_declaration(s, status="released", invtNo=f"51412026I{n:09d}",
                                    buyerIdNumber=valid_id_number(f"11010519900101{n:03d}"))
            s.add(Waybill(declaration_id=decl, logistics_code="3120980105",
                          logistics_no=f"YT{n:010d}", guid=f"{n:036d}", status="accepted"))
            jobs.append((decl, "signed"))
    mp = multiprocessing.get_context("spawn")
    barrier, results = mp.Barrier(len(jobs)), mp.Queue()
    procs = [mp.Process(target=_request_at_once, args=(db_url, d, k, barrier, results))
             for d, k in jobs]
    for p in procs:
        p.start()
    files = [name for _ in procs for name in results.get(timeout=300)]
    for p in procs:
        p.join(timeout=60)
        assert p.exitcode == 0

    with sessions() as s:
        numbers = s.execute(select(OutboundMessage.message_type, OutboundMessage.seq)
                            .order_by(OutboundMessage.message_type, OutboundMessage.seq)).all()
    assert [tuple(r) for r in numbers] == [(kind, n) for kind in (
        "CEB513Message", "CEB623Message", "CEB625Message") for n in range(1, 5)]
    assert len(set(files)) == 12
    numbered = sorted((f.split("_", 1)[0], int(f.removesuffix(".xml").rsplit("_", 1)[1]))
                      for f in files)
    assert numbered == [(code, n) for code in ("CEB513", "CEB623", "CEB625")
                        for n in range(1, 5)]
