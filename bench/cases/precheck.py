"""check-100k: pre-check of 100k declarations (rules on the worker pool, cross-record SQL,
storing problems, counts, tax and statuses) vs bare sqlite3 reading the same head and item
rows; recheck-100k-unchanged: the same check again, nothing changed."""

from __future__ import annotations

import gc
import os
import shutil
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects import sqlite
from sqlalchemy.orm import Session

from app.db.bulk import insert_declarations
from app.db.engine import make_engine
from app.db.migrate import ensure_schema
from app.precheck import service
from app.precheck.records import HEAD_COLUMNS, ITEM_COLUMNS
from app.precheck.service import CheckSummary, check_declarations
from app.reference.tables import shipped_reference_tables
from app.rules.context import CheckContext, Record
from app.rules.engine import CheckResult
from app.security.context import system_actor
from app.services.bootstrap import after_migration
from app.services.demo import generate
from bench.cases.recheck import unique_numbers
from bench.registry import Outcome, case, cpu_clock, scratch_dir, stopwatch

ROUNDS = 3
WORKERS = "CLEARDESK_CHECK_WORKERS"


def _sql(columns: Any, order: str) -> str:
    """The loader's own SELECT, as plain SQL for the bare driver."""
    text = str(select(*columns).compile(dialect=sqlite.dialect()))
    return f"{text} ORDER BY {order}"


def _template(path: Path, n: int) -> None:
    heads, items = generate(n, 11, shipped_reference_tables(), {})
    unique_numbers(heads, set())  # the generator repeats a waybill in 100k
    eng = make_engine(f"sqlite:///{path}")
    ensure_schema(eng)
    after_migration(eng)
    with Session(eng) as s, s.begin():
        insert_declarations(s, heads, items)
    eng.dispose()


def _bare(path: Path) -> tuple[int, int]:
    head_sql = _sql(HEAD_COLUMNS, "declarations.id")
    item_sql = _sql(ITEM_COLUMNS, "declaration_items.declaration_id, declaration_items.gnum")
    con = sqlite3.connect(path)
    try:
        heads_read = con.execute(head_sql).fetchall()
        items_read = con.execute(item_sql).fetchall()
    finally:
        con.close()
    return len(heads_read), len(items_read)


def _ours(path: Path, workers: str | None = None) -> CheckSummary:
    """`check --all` on `path`; `workers` set: CLEARDESK_CHECK_WORKERS for this run (unset:
    the default, a worker per core)."""
    eng = make_engine(f"sqlite:///{path}")
    saved = os.environ.get(WORKERS)
    if workers is not None:
        os.environ[WORKERS] = workers
    try:
        with Session(eng) as s, s.begin():
            return check_declarations(s, system_actor(), None, today=date(2026, 11, 26),
                                      report=False)
    finally:
        if workers is not None:
            if saved is None:
                del os.environ[WORKERS]
            else:
                os.environ[WORKERS] = saved
        eng.dispose()


def _no_rules(records: Sequence[Record], ctx: CheckContext) -> list[CheckResult]:
    return [CheckResult((), None) for _ in records]


@contextmanager
def _rules_off() -> Iterator[None]:
    """The pre-check with every rule switched off (all pass, no tax): what loading, facts,
    storing and auditing cost on their own, the floor under any rule engine."""
    real = service.check_records
    service.check_records = _no_rules
    try:
        yield
    finally:
        service.check_records = real


@case("check-100k", target=5.0)
def check_100k(quick: bool) -> Outcome:
    """Wall clock of the whole run — worker start-up, cross-record SQL, rules on the workers,
    storing, commit — against the bare read, best of ROUNDS each, alternately, in one run;
    ours on a fresh copy of the database each round (a second check of the same rows would
    find their fingerprints stored), the copy outside the timing, hence this loop rather than
    `best_of`. The notes add, from the same rounds: the in-process run's ratio (wall, and
    its process CPU against the read's), the pooled run's CPU (writer and workers together)
    against the read's, and `no_rules_ratio`: the in-process run with every
    rule switched off, what loading, facts, storing and auditing cost on their own."""
    n = 20_000 if quick else 100_000
    with scratch_dir() as d:
        template, work = d / "template.sqlite3", d / "check.sqlite3"
        _template(template, n)
        gc.collect()
        pooled: list[float] = []
        pooled_cpu: list[float] = []  # the writer's and the workers' together
        alone: list[float] = []
        alone_cpu: list[float] = []
        bare: list[float] = []
        bare_cpu: list[float] = []
        floor: list[float] = []
        for _ in range(ROUNDS):
            shutil.copyfile(template, work)
            _bare(work)  # the page cache warm for both sides alike
            with stopwatch() as bare_wall, cpu_clock() as bare_clock:
                read = _bare(work)
            bare.append(bare_wall())
            bare_cpu.append(bare_clock())
            with stopwatch() as ours_wall, cpu_clock() as ours_clock:
                summary = _ours(work)
            pooled.append(ours_wall())
            pooled_cpu.append(ours_clock())
            shutil.copyfile(template, work)
            with stopwatch() as alone_wall, cpu_clock() as alone_clock:
                _ours(work, "0")
            alone.append(alone_wall())
            alone_cpu.append(alone_clock())
            shutil.copyfile(template, work)
            with stopwatch() as floor_wall, _rules_off():
                _ours(work, "0")
            floor.append(floor_wall())

    def rounds(times: list[float]) -> str:
        return "/".join(f"{t:.2f}" for t in times)

    best = min(bare)
    notes = {"declarations": read[0], "items": read[1], "failed": summary.failed,
             "status_changes": summary.status_changes, "workers": summary.workers,
             "clock": "wall, whole run", "wall_rounds": rounds(pooled),
             "bare_rounds": rounds(bare),
             "in_process_ratio": f"{min(alone) / best:.2f} (rounds {rounds(alone)})",
             "in_process_cpu_ratio": f"{min(alone_cpu) / min(bare_cpu):.2f}",
             "pool_cpu_ratio": f"{min(pooled_cpu) / min(bare_cpu):.2f}",
             "no_rules_ratio": f"{min(floor) / best:.2f}",
             "load": " ".join(f"{x:.2f}" for x in os.getloadavg())}
    return Outcome(min(pooled), best, {k: str(v) for k, v in notes.items()})


@case("recheck-100k-unchanged", target=1.5)
def recheck_100k_unchanged(quick: bool) -> Outcome:
    """`check --all` right after a full check of the same 100k declarations, nothing changed:
    every declaration's fingerprint holds, so nothing is checked or written. Against the same
    bare read as check-100k; best of ROUNDS in process CPU, wall times in the notes."""
    n = 20_000 if quick else 100_000
    with scratch_dir() as d:
        work = d / "check.sqlite3"
        _template(work, n)
        _ours(work)  # the first check stores every result and fingerprint
        gc.collect()
        ours_cpu: list[float] = []
        bare_cpu: list[float] = []
        walls: list[str] = []
        for _ in range(ROUNDS):
            _bare(work)
            with stopwatch() as bare, cpu_clock() as bare_clock:
                read = _bare(work)
            bare_cpu.append(bare_clock())
            with stopwatch() as ours, cpu_clock() as ours_clock:
                summary = _ours(work)
            ours_cpu.append(ours_clock())
            walls.append(f"{ours():.2f}:{bare():.2f}")
    notes = {"declarations": read[0], "skipped": summary.skipped, "checked": summary.checked,
             "clock": "process CPU", "wall_rounds": "/".join(walls)}
    return Outcome(min(ours_cpu), min(bare_cpu), {k: str(v) for k, v in notes.items()})
