"""Dashboard benchmark.

- dashboard-100k: the supervisor's dashboard (app/autopilot/dashboard.day_flow: every column,
  exceptions included) over a Beijing day of 100k parcels, with two earlier days of the same
  traffic in the tables, vs bare SQL through the driver grouping the day's declarations,
  sends and release receipts by hour (the three big GROUP BYs, without the exceptions).
"""

from __future__ import annotations

import sqlite3
from datetime import UTC, date, datetime
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.orm import Session

from app.autopilot.dashboard import day_flow
from app.db.bulk import insert_declarations
from app.db.engine import make_engine
from app.db.migrate import ensure_schema
from app.domain.clock import day_bounds_utc
from app.reference.tables import shipped_reference_tables
from app.security.context import Actor, Role
from app.services.demo import generate
from bench.registry import Outcome, best_of, case, scratch_dir

DAY = date(2026, 11, 20)
SUPERVISOR = Actor("bench", Role.SUPERVISOR)
_SENT = ("('sent','accepted','review','inspection','detained','shipped_back',"
         "'cancel_requested','released','cleared','return_requested','returned','rejected')")


# Timestamps as SQLAlchemy stores them on SQLite (microseconds: '… 16:00:00.000000').
def _stamp(args: str) -> str:
    return f"strftime('%Y-%m-%d %H:%M:%f', {args}) || '000'"


def build_database(path: Path, n: int) -> str:
    """`n` demo parcels created across DAY (Beijing), each with its audit events (pre-check,
    batching, sending: by the autopilot for nine in ten) and release receipts; then the same
    events and receipts again on each of the two days before (bench-only SQL)."""
    url = f"sqlite:///{path}"
    engine = make_engine(url)
    ensure_schema(engine)
    start, _ = day_bounds_utc(DAY, DAY)
    base = start.replace(tzinfo=None).isoformat(sep=" ")
    refs = shipped_reference_tables()
    with Session(engine) as s, s.begin():
        heads, items = generate(n, 11, refs, {}, start=datetime(2026, 11, 1, tzinfo=UTC))
        for k, head in enumerate(heads):  # random waybills may meet at this size
            head["logisticsNo"] = f"YT{k:013d}"
        insert_declarations(s, heads, items)
        del heads, items
        # Spread over the day: parcel i arrives i × 86400 / n seconds after midnight.
        s.execute(text(
            "UPDATE declarations SET created_at = "
            + _stamp(f"'{base}', '+' || ((id - 1) * 86400 / {n}) || ' seconds'")
            + ", updated_at = "
            + _stamp(f"'{base}', '+' || ((id - 1) * 86400 / {n} + 3600) || ' seconds'")))
        for shift in (0, 1, 2):  # this day, then the two before it
            days = f"'-{shift} days'"
            s.execute(text(
                "INSERT INTO audit_events (at, user_name, workstation, action, entity, "
                "entity_id, declaration_id, details, prev_hash, hash) "
                "SELECT " + _stamp(f"created_at, {days}, '+' || e.k || ' minutes'") + ", "
                "CASE WHEN e.k = 30 AND id % 10 <> 0 THEN 'autopilot:wang' ELSE 'li' END, "
                "'ws', CASE e.k WHEN 30 THEN 'declaration.send' ELSE 'declaration.status' "
                "END, 'declaration', id, id, '{}', '', "
                f"'{shift}-' || e.k || '-' || id FROM declarations, "
                "(SELECT 1 AS k UNION ALL SELECT 20 UNION ALL SELECT 30) AS e "
                f"WHERE e.k < 30 OR status IN {_SENT}"))
            s.execute(text(
                "INSERT INTO inbound_receipts (message_type, file_name, file_hash, "
                "content_key, return_status, return_time, declaration_id, applied, "
                "received_at) SELECT 'CEB622Message', 'r' || id || '.xml', 'h' || id, "
                f"'{shift}-' || id, '800', '20261120000000000', id, 1, "
                + _stamp(f"created_at, {days}, '+3 hours'") + " FROM declarations "
                "WHERE status IN ('released', 'cleared')"))
    engine.dispose()
    return url


def bare_counts(path: Path) -> list[list[tuple[int, int]]]:
    start, end = (t.replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")
                  for t in day_bounds_utc(DAY, DAY))
    hour = "((CAST(substr({}, 12, 2) AS INTEGER) + 8) % 24)"
    con = sqlite3.connect(path)
    try:
        return [con.execute(sql, (start, end)).fetchall() for sql in (
            f"SELECT {hour.format('created_at')}, count(*) FROM declarations "
            "WHERE created_at >= ? AND created_at < ? GROUP BY 1",
            f"SELECT {hour.format('at')}, count(*), sum(user_name LIKE 'autopilot:%') "
            "FROM audit_events WHERE action = 'declaration.send' AND at >= ? AND at < ? "
            "GROUP BY 1",
            f"SELECT {hour.format('received_at')}, count(DISTINCT declaration_id) "
            "FROM inbound_receipts WHERE return_status = '800' AND applied "
            "AND received_at >= ? AND received_at < ? GROUP BY 1")]
    finally:
        con.close()


@case("dashboard-100k", target=3.0)
def dashboard_100k(quick: bool) -> Outcome:
    n = 20_000 if quick else 100_000
    with scratch_dir() as d:
        path = d / "dashboard.sqlite3"
        url = build_database(path, n)
        engine = make_engine(url)

        def ours() -> tuple[int, int, int]:
            with Session(engine) as s:
                t = day_flow(s, SUPERVISOR, DAY).totals
            return t.received, t.declared, t.released

        ours_s, bare_s, (received, declared, released) = best_of(ours, lambda: bare_counts(path))
        engine.dispose()
    if received != n:
        raise AssertionError(f"received {received}, expected {n}")
    return Outcome(ours_s, bare_s, {"parcels": str(n), "declared": str(declared),
                                    "released": str(released)})
