"""The training customs' side of the export chain (used by app.submission.simulator).

- a waybill (CEB505) is answered like an import one (CEB506 2 then 120, or refused);
- an arrival report (CEB507) is approved (CEB508 2 then 399) when customs knows every waybill
  it lists, else refused (100); the seeded `reject_rate` refuses some too;
- a master-bill list (CEB607) is approved only when every inventory it lists was released;
- a departure report (CEB509) only when every parcel it lists is on an approved master bill;
- a return tally (CEB215) is approved (CEB216 2 then 399) when customs approved the return
  application (CEB213) of the inventory it names, else refused (100);
- a monthly summary application (CEB701) is approved (CEB702 2, then 399 with its sumNo) when
  every inventory it lists was released, and its result (CEB792: the customs declaration it
  became) follows in the same tick.
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
    "CEB701Message": ("SummaryApply", "SummaryApplyHead", "CEB702"),
    "CEB215Message": ("InvtRefundDetail", None, "CEB216"),
}
DOCUMENT_RECEIPTS = frozenset({"CEB508", "CEB608", "CEB510"})
_LIST = {"Arrival": "ArrivalList", "WayBill": "WayBillList", "Departure": "DepartureList",
         "SummaryApply": "SummaryApplyList"}


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


def answer_tally(head: dict[str, Any], state: dict[str, Any], rng: random.Random,
                 base: datetime, reject_rate: float, pre_no: str) -> list[dict[str, Any]]:
    """CEB216 returns for one returned parcel tallied in (CEB215)."""
    number = head.get("invtNo", "")
    inv = next((i for i in state["inventories"].values()
                if i.get("kind") == "CEB604" and number and i.get("invtNo") == number), None)
    tallied = state.setdefault("tallied", {})
    if inv is None or not inv.get("returned"):
        verdict = ("100", f"退货申请单不存在或未审结[{number or head.get('logisticsNo', '')}]")
    elif tallied.get(number):
        verdict = ("100", "已经理货,请勿重复申报")
    elif rng.random() < reject_rate:
        verdict = ("100", "海关退单[理货信息不符]")
    else:
        verdict = ("399", "海关审结")
        tallied[number] = True
    return [{"guid": head.get("guid", ""), "operatorCode": head.get("operatorCode", ""),
             "logisticsCode": head.get("logisticsCode", ""),
             "logisticsNo": head.get("logisticsNo", ""), "coElNo": head.get("coElNo", ""),
             "preNo": pre_no, "returnStatus": code,
             "returnTime": return_time(base + timedelta(milliseconds=950 + n)),
             "returnInfo": info}
            for n, (code, info) in enumerate((("2", "电子口岸申报中"), verdict))]


def answer_summary(head: dict[str, Any], state: dict[str, Any], rng: random.Random,
                   base: datetime, reject_rate: float, pre_no: str
                   ) -> tuple[list[dict[str, Any]], dict[str, Any] | None]:
    """CEB702 returns for one summary application, and its CEB792 result when approved."""
    invs = {inv.get("invtNo"): inv for inv in state["inventories"].values()
            if inv.get("kind") == "CEB604" and inv.get("done") and inv.get("step") == 3}
    wanted = [ln.get("invtNo", "") for ln in head.get("_lines", [])]
    unknown = [n for n in wanted if n not in invs]
    customs = (head.get("customsCode") or "0000")[:4]
    sum_no = f"{customs}{base:%Y}S{rng.randrange(10**9):09d}"
    if unknown:
        verdict = ("100", f"清单不存在或未放行[{unknown[0]}]")
    elif rng.random() < reject_rate:
        verdict = ("100", "海关退单[汇总信息不符]")
    else:
        verdict = ("399", "海关审结")
    approved = verdict[0] == "399"
    returns = [{"guid": head.get("guid", ""), "agentCode": head.get("agentCode", ""),
                "ebcCode": head.get("ebcCode", ""), "copNo": head.get("copNo", ""),
                "preNo": pre_no, "sumNo": sum_no if approved and code == "399" else "",
                "msgSeqNo": head.get("msgSeqNo", "1"), "returnStatus": code,
                "returnTime": return_time(base + timedelta(milliseconds=400 + n)),
                "returnInfo": info}
               for n, (code, info) in enumerate((("2", "电子口岸申报中"), verdict))]
    if not approved:
        return returns, None
    lines = []
    for seq, number in enumerate(wanted, start=1):
        inv = invs[number]
        gnum, gcode, _price = (inv.get("_items") or [["1", "0000000000", "0"]])[0]
        lines.append({"invtNo": number, "logisticsNo": inv.get("logisticsNo", ""),
                      "gseqno": 1 + (seq - 1) // 50, "gnum": gnum or "1",
                      "gcode": (gcode or "0000000000")[:10].ljust(10, "0")})
    result = {"guid": head.get("guid", ""), "customsCode": customs, "sumNo": sum_no,
              "opDate": return_time(base + timedelta(milliseconds=500)),
              "declSeqNo": f"{customs}{base:%Y}D{rng.randrange(10**9):09d}",
              "entryId": f"{customs}{base:%Y}1{rng.randrange(10**9):09d}",
              "decState": "10", "agentCode": head.get("agentCode", ""),
              "agentName": head.get("agentName", ""), "ebcCode": head.get("ebcCode", ""),
              "ebcName": head.get("ebcName", ""),
              "declAgentCode": head.get("declAgentCode", ""),
              "declAgentName": head.get("declAgentName", ""), "grossWeight": "0",
              "netWeight": "0", "msgCount": 1, "msgSeqNo": 1, "lines": lines}
    return returns, result
