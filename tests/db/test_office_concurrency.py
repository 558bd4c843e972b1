"""Several workstations on one database (issue 19): real `python -m app` processes started
at the same moment against the same database, ending in a check that nothing was lost,
doubled or forked. Runs against PostgreSQL when CLEARDESK_TEST_PG is set (where it matters
most: SQLite writers queue anyway) and against SQLite otherwise.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from app.db.models import Declaration
from tests.db.test_concurrent_commands import _add_users, _orders, _start
from tests.unit.intake.filemakers import CN_HEADERS, write_csv


def _finish(procs: list[subprocess.Popen[str]]) -> list[str]:
    outs = []
    for p in procs:
        out, err = p.communicate(timeout=300)
        assert p.returncode == 0, err
        assert "Traceback" not in err, err
        outs.append(out)
    return outs


def _audit_chain_holds(db_url: str) -> None:
    verify = _start(db_url, "boss", "audit", "verify")
    out, err = verify.communicate(timeout=120)
    assert verify.returncode == 0, out + err
    assert json.loads(out)["ok"] is True


def test_the_same_file_imported_on_three_workstations_at_once_is_imported_once(
        db_url: str, sessions: sessionmaker[Session], tmp_path: Path) -> None:
    _add_users(sessions)
    orders = write_csv(tmp_path / "orders.csv", CN_HEADERS, _orders("S", 300))
    procs = [_start(db_url, "li", "import", str(orders)) for _ in range(3)]
    # …while the administrator changes settings and logs in twice: all of it audited.
    procs += [_start(db_url, "boss", "config", "set", "agentName", f"代理{i}") for i in range(2)]
    summaries = [json.loads(out) for out in _finish(procs)[:3]]

    assert sorted(s["declarations"] for s in summaries) == [0, 0, 300]
    for s in summaries:
        if s["declarations"] == 0:  # the later imports found the orders: updates, no copies
            assert s["updated"] + s["duplicates"] == 300
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(Declaration)) == 300
        assert session.scalar(select(func.count(func.distinct(Declaration.orderNo)))) == 300
    _audit_chain_holds(db_url)


def test_two_files_sharing_waybills_at_once_give_each_waybill_one_declaration(
        db_url: str, sessions: sessionmaker[Session], tmp_path: Path) -> None:
    _add_users(sessions)
    rows_a = _orders("A", 800)
    rows_b = _orders("B", 800)
    for row_a, row_b in zip(rows_a[:600], rows_b[:600], strict=True):
        row_b[1] = row_a[1]  # other orders, the same waybills
    files = [write_csv(tmp_path / f"{p}.csv", CN_HEADERS, rows)
             for p, rows in (("A", rows_a), ("B", rows_b))]
    summaries = [json.loads(out) for out in
                 _finish([_start(db_url, "li", "import", str(f)) for f in files])]

    # One file got the shared waybills, the other had those rows refused with the reason.
    assert sorted(s["declarations"] for s in summaries) == [200, 800]
    assert sorted(s["rejected_rows"] for s in summaries) == [0, 600]
    loser = next(s for s in summaries if s["rejected_rows"])
    assert all(e["field"] == "logisticsNo" for e in loser["errors"])
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(Declaration)) == 1000
        assert session.scalar(
            select(func.count(func.distinct(Declaration.logisticsNo)))) == 1000
    _audit_chain_holds(db_url)


def _reserve_and_insert(db_url: str, worker: int, rounds: int, size: int) -> int:
    """One workstation's bulk inserts: `rounds` transactions of `size` declarations."""
    from app.db.bulk import insert_declarations
    from app.db.engine import make_engine, make_session_factory, transaction

    engine = make_engine(db_url)
    factory = make_session_factory(engine)
    for r in range(rounds):
        with transaction(factory) as session:
            heads = [{"orderNo": f"P{worker}-{r}-{i}", "ebpCode": "1105910159"}
                     for i in range(size)]
            insert_declarations(session, heads, [[] for _ in heads])
    engine.dispose()
    return rounds * size


def test_bulk_inserts_on_four_workstations_at_once_never_share_an_id(
        db_url: str, sessions: sessionmaker[Session]) -> None:
    import multiprocessing

    with multiprocessing.get_context("spawn").Pool(4) as pool:
        done = pool.starmap(_reserve_and_insert, [(db_url, w, 40, 25) for w in range(4)])
    assert done == [1000] * 4  # every transaction went through: no key was handed out twice
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(Declaration)) == 4000
        assert session.scalar(select(func.count(func.distinct(Declaration.orderNo)))) == 4000


def _batch_at_once(db_url: str, barrier: Any, results: Any) -> None:
    """One workstation: ready to go, waits for the others, then `batch create --limit 10`."""
    from app.db.engine import make_engine, make_session_factory, races_as_user_errors
    from app.domain.errors import UserFacingError
    from app.security.context import system_actor
    from app.submission.batches import create_batch

    engine = make_engine(db_url)
    factory = make_session_factory(engine)
    with factory() as warm:  # connect and load everything before the start
        warm.execute(select(func.count()).select_from(Declaration))
    barrier.wait()
    try:
        with races_as_user_errors(), factory() as session, session.begin():
            summary = create_batch(session, system_actor(), status="ready", limit=10)
        results.put((summary.batch_no, summary.declarations))
    except UserFacingError as exc:
        results.put(("refused", str(exc)))
    engine.dispose()


def test_eight_workstations_batching_at_once_each_get_their_own_ready_declarations(
        db_url: str, sessions: sessionmaker[Session]) -> None:
    import multiprocessing

    from app.db.models import Batch
    from tests.factories import make_declaration, valid_id_number

    with sessions() as s, s.begin():
        for i in range(80):  # one buyer each: under the annual limit
            make_declaration(s, status="ready",
                             buyerIdNumber=valid_id_number(f"11010519900101{i:03d}"))
    mp = multiprocessing.get_context("spawn")
    barrier, results = mp.Barrier(8), mp.Queue()
    procs = [mp.Process(target=_batch_at_once, args=(db_url, barrier, results))
             for _ in range(8)]
    for p in procs:
        p.start()
    outcomes = [results.get(timeout=300) for _ in procs]
    for p in procs:
        p.join(timeout=60)

    assert all(n == 10 for _, n in outcomes), outcomes  # nobody refused, nobody short
    assert len({no for no, _ in outcomes}) == 8  # no batch number twice
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(Batch)) == 8
        assert session.scalar(select(func.count()).select_from(Declaration)
                              .where(Declaration.status == "queued",
                                     Declaration.batch_id.is_not(None))) == 80
        assert session.scalar(select(func.count(func.distinct(Declaration.batch_id)))) == 8
    with sessions() as session:
        from app.security.audit import verify_chain

        assert verify_chain(session).ok


def _submit_at_once(db_url: str, batch_no: str, barrier: Any, results: Any) -> None:
    """One workstation recording the messages of `batch_no` at the same moment as others."""
    from app.db.engine import make_engine, make_session_factory, races_as_user_errors
    from app.domain.errors import UserFacingError
    from app.security.context import system_actor
    from app.submission.outbound import record_batch

    engine = make_engine(db_url)
    factory = make_session_factory(engine)
    with factory() as warm:
        warm.execute(select(func.count()).select_from(Declaration))
    barrier.wait()
    try:
        with races_as_user_errors(), factory() as session, session.begin():
            recorded = record_batch(session, system_actor(), batch_no, {
                "copCode": "3120980105", "copName": "测试", "dxpId": "DXPENT0000000001"})
        results.put(("recorded", len(recorded)))
    except UserFacingError as exc:
        results.put(("refused", str(exc)))
    engine.dispose()


def test_four_workstations_submitting_one_batch_at_once_record_it_once(
        db_url: str, sessions: sessionmaker[Session]) -> None:
    import multiprocessing

    from app.db.models import OutboundMessage
    from app.security.context import system_actor
    from app.submission.batches import create_batch
    from tests.factories import make_declaration, valid_id_number

    with sessions() as s, s.begin():
        ids = [make_declaration(s, status="ready",
                                buyerIdNumber=valid_id_number(f"11010519900101{i:03d}"))
               for i in range(20)]
        batch_no = create_batch(s, system_actor(), ids=ids).batch_no
    mp = multiprocessing.get_context("spawn")
    barrier, results = mp.Barrier(4), mp.Queue()
    procs = [mp.Process(target=_submit_at_once, args=(db_url, batch_no, barrier, results))
             for _ in range(4)]
    for p in procs:
        p.start()
    outcomes = sorted(results.get(timeout=300) for _ in procs)
    for p in procs:
        p.join(timeout=60)

    assert [kind for kind, _ in outcomes] == ["recorded", "refused", "refused", "refused"]
    assert all(f"Batch {batch_no} has already been submitted." == text
               for kind, text in outcomes if kind == "refused"), outcomes
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(OutboundMessage)) == \
            outcomes[0][1]
