"""pg-concurrent-clerks: 8 clerk processes on one PostgreSQL server, each importing small order
files, editing, pre-checking and batching for 30 s (--quick: 8 s), against the same run with
one process.

Reported as time per successful operation: ours = with 8 processes, baseline = with 1, so
ratio = throughput(1) / throughput(8); target ≤ 0.67 means 8 clerks together get at least
1.5× the work of one done (more clerks must not make the office slower). Every run must end
with zero duplicate orders or waybills, zero lost updates (the edits increment a counter on a
few shared declarations with the editor's optimistic version check; the counters must add up
to the increments that were saved) and an intact audit chain, or the case raises.

Needs a PostgreSQL role that may create databases: CLEARDESK_BENCH_PG, else
CLEARDESK_TEST_PG (e.g. postgresql+psycopg://cleardesk:cleardesk@127.0.0.1/postgres); without
one the case reports `skipped`. On this shared 2-core machine other work moves the figure.
"""

from __future__ import annotations

import csv
import multiprocessing
import os
import random
import time
from collections import Counter
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url

from bench.cases.intake_data import HEADERS, rows
from bench.registry import Outcome, case, scratch_dir

PROCESSES = 8
HOT = 8  # shared declarations every clerk edits (where lost updates would show)
HOT_MARK = "hot:"  # their note: hot:<saved increments>
OPS = ("import", "edit", "check", "batch")


def _server() -> str:
    return os.environ.get("CLEARDESK_BENCH_PG") or os.environ.get("CLEARDESK_TEST_PG", "")


def _create_database(server: str, name: str, template: str | None = None) -> str:
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'
                          + (f' TEMPLATE "{template}"' if template else "")))
    admin.dispose()
    return make_url(server).set(database=name).render_as_string(hide_password=False)


def _drop_database(server: str, name: str) -> None:
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _seed(url: str, parcels: int) -> None:
    """A migrated office database: demo parcels pre-checked (a pool of ready ones to batch),
    and HOT invalid ones whose note every clerk increments."""
    from app.db.engine import make_engine, make_session_factory, transaction
    from app.db.migrate import ensure_schema
    from app.db.models import Declaration
    from app.precheck.service import check_declarations
    from app.reference.store import reference_from_db
    from app.security.context import system_actor
    from app.services.bootstrap import after_migration
    from app.services.demo import add_demo_declarations
    from app.services.settings import set_settings

    engine = make_engine(url)
    ensure_schema(engine)
    after_migration(engine)
    factory = make_session_factory(engine)
    actor = system_actor()
    with transaction(factory) as s:
        set_settings(s, actor, {"copCode": "3120980105", "copName": "测试报关",
                                "dxpId": "DXPENT0000000001"})
        add_demo_declarations(s, actor, parcels, 3, reference_from_db(s), {})
    with transaction(factory) as s:
        check_declarations(s, actor, report=False)
    with transaction(factory) as s:
        hot = s.scalars(select(Declaration).where(Declaration.status == "invalid")
                        .order_by(Declaration.id).limit(HOT)).all()
        for decl in hot:
            decl.note = f"{HOT_MARK}0"
    engine.dispose()


def _count(note: str | None) -> int:
    return int((note or HOT_MARK + "0").removeprefix(HOT_MARK))


def _orders_file(folder: Path, worker: int, round_: int) -> Path:
    path = folder / f"w{worker}-{round_}.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        out = csv.writer(fh)
        out.writerow(HEADERS)
        for n, row in enumerate(rows(5, seed=worker * 100_000 + round_)):
            row[0] = f"C{worker}R{round_}N{n}"
            row[1] = f"WB{worker}R{round_}N{n}"
            out.writerow(row)
    return path


def _clerk(url: str, worker: int, barrier: Any, seconds: float, folder: str,
           out: Any) -> None:
    """One workstation: import, edit, check, batch in turn until the time is up (counted
    from the moment every clerk is connected and warm)."""
    from app.db.engine import make_engine, make_session_factory, transaction
    from app.db.models import Declaration
    from app.domain.errors import UserFacingError
    from app.intake.service import ImportRequest, db_lookup, import_file
    from app.precheck.service import check_declarations
    from app.security.context import Actor, Role
    from app.services.editing import save_declaration
    from app.submission.batches import create_batch

    engine = make_engine(url)
    factory = make_session_factory(engine)
    actor = Actor(f"clerk{worker}", Role.CLERK, workstation=f"ws{worker}")
    rnd = random.Random(worker)
    with factory() as s:
        hot = list(s.scalars(select(Declaration.id).where(Declaration.note.like(f"{HOT_MARK}%"))
                             .order_by(Declaration.id)))
        top = int(s.scalar(select(func.max(Declaration.id))) or 1)
    done: Counter[str] = Counter()
    refused: Counter[str] = Counter()
    increments: Counter[int] = Counter()
    imported = batched = 0
    with factory() as s:  # warm: connect, load the reference tables and the rule set once
        lookup = db_lookup(s)  # a workstation keeps them loaded
        check_declarations(s, actor, [hot[0]], report=False)
        s.rollback()
    barrier.wait()
    deadline = time.time() + seconds
    i = 0
    while time.time() < deadline:
        op = OPS[(i + worker) % len(OPS)]  # the clerks start on different work
        i += 1
        try:
            with transaction(factory) as s:
                if op == "import":
                    summary = import_file(s, actor, ImportRequest(
                        _orders_file(Path(folder), worker, i)), lookup=lookup)
                    imported += summary.declarations
                elif op == "edit":
                    target = rnd.choice(hot)
                    decl = s.get(Declaration, target)
                    assert decl is not None
                    save_declaration(s, actor, target, decl.version,
                                     {"note": f"{HOT_MARK}{_count(decl.note) + 1}"})
                elif op == "check":
                    check_declarations(s, actor, rnd.sample(range(1, top + 1), 20),
                                       report=False)
                else:
                    batch = create_batch(s, actor, status="ready", limit=5,
                                         mixed_logistics=True)
                    batched += batch.declarations
            done[op] += 1
            if op == "edit":
                increments[target] += 1
        except UserFacingError:  # a lost race told plainly, nothing ready, …: counted
            refused[op] += 1
    engine.dispose()
    out.put({"done": dict(done), "refused": dict(refused), "imported": imported,
             "batched": batched, "increments": dict(increments)})


def _run(url: str, processes: int, seconds: float) -> tuple[float, dict[str, Any]]:
    """Operations per second of `processes` clerks at once; checks the database after."""
    from app.db.engine import make_engine, make_session_factory
    from app.db.models import Declaration
    from app.security.audit import verify_chain

    mp = multiprocessing.get_context("spawn")
    barrier = mp.Barrier(processes)
    queue = mp.Queue()
    with scratch_dir() as folder:
        clerks = [mp.Process(target=_clerk, args=(url, w, barrier, seconds, str(folder), queue))
                  for w in range(processes)]
        for p in clerks:
            p.start()
        results = [queue.get(timeout=seconds + 600) for _ in clerks]
        for p in clerks:
            p.join()
    ops = sum(sum(r["done"].values()) for r in results)
    engine = make_engine(url)
    with make_session_factory(engine)() as s:
        dup_orders = s.scalar(select(func.count()).select_from(
            select(Declaration.ebpCode, Declaration.orderNo)
            .where(Declaration.status.not_in(("cancelled", "rejected")))
            .group_by(Declaration.ebpCode, Declaration.orderNo)
            .having(func.count() > 1).subquery()))
        dup_waybills = s.scalar(select(func.count()).select_from(
            select(Declaration.logisticsNo)
            .where(Declaration.status.not_in(("cancelled", "rejected")))
            .group_by(Declaration.logisticsNo).having(func.count() > 1).subquery()))
        saved: Counter[int] = Counter()
        for r in results:
            saved.update({int(k): v for k, v in r["increments"].items()})
        notes = dict(s.execute(select(Declaration.id, Declaration.note)
                               .where(Declaration.id.in_(list(saved) or [0]))).tuples().all())
        lost = sum(saved[k] - _count(notes.get(k)) for k in saved)
        chain = verify_chain(s)
    engine.dispose()
    if dup_orders or dup_waybills or lost or not chain.ok:
        raise AssertionError(f"{processes} clerks: {dup_orders} duplicate orders, "
                             f"{dup_waybills} duplicate waybills, {lost} lost updates, "
                             f"audit chain ok={chain.ok}")
    return ops / seconds, {"results": results, "events": chain.events}


@case("pg-concurrent-clerks", target=0.67)
def pg_concurrent_clerks(quick: bool) -> Outcome:
    server = _server()
    if not server:
        return Outcome(0.0, None, {"skipped": "set CLEARDESK_BENCH_PG to a PostgreSQL URL"})
    seconds = 8.0 if quick else 30.0
    tag = f"cd_bench_clerks_{os.getpid()}"
    template = f"{tag}_template"
    _seed(_create_database(server, template), 600 if quick else 3000)
    figures: dict[int, float] = {}
    details: dict[int, dict[str, Any]] = {}
    try:
        for processes in (1, PROCESSES):
            name = f"{tag}_{processes}"
            url = _create_database(server, name, template)
            try:
                figures[processes], details[processes] = _run(url, processes, seconds)
            finally:
                _drop_database(server, name)
    finally:
        _drop_database(server, template)
    one, many = figures[1], figures[PROCESSES]
    mix = Counter[str]()
    refused = Counter[str]()
    for r in details[PROCESSES]["results"]:
        mix.update(r["done"])
        refused.update(r["refused"])
    return Outcome(1.0 / many if many else float("inf"), 1.0 / one if one else None, {
        "ops_per_s_1": f"{one:.1f}", f"ops_per_s_{PROCESSES}": f"{many:.1f}",
        "speedup": f"{many / one:.2f}x" if one else "n/a",
        "done": ",".join(f"{k}:{v}" for k, v in sorted(mix.items())),
        "refused": ",".join(f"{k}:{v}" for k, v in sorted(refused.items())) or "0",
        "duplicates": "0", "lost_updates": "0", "audit": "intact",
        "cores": str(os.cpu_count())})
