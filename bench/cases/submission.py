"""Submission benchmarks.

messages-10k: build + schema-validate + hand over (outbox + sent archive, fsync'd) 10k
inventories vs bare lxml building, validating and serialising the same documents.
receipts-10k: apply 10k returns (100 files × 100) to 10k sent declarations — parse, plan, store
history, update declarations, audit, file away — vs bare lxml parsing plus one executemany
UPDATE by copNo (no history, no ordering, no audit: the floor, not an equivalent).
"""

from __future__ import annotations

import sqlite3
from datetime import datetime
from decimal import Decimal
from typing import Any

from lxml import etree

from app.db.bulk import insert_declarations
from app.db.engine import make_engine, make_session_factory
from app.db.migrate import ensure_schema
from app.security.context import system_actor
from app.submission import ceb, xsd
from app.submission import specimen as sp
from app.submission.exchange import ExchangeFolderTransport, message_file_name
from app.submission.receipt_builders import build_inventory_receipt
from app.submission.receipts_job import process_inbox
from app.submission.xsd import CEB_NS
from bench.cases import bare_xml
from bench.registry import Outcome, best_of, case, scratch_dir, stopwatch

_FIXED = {**bare_xml.FIXED, "ieFlag": "I", "declTime": "20261125"}


def _bare_build_validate(invs: list[ceb.InventoryInput]) -> int:
    """What a hand-written lxml exporter would do: same elements, same order, str() values."""
    schema = xsd.message_schema("I")
    head_names = [c.name for c in xsd.sequence("I", "InventoryHead")]
    item_names = [c.name for c in xsd.sequence("I", "InventoryList")]
    size = 0
    for m in range(0, len(invs), 100):
        root = bare_xml.message_root("CEB621Message")
        for inv in invs[m:m + 100]:
            node = etree.SubElement(root, bare_xml.NS + "Inventory")
            bare_xml.fill(etree.SubElement(node, bare_xml.NS + "InventoryHead"), head_names,
                          inv.head, _FIXED)
            for item in inv.items:
                bare_xml.fill(etree.SubElement(node, bare_xml.NS + "InventoryList"),
                              item_names, item, {})
        size += bare_xml.finish(root, schema)
    return size


@case("messages-10k", target=1.5)
def messages_10k(quick: bool) -> Outcome:
    n = 2_000 if quick else 10_000
    invs = [sp.import_inventory(i) for i in range(1, n + 1)]
    _bare_build_validate(invs[:100])  # warm the schema cache for both sides
    when = datetime(2026, 11, 25, 9, 30)

    def ours() -> int:
        with scratch_dir() as d:
            t = ExchangeFolderTransport(d)
            t.available()
            msgs = ceb.build_messages("I", invs, sp.SPECIMEN_TRANSFER, app_time=when)
            for seq, msg in enumerate(msgs, start=1):
                t.hand_over(message_file_name(msg.message_type, "B20261125-001", when, seq),
                            msg.xml, "20261125")
            return len(t.outbox_files())

    ours_s, bare_s, files = best_of(ours, lambda: _bare_build_validate(invs))
    return Outcome(ours_s, bare_s, {"inventories": str(n), "files": str(files)})


@case("receipts-10k", target=None)
def receipts_10k(quick: bool) -> Outcome:
    n = 2_000 if quick else 10_000
    with scratch_dir() as d:
        db = d / "bench.sqlite3"
        engine = make_engine(f"sqlite:///{db}")
        ensure_schema(engine)
        sessions = make_session_factory(engine)
        heads: list[dict[str, Any]] = []
        items: list[list[dict[str, Any]]] = []
        for i in range(1, n + 1):
            h = sp.import_head(i)
            heads.append({**h, "status": "sent", "copNo": f"CD{i:012d}",
                          "packNo": 1, "freight": Decimal("12.5")})
            items.append([sp.import_item(1)])
        with sessions() as s, s.begin():
            insert_declarations(s, heads, items)
        t = ExchangeFolderTransport(d / "exchange")
        (d / "exchange").mkdir()
        t.available()
        files: list[bytes] = []
        for f in range(0, n, 100):
            files.append(build_inventory_receipt("CEB622", [
                {"guid": _FIXED["guid"], "copNo": f"CD{i:012d}",
                 "preNo": f"B20261125{i:09d}", "returnStatus": "120",
                 "returnTime": "20261125100000123", "returnInfo": "海关入库"}
                for i in range(f + 1, min(f + 101, n + 1))]))
        for k, data in enumerate(files):
            (t.inbox / f"CEB622_{k:04d}.xml").write_bytes(data)
        with stopwatch() as ours:
            result = process_inbox(sessions, system_actor(), t)
        engine.dispose()
        assert result.applied == n, result

        # Baseline on a copy of the same starting state.
        con = sqlite3.connect(d / "bare.sqlite3", isolation_level=None)
        con.execute("CREATE TABLE d (id INTEGER PRIMARY KEY, cop_no TEXT, status TEXT,"
                    " pre_no TEXT)")
        con.execute("CREATE INDEX ix_d_cop ON d (cop_no)")
        con.executemany("INSERT INTO d (cop_no, status) VALUES (?, 'sent')",
                        [(f"CD{i:012d}",) for i in range(1, n + 1)])
        ns = {"c": CEB_NS}
        with stopwatch() as bare:
            rows = []
            for data in files:
                root = etree.fromstring(data, etree.XMLParser(resolve_entities=False,
                                                              no_network=True))
                for r in root.iterfind("c:InventoryReturn", ns):
                    rows.append(("accepted", r.findtext("c:preNo", namespaces=ns),
                                 r.findtext("c:copNo", namespaces=ns)))
            con.execute("BEGIN")
            con.executemany("UPDATE d SET status = ?, pre_no = ? WHERE cop_no = ?", rows)
            con.execute("COMMIT")
        con.close()
    return Outcome(ours(), bare(), {"returns": str(n), "files": str(len(files))})
