"""insert-100k: 100k declarations with items through the app's bulk path vs bare sqlite3
executemany of the same rows into the same schema."""

from __future__ import annotations

import shutil
import sqlite3
from typing import Any

from sqlalchemy.orm import Session

from app.db.bulk import _TableWriter, insert_declarations
from app.db.engine import make_engine
from app.db.migrate import ensure_schema
from app.db.models import Declaration, DeclarationItem
from app.reference.tables import shipped_reference_tables
from app.services.demo import generate
from bench.registry import Outcome, case, scratch_dir, stopwatch


@case("insert-100k", target=1.5)
def insert_100k(quick: bool) -> Outcome:
    n = 20_000 if quick else 100_000
    heads, items = generate(n, 1, shipped_reference_tables(), {})
    with scratch_dir() as d:
        template = d / "template.sqlite3"
        eng = make_engine(f"sqlite:///{template}")
        ensure_schema(eng)
        eng.dispose()
        ours_db, bare_db = d / "ours.sqlite3", d / "bare.sqlite3"
        shutil.copyfile(template, ours_db)
        shutil.copyfile(template, bare_db)

        # The same rows, already in database form, for the bare baseline.
        eng = make_engine(f"sqlite:///{bare_db}")
        with Session(eng) as s:
            hw, iw = _TableWriter(s, Declaration), _TableWriter(s, DeclarationItem, ("id",))
            head_rows = [hw.row({**h, "id": i + 1, "version": 1, "error_count": 0,
                                 "warning_count": 0, "printed_count": 0})
                         for i, h in enumerate(heads)]
            item_rows = [iw.row({**it, "declaration_id": i + 1})
                         for i, its in enumerate(items) for it in its]
            head_sql, item_sql = hw.sql, iw.sql
        eng.dispose()

        con = sqlite3.connect(bare_db, isolation_level=None)
        for pragma in ("journal_mode=WAL", "synchronous=NORMAL", "foreign_keys=ON"):
            con.execute(f"PRAGMA {pragma}")
        with stopwatch() as bare:
            con.execute("BEGIN")
            con.executemany(head_sql, head_rows)
            con.executemany(item_sql, item_rows)
            con.execute("COMMIT")
        con.close()

        eng = make_engine(f"sqlite:///{ours_db}")
        with stopwatch() as ours, Session(eng) as s, s.begin():
            insert_declarations(s, heads, items)
        eng.dispose()
    notes: dict[str, Any] = {"declarations": n, "items": sum(len(i) for i in items)}
    return Outcome(ours(), bare(), {k: str(v) for k, v in notes.items()})
