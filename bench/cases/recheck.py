"""recheck-after-edit-1m: the check of one saved edit in a database of 1M declarations.

A clerk changes the price of one parcel whose buyer has 20 other parcels this year (one more
parcel, cancelled, had the same waybill): the save's check (`recheck_after_edit`: flush, the
cross-record partners, annual totals and duplicates for them, the rules for every declaration
whose fingerprint moved, storing what changed) is timed; target: median ≤ 50 ms.

The database is built once and kept under CLEARDESK_BENCH_DIR (or the temp folder), named by
schema revision, rule version and size: 100k demo declarations checked in full, then copied
in SQL (ids shifted, order and waybill numbers made unique) up to the size. Every round runs
in a transaction that is rolled back, so the kept database never changes.
"""

from __future__ import annotations

import os
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, select, text, update
from sqlalchemy.orm import Session

from app.db.bulk import insert_declarations
from app.db.engine import make_engine
from app.db.migrate import ensure_schema, head_revision
from app.db.models import Declaration, DeclarationItem
from app.precheck.service import check_declarations
from app.reference.tables import shipped_reference_tables
from app.rules.engine import RULES_VERSION
from app.security.context import system_actor
from app.services.bootstrap import after_migration
from app.services.demo import generate, id_check_character
from app.services.editing import recheck_after_edit
from bench.registry import Outcome, case

TARGET_S = 0.050
ROUNDS = 15
BLOCK = 100_000  # demo declarations generated and checked; the rest are SQL copies
PARTNERS = 20
BUYER = "11010519850615007"
START = datetime(2026, 11, 1, tzinfo=UTC)
BUYER_ID = BUYER + id_check_character(BUYER)


def _copy_block(conn: object, k: int) -> None:
    """Declarations 1..BLOCK copied as block k (ids + k·BLOCK), with their items and
    problems; order and waybill numbers get a suffix (both are unique among active ones)."""
    from sqlalchemy import Connection

    assert isinstance(conn, Connection)
    cols = [c.name for c in Declaration.__table__.c]
    shifted = {"id": f"id + {k * BLOCK}", "order_no": f"order_no || '-{k}'",
               "logistics_no": f"logistics_no || '-{k}'"}
    conn.execute(text(
        f"INSERT INTO declarations ({', '.join(cols)}) SELECT "
        f"{', '.join(shifted.get(c, c) for c in cols)} FROM declarations WHERE id <= {BLOCK}"))
    item_cols = [c.name for c in DeclarationItem.__table__.c if c.name != "id"]
    conn.execute(text(
        f"INSERT INTO declaration_items ({', '.join(item_cols)}) SELECT "
        f"{', '.join(f'declaration_id + {k * BLOCK}' if c == 'declaration_id' else c for c in item_cols)} "  # noqa: E501
        f"FROM declaration_items WHERE declaration_id <= {BLOCK}"))
    problem_cols = ("declaration_id", "gnum", "field", "code", "severity", "msgid", "params")
    conn.execute(text(
        f"INSERT INTO problems ({', '.join(problem_cols)}) SELECT "
        f"declaration_id + {k * BLOCK}, {', '.join(problem_cols[1:])} FROM problems "
        f"WHERE declaration_id <= {BLOCK}"))


def unique_numbers(heads: list[dict[str, Any]], seen: set[object]) -> None:
    """The demo generator may repeat a waybill number in 100k parcels (random S10 serials);
    the database keeps active ones unique, so a repeat gets a suffix."""
    for n, head in enumerate(heads):
        for key in (head.get("logisticsNo"), (head.get("ebpCode"), head.get("orderNo"))):
            if key in seen:
                head["logisticsNo"] = f"{head['logisticsNo']}-{n}"
                head["orderNo"] = f"{head['orderNo']}-{n}"
        seen.update((head.get("logisticsNo"), (head.get("ebpCode"), head.get("orderNo"))))


def _build(path: Path, n: int) -> None:
    engine = make_engine(f"sqlite:///{path}")
    ensure_schema(engine)
    after_migration(engine)
    refs = shipped_reference_tables()
    seen: set[object] = set()
    with Session(engine) as s, s.begin():
        for k in range(0, min(n, BLOCK), 50_000):  # as bench.cases.reports builds its data
            heads, items = generate(50_000, k + 1, refs, {},
                                    start=START + timedelta(minutes=7 * k))
            unique_numbers(heads, seen)
            insert_declarations(s, heads, items)
            del heads, items
    with Session(engine) as s, s.begin():
        check_declarations(s, system_actor(), None, report=False)
    with engine.begin() as conn:
        for k in range(1, n // BLOCK):
            _copy_block(conn, k)
    _set_up_edit(engine)
    with engine.begin() as conn:
        conn.execute(text("ANALYZE"))
    engine.dispose()


def _set_up_edit(engine: Engine) -> None:
    """The edited parcel, its buyer's 20 others (draft imports of this year) and a cancelled
    parcel with its waybill; their results checked and stored."""
    with Session(engine) as s, s.begin():
        ids = list(s.execute(
            select(Declaration.id).where(Declaration.status.in_(("ready", "draft")),
                                         Declaration.ieFlag == "I")
            .order_by(Declaration.id).offset(1000).limit(PARTNERS + 2)).scalars())
        edited, others, cancelled = ids[0], ids[1:PARTNERS + 1], ids[PARTNERS + 1]
        s.execute(update(Declaration).where(Declaration.id.in_([edited, *others]))
                  .values(buyerIdNumber=BUYER_ID, payerIdNumber=BUYER_ID))
        waybill = s.scalar(select(Declaration.logisticsNo).where(Declaration.id == edited))
        s.execute(update(Declaration).where(Declaration.id == cancelled)
                  .values(status="cancelled", logisticsNo=waybill))
        check_declarations(s, system_actor(), [edited, *others, cancelled], report=False)


def _database(n: int) -> Path:
    folder = Path(os.environ.get("CLEARDESK_BENCH_DIR") or tempfile.gettempdir())
    path = folder / f"cleardesk-recheck-edit-{n}-{head_revision()}-r{RULES_VERSION}.sqlite3"
    if not path.exists():
        building = path.with_suffix(".building")
        building.unlink(missing_ok=True)
        _build(building, n)
        building.rename(path)
    return path


def _edited_id(s: Session) -> int:
    found = s.scalar(select(Declaration.id).where(Declaration.buyerIdNumber == BUYER_ID)
                     .order_by(Declaration.id).limit(1))
    assert found is not None
    return int(found)


def _fingerprints(s: Session) -> dict[int, str | None]:
    return {i: fp for i, fp in s.execute(
        select(Declaration.id, Declaration.check_fingerprint)
        .where(Declaration.buyerIdNumber == BUYER_ID))}


def _one_save(engine: Engine, decl_id: int, price: Decimal) -> tuple[float, float, int]:
    """(process CPU and wall seconds the save's check took, the buyer's declarations it
    checked again); rolled back."""
    with Session(engine) as s:
        try:
            decl = s.get(Declaration, decl_id)
            assert decl is not None
            item = decl.items[0]
            item.price = price
            item.totalPrice = price * (item.qty or 1)
            before = _fingerprints(s)
            start, cpu = time.perf_counter(), time.process_time()
            recheck_after_edit(s, system_actor(), decl)
            cpu, took = time.process_time() - cpu, time.perf_counter() - start
            after = _fingerprints(s)
            return cpu, took, sum(1 for k, fp in after.items() if before.get(k) != fp)
        finally:
            s.rollback()


@case("recheck-after-edit-1m", target=1.0)
def recheck_after_edit_1m(quick: bool) -> Outcome:
    """Median time of the save's check over ROUNDS edits (after one warm-up edit that also
    fills the process's reference tables), against the 50 ms target. Process CPU time counts,
    as in the other cases: on this shared 2-core machine wall time grows with the other
    processes' load (the same run took 30 ms of wall time at load 5 and 170 ms at load 12);
    the wall medians are in the notes."""
    n = BLOCK if quick else 10 * BLOCK
    started = time.perf_counter()
    path = _database(n)
    built = time.perf_counter() - started
    engine = make_engine(f"sqlite:///{path}")
    try:
        with Session(engine) as s:
            decl_id = _edited_id(s)
        _, cold, rechecked = _one_save(engine, decl_id, Decimal("333"))
        rounds = [_one_save(engine, decl_id, Decimal(300 + r)) for r in range(ROUNDS)]
    finally:
        engine.dispose()
    cpu = statistics.median(r[0] for r in rounds)
    wall = statistics.median(r[1] for r in rounds)
    notes = {"declarations": n, "rechecked": rechecked, "median_cpu_ms": f"{cpu * 1e3:.1f}",
             "median_wall_ms": f"{wall * 1e3:.1f}",
             "max_wall_ms": f"{max(r[1] for r in rounds) * 1e3:.1f}",
             "cold_wall_ms": f"{cold * 1e3:.1f}", "setup_s": f"{built:.0f}",
             "clock": "process CPU (median)", "load": f"{os.getloadavg()[0]:.1f}"}
    return Outcome(cpu, TARGET_S, {k: str(v) for k, v in notes.items()})
