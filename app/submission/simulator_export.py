"""The training customs' side of the export chain (used by app.submission.simulator).

- a waybill (CEB505) is answered like an import one (CEB506 2 then 120, or refused);
- an arrival report (CEB507) is approved (CEB508 2 then 399) when customs knows every waybill
  it lists, else refused (100); the seeded `reject_rate` refuses some too;
- a master-bill list (CEB607) is approved only when every inventory it lists was released;
- a departure report (CEB509) only when every parcel it lists is on an approved master bill.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from typing import Any

from lxml import etree

from app.submission.receipt_builders import return_time
from app.submission.xsd import CEB_NS

_NS = {"ceb": CEB_NS}
# message we receive → (business node, head, receipt we answer with)
EXPORT_ROOTS: dict[str, tuple[str, str | None, str]] = {
    "CEB505Message": ("Logistics", None, "CEB506"),
    "CEB507Message": ("Arrival", "ArrivalHead", "CEB508"),
    "CEB607Message": ("WayBill", "WayBillHead", "CEB608"),
    "CEB509Message": ("Departure", "DepartureHead", "CEB510"),
}
DOCUMENT_RECEIPTS = frozenset({"CEB508", "CEB608", "CEB510"})
_LIST = {"Arrival": "ArrivalList", "WayBill": "WayBillList", "Departure": "DepartureList"}


def read_parts(doc: etree._Element, root_name: str) -> list[dict[str, Any]]:
    """Each business node's head values, with `_lines` (list values) for documents."""
    node, head, _receipt = EXPORT_ROOTS[root_name]
    out = []
    for part in doc.iterfind(f"ceb:{node}", _NS):
        head_node = part.find(f"ceb:{head}", _NS) if head else part
        values: dict[str, Any] = {etree.QName(c).localname: (c.text or "")
                                  for c in (head_node if head_node is not None else ())}
        if head:
            values["_lines"] = [{etree.QName(c).localname: (c.text or "") for c in line}
                                for line in part.iterfind(f"ceb:{_LIST[node]}", _NS)]
        out.append(values)
    return out


def answer_document(kind: str, head: dict[str, Any], state: dict[str, Any],
                    rng: random.Random, base: datetime, reject_rate: float,
                    pre_no: str) -> list[dict[str, Any]]:
    """CEB508 / CEB608 / CEB510 returns for one arrival / master-bill / departure part."""
    lines = head.get("_lines", [])
    numbers = [ln.get("logisticsNo", "") for ln in lines]
    waybills = state.setdefault("waybills", {})
    arrived = state.setdefault("arrived", {})
    manifested = state.setdefault("manifested", {})
    released = {inv.get("invtNo") for inv in state["inventories"].values()
                if inv.get("kind") == "CEB604" and inv.get("done") and inv.get("step") == 3}
    if kind == "CEB508":
        unknown = [n for n in numbers if waybills.get(n) != "accepted"]
        verdict = (("100", f"运单不存在或未通过[{unknown[0]}]") if unknown else None)
    elif kind == "CEB608":
        unknown = [ln.get("invtNo", "") for ln in lines if ln.get("invtNo") not in released]
        unknown += [n for n in numbers if not arrived.get(n)]
        verdict = (("100", f"清单未放行或未运抵[{unknown[0]}]") if unknown else None)
    else:
        unknown = [n for n in numbers if not manifested.get(n)]
        verdict = (("100", f"运单未进入清单总分单[{unknown[0]}]") if unknown else None)
    if verdict is None and rng.random() < reject_rate:
        verdict = ("100", "海关退单[单证信息不符]")
    if verdict is None:
        verdict = ("399", "海关审结")
        mark = {"CEB508": arrived, "CEB608": manifested}.get(kind)
        if mark is not None:
            mark.update(dict.fromkeys(numbers, True))
    steps = [("2", "电子口岸申报中"), verdict]
    return [{"guid": head.get("guid", ""), "operatorCode": head.get("operatorCode", ""),
             "agentCode": head.get("agentCode", ""),
             "logisticsCode": head.get("logisticsCode", ""), "preNo": pre_no,
             "copNo": head.get("copNo", ""), "billNo": head.get("billNo", ""),
             "msgSeqNo": head.get("msgSeqNo", "1"), "returnStatus": code,
             "returnTime": return_time(base + timedelta(milliseconds=300 + n)),
             "returnInfo": info} for n, (code, info) in enumerate(steps)]
