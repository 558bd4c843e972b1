"""Intake benchmarks: the whole import (parse, map, normalise, group, insert, commit) of
platform order files against the bare libraries a script would use on the same file.

- import-xlsx-100k        ours vs python-calamine parse + sqlite3 executemany      (≤ 2)
- import-xlsx-100k-naive  ours vs openpyxl read-only parse + sqlite3 executemany   (≤ 0.5)
- import-csv-100k         ours vs csv module + sqlite3 executemany                 (≤ 3)
- import-csv-1m-memory    peak RSS of a 1M-row CSV import (subprocess) vs 400 MB   (≤ 1)
"""

from __future__ import annotations

import csv
import os
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from app.db.engine import make_engine, make_session_factory
from app.db.migrate import ensure_schema
from app.intake.service import ImportRequest, import_file
from app.security.context import system_actor
from app.services.bootstrap import after_migration
from bench.cases.intake_data import HEADERS, write_csv, write_xlsx
from bench.registry import Outcome, case, scratch_dir, stopwatch

MEMORY_LIMIT_MB = 400.0


def _template(d: Path) -> Path:
    path = d / "template.sqlite3"
    eng = make_engine(f"sqlite:///{path}")
    ensure_schema(eng)
    after_migration(eng)
    eng.dispose()
    return path


def _ours(db: Path, file: Path) -> tuple[float, dict[str, str]]:
    eng = make_engine(f"sqlite:///{db}")
    sessions = make_session_factory(eng)
    with stopwatch() as t, sessions() as s, s.begin():
        summary = import_file(s, system_actor(), ImportRequest(file, precheck=False))
    eng.dispose()
    notes = {"rows": str(summary.rows), "declarations": str(summary.declarations),
             "items": str(summary.items), "rejected": str(summary.rejected_rows)}
    return t(), notes


def _bare_insert(db: Path, rows: Iterable[Iterable[Any]]) -> None:
    con = sqlite3.connect(db, isolation_level=None)
    for pragma in ("journal_mode=WAL", "synchronous=NORMAL"):
        con.execute(f"PRAGMA {pragma}")
    cols = ", ".join(f"c{i} TEXT" for i in range(len(HEADERS)))
    con.execute(f"CREATE TABLE raw ({cols})")
    marks = ", ".join("?" * len(HEADERS))
    con.execute("BEGIN")
    con.executemany(f"INSERT INTO raw VALUES ({marks})", rows)
    con.execute("COMMIT")
    con.close()


def _padded(rows: Iterable[Iterable[Any]]) -> Iterable[tuple[Any, ...]]:
    width = len(HEADERS)
    for r in rows:
        t = tuple(r)
        yield t + (None,) * (width - len(t)) if len(t) < width else t[:width]


def _compare(file: Path, baseline: Callable[[Path], None], d: Path) -> Outcome:
    template = _template(d)
    ours_db = d / "ours.sqlite3"
    shutil.copyfile(template, ours_db)
    with stopwatch() as bare:
        baseline(d / "bare.sqlite3")
    ours, notes = _ours(ours_db, file)
    return Outcome(ours, bare(), notes)


@case("import-xlsx-100k", target=2.0)
def import_xlsx_100k(quick: bool) -> Outcome:
    import python_calamine as pc

    n = 20_000 if quick else 100_000
    with scratch_dir() as d:
        file = write_xlsx(d / "orders.xlsx", n)

        def bare(db: Path) -> None:
            wb = pc.CalamineWorkbook.from_path(str(file))
            data = wb.get_sheet_by_index(0).to_python()
            _bare_insert(db, _padded(data[1:]))

        return _compare(file, bare, d)


@case("import-xlsx-100k-naive", target=0.5)
def import_xlsx_100k_naive(quick: bool) -> Outcome:
    import openpyxl

    n = 20_000 if quick else 100_000
    with scratch_dir() as d:
        file = write_xlsx(d / "orders.xlsx", n)

        def bare(db: Path) -> None:
            wb = openpyxl.load_workbook(file, read_only=True)
            it = wb.active.iter_rows(values_only=True)
            next(it)
            _bare_insert(db, _padded(it))
            wb.close()

        return _compare(file, bare, d)


@case("import-csv-100k", target=3.0)
def import_csv_100k(quick: bool) -> Outcome:
    n = 20_000 if quick else 100_000
    with scratch_dir() as d:
        file = write_csv(d / "orders.csv", n)

        def bare(db: Path) -> None:
            with file.open(encoding="gb18030", newline="") as fh:
                reader = csv.reader(fh)
                next(reader)
                _bare_insert(db, _padded(reader))

        return _compare(file, bare, d)


_CHILD = """
import resource, sys, time
from pathlib import Path
from bench.cases.intake import _ours
seconds, notes = _ours(Path(sys.argv[1]), Path(sys.argv[2]))
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(seconds, peak, notes["declarations"], notes["items"])
"""


@case("import-csv-1m-memory", target=1.0)
def import_csv_1m_memory(quick: bool) -> Outcome:
    """ours = peak RSS in MB of a child process importing the file; baseline = the 400 MB cap."""
    n = 100_000 if quick else 1_000_000
    with scratch_dir() as d:
        file = write_csv(d / "orders.csv", n)
        db = d / "ours.sqlite3"
        shutil.copyfile(_template(d), db)
        root = Path(__file__).resolve().parents[2]
        out = subprocess.run([sys.executable, "-c", _CHILD, str(db), str(file)], check=True,
                             capture_output=True, text=True, cwd=root,
                             env={**os.environ, "PYTHONPATH": str(root)})
        seconds, peak, decls, items = out.stdout.split()
    return Outcome(float(peak), MEMORY_LIMIT_MB,
                   {"unit": "MB", "rows": str(n), "seconds": f"{float(seconds):.1f}",
                    "declarations": decls, "items": items})
