"""Export chain benchmark.

export-flow-10k: the five messages of 10k export parcels, built and validated against the
official export schema — CEB505 waybills and CEB603 inventories (100 per message), CEB507
arrival, CEB607 master-bill list and CEB509 departure (1,000 parcels per part) — vs bare lxml
building and validating the same documents (same elements, same order, str() values).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from lxml import etree

from app.submission import ceb, xsd
from app.submission import specimen as sp
from app.submission.export_flow import PARCELS_PER_PART
from app.submission.export_messages import LAYOUTS, Part, build_export_message
from app.submission.xsd import CEB_NS
from bench.registry import Outcome, best_of, case

_FIXED = {"guid": "4CDE1CFD-EDED-46B1-946C-B8022E42FC94", "appType": "1",
          "appTime": "20261125093000", "appStatus": "2"}
_HEAD = {"customsCode": "2244", "copNo": "YDB20261125-001", "operatorCode": "3101980003",
         "operatorName": "浦东机场跨境电商监管中心", "loctNo": "2244A", "ieFlag": "E",
         "trafMode": "5", "trafName": "MU5101", "voyageNo": "MU5101",
         "billNo": "781-12345675", "domesticTrafNo": "沪A12345", "agentCode": "3101980001",
         "agentName": "上海清关报关有限公司", "grossWeight": "8500", "leaveTime": "20261126010000",
         "logisticsCode": "3101980002", "logisticsName": "中国邮政速递物流股份有限公司上海分公司"}


def _waybill(inv: ceb.InventoryInput) -> dict[str, Any]:
    h = inv.head
    return {"logisticsCode": h["logisticsCode"], "logisticsName": h["logisticsName"],
            "logisticsNo": h["logisticsNo"], "freight": h["freight"],
            "insuredFee": h["insuredFee"], "currency": "142", "grossWeight": h["grossWeight"],
            "packNo": 1, "goodsInfo": "；".join(str(i["gname"]) for i in inv.items),
            "ebcCode": h["ebcCode"], "ebcName": h["ebcName"]}


def _parts(invs: Sequence[ceb.InventoryInput]) -> list[tuple[dict[str, Any], list[Any]]]:
    chunks = [invs[i:i + PARCELS_PER_PART] for i in range(0, len(invs), PARCELS_PER_PART)]
    return [({**_HEAD, "msgCount": len(chunks), "msgSeqNo": n},
             [{"logisticsNo": inv.head["logisticsNo"], "invtNo": f"22442026E{n:09d}{k:02d}"[:20]}
              for k, inv in enumerate(chunk)])
            for n, chunk in enumerate(chunks, start=1)]


def _ours(invs: Sequence[ceb.InventoryInput], when: datetime) -> int:
    t = sp.SPECIMEN_TRANSFER
    msgs = ceb.build_messages("E", invs, t, app_time=when)
    waybills = [Part(_waybill(inv), (), inv.head["logisticsNo"]) for inv in invs]
    msgs += [build_export_message("CEB505Message", waybills[i:i + 100], t, app_time=when)
             for i in range(0, len(waybills), 100)]
    for root in ("CEB507Message", "CEB607Message", "CEB509Message"):
        msgs += [build_export_message(root, [Part(head, lines)], t, app_time=when)
                 for head, lines in _parts(invs)]
    return len(msgs)


def _bare_node(parent: etree._Element, name: str, values: dict[str, Any]) -> None:
    ns = "{" + CEB_NS + "}"
    sub = etree.SubElement
    for spec in xsd.sequence("E", name):
        v = values.get(spec.name, _FIXED.get(spec.name))
        if (v is not None and v != "") or spec.min_occurs:
            sub(parent, ns + spec.name).text = "" if v is None else str(v)


def _bare(invs: Sequence[ceb.InventoryInput]) -> int:
    """A hand-written lxml exporter of the same five kinds of message, each validated."""
    schema = xsd.message_schema("E")
    ns = "{" + CEB_NS + "}"
    sub = etree.SubElement
    head_names = [c.name for c in xsd.sequence("E", "InventoryHead")]
    item_names = [c.name for c in xsd.sequence("E", "InventoryList")]
    transfer = {k: v for k, v in sp.SPECIMEN_TRANSFER.as_dict().items() if v}
    docs: list[etree._Element] = []

    def root_of(name: str) -> etree._Element:
        root = etree.Element(ns + name, nsmap={"ceb": CEB_NS})
        root.set("guid", _FIXED["guid"])
        root.set("version", "1.0")
        docs.append(root)
        return root

    for m in range(0, len(invs), 100):
        root = root_of("CEB603Message")
        for inv in invs[m:m + 100]:
            node = sub(root, ns + "Inventory")
            head = sub(node, ns + "InventoryHead")
            values = {**_FIXED, **inv.head, "ieFlag": "E"}
            for name in head_names:
                v = values.get(name)
                if v is not None:
                    sub(head, ns + name).text = str(v)
            for g, item in enumerate(inv.items, start=1):
                line = sub(node, ns + "InventoryList")
                ivalues = {**item, "gnum": g}
                for name in item_names:
                    v = ivalues.get(name)
                    if v is not None:
                        sub(line, ns + name).text = str(v)
        _bare_node(sub(root, ns + "BaseTransfer"), "BaseTransfer", transfer)
        root = root_of("CEB505Message")
        for inv in invs[m:m + 100]:
            _bare_node(sub(root, ns + "Logistics"), "Logistics", _waybill(inv))
        _bare_node(sub(root, ns + "BaseTransfer"), "BaseTransfer", transfer)
    for name in ("CEB507Message", "CEB607Message", "CEB509Message"):
        layout = LAYOUTS[name]
        assert layout.head is not None and layout.lines is not None
        for head, lines in _parts(invs):
            root = root_of(name)
            node = sub(root, ns + layout.node)
            _bare_node(sub(node, ns + layout.head), layout.head, head)
            for g, line in enumerate(lines, start=1):
                _bare_node(sub(node, ns + layout.lines), layout.lines, {**line, "gnum": g})
            _bare_node(sub(root, ns + "BaseTransfer"), "BaseTransfer", transfer)
    for doc in docs:
        if not schema.validate(doc):
            raise AssertionError(str(schema.error_log))
        etree.tostring(doc, xml_declaration=True, encoding="UTF-8", pretty_print=True)
    return len(docs)


@case("export-flow-10k", target=1.5)
def export_flow_10k(quick: bool) -> Outcome:
    n = 2_000 if quick else 10_000
    invs = [sp.export_inventory(i) for i in range(1, n + 1)]
    _bare(invs[:100])  # warm the schema cache for both sides
    when = datetime(2026, 11, 25, 9, 30)
    ours, bare, messages = best_of(lambda: _ours(invs, when), lambda: _bare(invs))
    return Outcome(ours, bare, {"parcels": str(n), "messages": str(messages)})
