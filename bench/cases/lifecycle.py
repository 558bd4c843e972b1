"""After-submission benchmarks.

waybills-10k: build + schema-validate 10k CEB511 waybills (100 per message) from declaration
heads vs bare lxml building and validating the same documents.
tax-reconcile-100k: the tax reconciliation (totals, per batch, per guarantor, the largest
mismatches, unmatched bills) over 100k declarations with bills, vs the bare SQL join that
reads the same rows once (sqlite3, fetchall).
"""

from __future__ import annotations

import shutil
import sqlite3
from datetime import datetime
from typing import Any

from lxml import etree
from sqlalchemy.orm import Session

from app.db.engine import make_engine
from app.reports.tax_reconcile import ReconcileScope, reconcile
from app.security.context import Actor, Role
from app.submission import specimen as sp
from app.submission import waybills, xsd
from bench.cases import bare_xml
from bench.cases.reports import shared_database
from bench.registry import Outcome, best_of, case, scratch_dir, stopwatch

SUPERVISOR = Actor("bench", Role.SUPERVISOR)


def _heads(n: int) -> list[dict[str, Any]]:
    out = []
    for i in range(1, n + 1):
        decl = {**sp.import_head(i), "_goods": ["婴儿奶粉", "维生素"]}
        out.append({**waybills.waybill_head(decl, "78412345675"), "copNo": decl["copNo"]})
    return out


def _bare(heads: list[dict[str, Any]]) -> int:
    """A hand-written lxml exporter: same elements, same order, str() values."""
    schema = xsd.message_schema("I")
    names = [c.name for c in xsd.sequence("I", "LogisticsHead")]
    size = 0
    for m in range(0, len(heads), 100):
        root = bare_xml.message_root("CEB511Message")
        for h in heads[m:m + 100]:
            logistics = etree.SubElement(root, bare_xml.NS + "Logistics")
            bare_xml.fill(etree.SubElement(logistics, bare_xml.NS + "LogisticsHead"), names, h)
        size += bare_xml.finish(root, schema)
    return size


@case("waybills-10k", target=1.5)
def waybills_10k(quick: bool) -> Outcome:
    n = 2_000 if quick else 10_000
    heads = _heads(n)
    _bare(heads[:100])  # warm the schema cache for both sides
    when = datetime(2026, 11, 25, 9, 30)
    ours, bare, msgs = best_of(
        lambda: [waybills.build_waybill_message(heads[i:i + 100], sp.SPECIMEN_TRANSFER,
                                                app_time=when) for i in range(0, n, 100)],
        lambda: _bare(heads))
    return Outcome(ours, bare, {"waybills": str(n), "messages": str(len(msgs))})


_BILLS = (
    "INSERT INTO tax_bills (declaration_id, invt_no, tax_no, customs_tax, value_added_tax, "
    "consumption_tax, tax_price, status, assure_code, return_time, created_at, updated_at) "
    "SELECT id, 'I' || id, 'T' || id, 0, COALESCE(tax_estimate, 0) "
    "+ CASE WHEN id % 50 = 0 THEN 100000 ELSE 0 END, 0, goods_value, '1', assure_code, "
    "'20261125100000000', created_at, created_at FROM declarations")
_BARE = (
    "SELECT d.id, d.tax_estimate, t.customs_tax, t.value_added_tax, t.consumption_tax, "
    "t.tax_price, d.goods_value, d.freight, d.insured_fee, d.currency, d.batch_id, "
    "t.assure_code, d.assure_code, t.invt_no, t.tax_no, d.cop_no FROM tax_bills t "
    "JOIN declarations d ON d.id = t.declaration_id WHERE t.status != '3'")


@case("tax-reconcile-100k", target=3.0)
def tax_reconcile_100k(quick: bool) -> Outcome:
    n = 20_000 if quick else 100_000
    source = shared_database(n).removeprefix("sqlite:///")
    with scratch_dir() as d:
        path = d / "tax.sqlite3"
        shutil.copyfile(source, path)
        con = sqlite3.connect(path, isolation_level=None)
        con.execute(_BILLS)
        con.execute("ANALYZE")
        bare_times, ours_times = [], []
        engine = make_engine(f"sqlite:///{path}")
        for _ in range(3):
            with stopwatch() as bare:
                rows = con.execute(_BARE).fetchall()
            bare_times.append(bare())
            with Session(engine) as s, stopwatch() as ours:
                rec = reconcile(s, SUPERVISOR, ReconcileScope())
            ours_times.append(ours())
        con.close()
        engine.dispose()
    assert rec.declarations == len(rows) == n, (rec.declarations, len(rows))
    return Outcome(min(ours_times), min(bare_times),
                   {"declarations": str(n), "mismatches": str(rec.mismatch_count)})
