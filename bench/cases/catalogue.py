"""Goods catalogue benchmark: what filling goods lines from the catalogue adds to an import.

- catalogue-fill-100k  import of a 100k-line CSV whose every SKU is in a 20,000-product
                       catalogue (each line gets gcode, legal units and quantities) vs the
                       same import into a database without a catalogue            (≤ 1.3)

Both sides import the same file (no HS codes, no legal quantities in it) with the pre-check
off, as the intake benchmarks do, each into a fresh copy of its database, alternately, best
of ROUNDS in process CPU time.
"""

from __future__ import annotations

import csv
import random
import shutil
import sqlite3
from decimal import Decimal
from pathlib import Path

from sqlalchemy import func, select

from app.catalogue.store import entry_key, name_key
from app.db.engine import make_engine, make_session_factory
from app.db.models import DeclarationItem
from app.db.types import to_scaled, utcnow
from app.intake.service import ImportRequest, import_file
from app.security.context import system_actor
from bench.cases.intake import _template
from bench.registry import Outcome, case, cpu_clock, scratch_dir, stopwatch

EBC = "1105W6B002"
HEADERS = ["订单编号", "物流运单编号", "订购人姓名", "订购人证件号码", "订购人电话", "收件地址",
           "电商企业代码", "商品货号", "商品名称", "规格型号", "原产国", "数量", "计量单位", "单价",
           "总价", "运费", "毛重(kg)", "净重(kg)"]
# (gcode, unit1, qty1 per 瓶, unit2, qty2 per 瓶) a product may have
CODES = [("3304990029", "035", Decimal("0.05"), "011", Decimal("1")),
         ("2106909090", "035", Decimal("0.12"), None, None),
         ("1901101000", "035", Decimal("0.9"), None, None),
         ("2204210000", "095", Decimal("0.75"), "035", Decimal("1.2"))]
ROUNDS = 2


def _write_file(path: Path, n: int, products: int, seed: int = 11) -> Path:
    rnd = random.Random(seed)
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(HEADERS)
        order = made = 0
        while made < n:
            order += 1
            idno = f"11010519{rnd.randint(60, 99)}0101{rnd.randint(1000, 9999)}"[:17] + "X"
            phone = f"13{rnd.randint(100000000, 999999999)}"
            address = f"北京市朝阳区建国路{rnd.randint(1, 999)}号"
            for _ in range(1 if rnd.random() < 0.6 else rnd.randint(2, 3)):
                if made >= n:
                    break
                sku = rnd.randrange(products)
                qty = rnd.randint(1, 3)
                w.writerow([f"SO{order:010d}", f"YT{order:012d}", "张伟", idno, phone,
                            address, EBC, f"SKU{sku:06d}",
                            f"商品{sku:06d}", "50ml/瓶", "日本", qty, "瓶", 20.0, 20.0 * qty,
                            10.0, 1.25, 1.05])
                made += 1
    return path


def _fill_catalogue(db: Path, products: int) -> None:
    """`products` entries straight into the table (the bench measures the import, not this)."""
    now = utcnow().isoformat(sep=" ")
    rows = []
    for i in range(products):
        gcode, unit1, q1, unit2, q2 = CODES[i % len(CODES)]
        sku, name = f"SKU{i:06d}", f"商品{i:06d}"
        rows.append((entry_key(EBC, sku, name, "50ml/瓶"), EBC, sku, name_key(name, "50ml/瓶"),
                     name, "50ml/瓶", gcode, "142", "116", unit1, to_scaled(q1), unit2,
                     to_scaled(q2), "confirmed", 0, now, now))
    con = sqlite3.connect(db)
    con.executemany(
        "INSERT INTO catalogue_entries (entry_key, ebc_code, item_no, name_key, gname, gmodel, "
        "gcode, unit, country, unit1, qty1_per_unit, unit2, qty2_per_unit, source, "
        "accepted_count, created_at, updated_at) VALUES "
        "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
    con.commit()
    con.close()


def _import(db: Path, file: Path) -> tuple[float, float, int, int]:
    """(wall, CPU seconds, lines filled, lines with an HS code afterwards)."""
    eng = make_engine(f"sqlite:///{db}")
    sessions = make_session_factory(eng)
    with stopwatch() as t, cpu_clock() as cpu, sessions() as s, s.begin():
        summary = import_file(s, system_actor(), ImportRequest(file, precheck=False))
    with sessions() as s:
        coded = int(s.scalar(select(func.count()).select_from(DeclarationItem)
                             .where(DeclarationItem.gcode.is_not(None))) or 0)
    eng.dispose()
    return t(), cpu(), summary.catalogue_filled, coded


@case("catalogue-fill-100k", target=1.3)
def catalogue_fill_100k(quick: bool) -> Outcome:
    n, products = (10_000, 2_000) if quick else (100_000, 20_000)
    with scratch_dir() as d:
        file = _write_file(d / "orders.csv", n, products)
        template = _template(d)
        with_catalogue = d / "catalogue.sqlite3"
        shutil.copyfile(template, with_catalogue)
        _fill_catalogue(with_catalogue, products)
        ours_cpu: list[float] = []
        bare_cpu: list[float] = []
        walls: list[str] = []
        filled = coded = 0
        for _ in range(ROUNDS):
            ours_db, bare_db = d / "ours.sqlite3", d / "bare.sqlite3"
            shutil.copyfile(with_catalogue, ours_db)
            shutil.copyfile(template, bare_db)
            bare_wall, bare, _f, _c = _import(bare_db, file)
            ours_wall, ours, filled, coded = _import(ours_db, file)
            ours_cpu.append(ours)
            bare_cpu.append(bare)
            walls.append(f"{ours_wall:.1f}:{bare_wall:.1f}")
    if filled != n or coded != n:
        raise AssertionError(f"{filled} of {n} lines filled, {coded} with an HS code")
    return Outcome(min(ours_cpu), min(bare_cpu),
                   {"lines": str(n), "products": str(products), "filled": str(filled),
                    "clock": "process CPU", "wall_rounds": "/".join(walls)})
