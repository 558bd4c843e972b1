"""check-100k: pre-check of 100k declarations (rules, cross-record SQL, storing problems,
counts, tax and statuses) vs bare sqlite3 reading the same head and item rows."""

from __future__ import annotations

import sqlite3
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects import sqlite
from sqlalchemy.orm import Session

from app.db.bulk import insert_declarations
from app.db.engine import make_engine
from app.db.migrate import ensure_schema
from app.precheck.records import HEAD_COLUMNS, ITEM_COLUMNS
from app.precheck.service import check_declarations
from app.reference.tables import shipped_reference_tables
from app.security.context import system_actor
from app.services.bootstrap import after_migration
from app.services.demo import generate
from bench.registry import Outcome, case, scratch_dir, stopwatch


def _sql(columns: Any, order: str) -> str:
    """The loader's own SELECT, as plain SQL for the bare driver."""
    text = str(select(*columns).compile(dialect=sqlite.dialect()))
    return f"{text} ORDER BY {order}"


@case("check-100k", target=5.0)
def check_100k(quick: bool) -> Outcome:
    n = 20_000 if quick else 100_000
    heads, items = generate(n, 11, shipped_reference_tables(), {})
    with scratch_dir() as d:
        path = d / "check.sqlite3"
        eng = make_engine(f"sqlite:///{path}")
        ensure_schema(eng)
        after_migration(eng)
        with Session(eng) as s, s.begin():
            insert_declarations(s, heads, items)
        eng.dispose()

        head_sql = _sql(HEAD_COLUMNS, "declarations.id")
        item_sql = _sql(ITEM_COLUMNS, "declaration_items.declaration_id, declaration_items.gnum")
        con = sqlite3.connect(path)
        con.execute("SELECT count(*) FROM declarations").fetchall()  # warm the page cache
        with stopwatch() as bare:
            heads_read = con.execute(head_sql).fetchall()
            items_read = con.execute(item_sql).fetchall()
        con.close()

        eng = make_engine(f"sqlite:///{path}")
        with stopwatch() as ours, Session(eng) as s, s.begin():
            summary = check_declarations(s, system_actor(), None, today=date(2026, 11, 26),
                                         report=False)
        eng.dispose()
    notes = {"declarations": len(heads_read), "items": len(items_read),
             "failed": summary.failed, "status_changes": summary.status_changes}
    return Outcome(ours(), bare(), {k: str(v) for k, v in notes.items()})
