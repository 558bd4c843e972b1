"""reference-import-hs: load a full tariff edition from XLSX (read, validate, diff against the
stored edition, store, rebuild the search index, audit) vs calamine parsing the same file and
sqlite3 executemany of its rows. hs-search: word searches over the full tariff, median per
query against the 20 ms budget of the issue."""

from __future__ import annotations

import random
import shutil
import sqlite3
import statistics
import time
from pathlib import Path

from openpyxl import Workbook
from python_calamine import CalamineWorkbook
from sqlalchemy.orm import Session

from app.db.engine import make_engine
from app.db.migrate import ensure_schema
from app.reference.editions import import_edition
from app.reference.search import search_reference
from app.reference.tables import shipped_reference_tables
from app.security.context import system_actor
from app.services.bootstrap import after_migration
from bench.registry import Outcome, case, cpu_clock, scratch_dir

HEADERS = ["税则号列", "货品名称", "英文名称", "第一法定计量单位", "第二法定计量单位", "增值税率",
           "消费税率"]
SEARCH_BUDGET = 0.020  # seconds per query (median), from issue 17


def _tariff_xlsx(path: Path) -> int:
    """The shipped tariff as an office would receive it, every tenth rate changed."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("税则")
    ws.append(HEADERS)
    rows = 0
    for index, hs in enumerate(shipped_reference_tables().hs_codes.values()):
        vat = "13%" if index % 10 == 0 else (f"{hs.vat_rate:%}" if hs.vat_rate else "")
        ws.append([hs.code, hs.name_zh, hs.name_en, hs.unit1, hs.unit2 or "", vat,
                   "" if hs.ct_rate is None else str(hs.ct_rate)])
        rows += 1
    wb.save(path)
    return rows


def _template(path: Path) -> None:
    engine = make_engine(f"sqlite:///{path}")
    ensure_schema(engine)
    after_migration(engine)
    engine.dispose()


def _bare(xlsx: Path, db: Path) -> int:
    sheet = CalamineWorkbook.from_path(str(xlsx)).get_sheet_by_index(0).to_python()
    rows = [(str(r[0]), str(r[1]), str(r[2]), str(r[3]), str(r[4]) or None, 1, 0, "bare")
            for r in sheet[1:]]
    con = sqlite3.connect(db)
    try:
        with con:
            con.execute("DELETE FROM hs_codes")
            con.executemany("INSERT INTO hs_codes (code, name_zh, name_en, unit1, unit2, "
                            "vat_rate, ct_rate, source) VALUES (?, ?, ?, ?, ?, ?, ?, ?)", rows)
    finally:
        con.close()
    return len(rows)


def _ours(xlsx: Path, db: Path) -> tuple[int, int]:
    engine = make_engine(f"sqlite:///{db}")
    try:
        with Session(engine) as s, s.begin():
            out = import_edition(s, system_actor(), xlsx, "hs", edition="bench")
        assert not out.errors, out.errors[:3]
        return out.rows, len(out.changed)
    finally:
        engine.dispose()


@case("reference-import-hs", target=2.0)
def reference_import_hs(quick: bool) -> Outcome:
    rounds = 2 if quick else 3
    with scratch_dir() as d:
        xlsx, template, work = d / "tariff.xlsx", d / "template.sqlite3", d / "work.sqlite3"
        written = _tariff_xlsx(xlsx)
        _template(template)
        ours_cpu: list[float] = []
        bare_cpu: list[float] = []
        for _ in range(rounds):
            shutil.copyfile(template, work)
            with cpu_clock() as bare:
                _bare(xlsx, work)
            bare_cpu.append(bare())
            shutil.copyfile(template, work)
            with cpu_clock() as ours:
                rows, changed = _ours(xlsx, work)
            ours_cpu.append(ours())
    return Outcome(min(ours_cpu), min(bare_cpu),
                   {"rows": str(rows), "written": str(written), "changed": str(changed),
                    "clock": "process CPU"})


def _queries(n: int) -> list[str]:
    """Words a clerk types: 2–4 characters of Chinese names, English words."""
    rng = random.Random(17)
    entries = list(shipped_reference_tables().hs_codes.values())
    words: list[str] = []
    while len(words) < n:
        hs = rng.choice(entries)
        if rng.random() < 0.7 and len(hs.name_zh) >= 4:
            size = rng.choice((2, 3, 3, 4))
            start = rng.randrange(0, len(hs.name_zh) - size + 1)
            words.append(hs.name_zh[start:start + size])
        elif hs.name_en:
            longest = max(hs.name_en.replace(";", " ").replace(",", " ").split(), key=len)
            words.append(longest)
    return words


@case("hs-search", target=1.0)
def hs_search(quick: bool) -> Outcome:
    queries = _queries(100)
    with scratch_dir() as d:
        db = d / "search.sqlite3"
        _template(db)
        engine = make_engine(f"sqlite:///{db}")
        times: list[float] = []
        hits = 0
        with Session(engine) as s:
            actor = system_actor()
            search_reference(s, actor, "hs", queries[0])  # warm the page cache
            for word in queries:
                start = time.perf_counter()
                hits += len(search_reference(s, actor, "hs", word))
                times.append(time.perf_counter() - start)
        engine.dispose()
    return Outcome(statistics.median(times), SEARCH_BUDGET,
                   {"queries": str(len(queries)), "rows_found": str(hits),
                    "p90_ms": f"{sorted(times)[89] * 1000:.1f}",
                    "baseline": "the 20 ms budget per query (median)"})
