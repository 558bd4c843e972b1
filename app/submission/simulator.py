"""A training customs: takes messages from the outbox and answers with realistic receipts.

Each `run_once()` is one "tick" of customs:
- a message that is not well-formed or fails the official schema gets a CEB900 with a negative
  status;
- each new inventory is checked as customs would: duplicate copNo (-621004), buyer ID checksum
  (100), single-purchase limit (-621005), annual limit (-621018); a seeded random share
  (`reject_rate`) is refused (100) or sent to inspection (500);
- the others progress one step per tick: 2 (declared, preNo given) → 120 (stored, invtNo
  given) → 399 (cleared review) → 800 (released);
- a cancellation (CEB623) is approved (CEB624 2 then 399) unless the parcel is already
  released or the seeded `reject_rate` refuses it (100); a return (CEB625) is approved
  (CEB626) only for a released parcel, which then leaves the buyer's annual quota;
- a waybill (CEB511) is accepted (CEB512 2 then 120) unless its number was already used
  (-504012) or the seeded `reject_rate` refuses it (100); an inventory whose waybill was
  refused fails the three-document match (-621002);
- the export chain (CEB505 waybill, CEB507 arrival, CEB607 master-bill list, CEB509
  departure, CEB215 return tally, CEB701 summary) is answered as
  app.submission.simulator_export describes;
- a released import parcel gets its electronic tax bill (CEB816: the CBEC comprehensive tax on
  the shipped HS rates; a seeded `tax_mismatch_rate` share valued 10 % higher, as customs
  revaluing the goods), summarised for payment (CEB818 status 2) the tick after;
- some returns are held back a tick (so they arrive after a later one) and some are written
  twice, as real receipts do.
State between ticks lives in `<exchange>/.simulator/state.json`.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import defusedxml.ElementTree as SafeET
from lxml import etree

from app.rules.money import dutiable_value, single_limit_refused
from app.submission import xsd
from app.submission.exchange import ExchangeFolderTransport, write_atomic
from app.submission.receipt_builders import (
    build_ceb900,
    build_inventory_receipt,
    build_summary_results,
    build_tax_bills,
    build_tax_statuses,
    return_time,
)
from app.submission.simulator_export import (
    DOCUMENT_RECEIPTS,
    EXPORT_ROOTS,
    answer_document,
    answer_summary,
    answer_tally,
    read_parts,
)
from app.submission.simulator_tax import tax_bill
from app.submission.xsd import CEB_NS

PROGRESSION = ("2", "120", "399", "800")
PROGRESSION_INFO = {"2": "电子口岸申报中", "120": "海关入库", "399": "海关审结", "800": "放行"}
SINGLE_LIMIT = Decimal("5000")
ANNUAL_LIMIT = Decimal("26000")
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
_NS = {"ceb": CEB_NS}
_REQUEST_ROOTS = {"CEB623Message": "CEB624", "CEB625Message": "CEB626",
                  "CEB605Message": "CEB606", "CEB213Message": "CEB214"}


def id_checksum_ok(number: str) -> bool:
    """GB 11643 check digit of an 18-character resident ID number."""
    if len(number) != 18 or not number[:17].isdigit():
        return False
    total = sum(int(d) * w for d, w in zip(number[:17], _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11] == number[17].upper()


@dataclass(frozen=True)
class TickResult:
    messages: int  # messages taken from the outbox
    inventories: int  # new inventories among them
    receipt_files: int
    returns: int


class CustomsSimulator:
    def __init__(self, transport: ExchangeFolderTransport, *, reject_rate: float = 0.0,
                 seed: int = 0, now: datetime | None = None,
                 tax_mismatch_rate: float = 0.0) -> None:
        self.transport = transport
        self.reject_rate = reject_rate
        self.tax_mismatch_rate = tax_mismatch_rate
        self.seed = seed
        self._now = now
        self.state_dir = transport.root / ".simulator"
        self.state_path = self.state_dir / "state.json"
        self._files_written = 0

    def _next_seq(self) -> int:
        self._files_written += 1
        return self._files_written

    def pending(self) -> int:
        """Inventories still progressing plus returns held back: 0 once customs is quiet."""
        state = self._load()
        open_invs = sum(1 for inv in state["inventories"].values() if not inv["done"])
        return open_invs + len(state["held"]) + len(state.get("bills_open", []))

    # -- state ------------------------------------------------------------------------------

    def _load(self) -> dict[str, Any]:
        if self.state_path.is_file():
            return json.loads(self.state_path.read_text(encoding="utf-8"))  # type: ignore[no-any-return]
        return {"tick": 0, "inventories": {}, "cop_nos": {}, "annual": {}, "held": []}

    def _save(self, state: dict[str, Any]) -> None:
        write_atomic(self.state_path, json.dumps(state, ensure_ascii=False, indent=1)
                     .encode("utf-8"))

    # -- one tick ---------------------------------------------------------------------------

    def run_once(self) -> TickResult:
        state = self._load()
        state["tick"] += 1
        rng = random.Random(f"{self.seed}:{state['tick']}")
        base = (self._now or datetime.now()) + timedelta(seconds=state["tick"])
        out: dict[str, list[dict[str, Any]]] = {
            k: [] for k in ("CEB622", "CEB604", "CEB624", "CEB626", "CEB512", "CEB514",
                            "CEB506", "CEB508", "CEB608", "CEB510", "CEB702", "CEB606", "CEB214",
                            "CEB216")}
        results: list[dict[str, Any]] = []  # CEB792 summary results
        files = 0
        taken = 0
        new_invs = 0
        # Bills issued last tick are summarised for payment now (CEB818).
        statuses = [{**b, "status": "2", "returnTime": return_time(base),
                     "entDutyNo": f"JK{b['taxNo'][-12:]}"} for b in state.get("bills_open", [])]
        state["bills_open"] = []
        bills: list[dict[str, Any]] = []
        # Progress what customs already holds (before reading new messages: one step a tick).
        for guid, inv in state["inventories"].items():
            if inv["done"]:
                continue
            step = inv["step"] + 1
            code = PROGRESSION[step]
            inv["step"] = step
            inv["done"] = code == PROGRESSION[-1]
            if code == "120":
                inv["invtNo"] = _invt_no(inv, rng)
            if code == "800" and inv["kind"] == "CEB622":
                bills.append(self._tax_bill(inv, rng, base))
            out[inv["kind"]].append(self._return(guid, inv, code, PROGRESSION_INFO[code], base))
        for path in self.transport.outbox_files():
            data = path.read_bytes()
            taken += 1
            self._take(path)
            result = self._check_message(data, path.name, base)
            if isinstance(result, bytes):
                self._write_receipt("CEB900", result)
                files += 1
                continue
            kind, invs = result
            if kind == "CEB702":
                for head in invs:
                    answers, summary = answer_summary(head, state, rng, base,
                                                      self.reject_rate, _pre_no(base, rng))
                    out[kind].extend(answers)
                    if summary is not None:
                        results.append(summary)
                continue
            if kind == "CEB216":
                for head in invs:
                    out[kind].extend(answer_tally(head, state, rng, base, self.reject_rate,
                                                  _pre_no(base, rng)))
                continue
            if kind in DOCUMENT_RECEIPTS:
                for head in invs:
                    out[kind].extend(answer_document(kind, head, state, rng, base,
                                                     self.reject_rate, _pre_no(base, rng)))
                continue
            if kind in ("CEB512", "CEB506"):
                for head in invs:
                    out[kind].extend(self._answer_waybill(head, state, rng, base))
                continue
            if kind == "CEB514":  # a parcel signed for: customs takes note
                for n, head in enumerate(invs):
                    out[kind].extend({
                        "guid": head.get("guid", ""), "logisticsCode": head.get("logisticsCode"),
                        "logisticsNo": head.get("logisticsNo"), "logisticsStatus": "S",
                        "returnStatus": code, "returnInfo": info,
                        "returnTime": return_time(base + timedelta(milliseconds=60 + 2 * n + k)),
                    } for k, (code, info) in enumerate((("2", "电子口岸申报中"),
                                                        ("399", "海关审结"))))
                continue
            if kind in _REQUEST_ROOTS.values():
                for req in invs:
                    out[kind].extend(self._answer_request(kind, req, state, rng, base))
                continue
            for inv in invs:
                new_invs += 1
                code, info = self._judge(inv, state, rng)
                guid = inv["guid"]
                inv["preNo"] = _pre_no(base, rng)
                inv["step"] = 0
                inv["done"] = code != "2"
                state["inventories"][guid] = inv
                out[kind].append(self._return(guid, inv, code, info, base))
        # Out of order and duplicates: emit last tick's held returns after this tick's ones.
        held = state["held"]
        state["held"] = []
        returns_written = 0
        for kind, returns in out.items():
            emit: list[dict[str, Any]] = []
            for r in returns:
                roll = rng.random()
                if roll < 0.1:
                    state["held"].append({"kind": kind, **r})
                    continue
                emit.append(r)
                if roll > 0.93:
                    emit.append(r)  # the same return twice
            emit.extend({k: v for k, v in h.items() if k != "kind"} for h in held
                        if h["kind"] == kind)
            for i in range(0, len(emit), 100):
                chunk = emit[i:i + 100]
                self._write_receipt(kind, build_inventory_receipt(
                    kind, chunk, default_namespace=rng.random() < 0.5))
                files += 1
                returns_written += len(chunk)
        if bills:
            self._write_receipt("CEB816", build_tax_bills(bills))
            files += 1
            state["bills_open"] = [{k: b[k] for k in ("guid", "invtNo", "taxNo", "assureCode")}
                                   for b in bills]
        if statuses:
            self._write_receipt("CEB818", build_tax_statuses(statuses))
            files += 1
        if results:
            self._write_receipt("CEB792", build_summary_results(results))
            files += 1
        self._save(state)
        return TickResult(taken, new_invs, files, returns_written)

    def _tax_bill(self, inv: dict[str, Any], rng: random.Random, base: datetime
                  ) -> dict[str, Any]:
        revalued = rng.random() < self.tax_mismatch_rate
        return tax_bill(inv, f"{inv['invtNo']}{rng.randrange(10**6):06d}", return_time(base),
                        Decimal("1.1") if revalued else Decimal(1))

    def _take(self, path: Path) -> None:
        # The real client removes the file from the outbox once it has sent it.
        done = self.state_dir / "taken"
        done.mkdir(parents=True, exist_ok=True)
        path.replace(done / path.name)

    def _write_receipt(self, kind: str, data: bytes) -> None:
        name = f"{kind}_{datetime.now().strftime('%Y%m%d%H%M%S%f')}_{self._next_seq():04d}.xml"
        write_atomic(self.transport.inbox / name, data)

    def _return(self, guid: str, inv: dict[str, Any], code: str, info: str,
                base: datetime) -> dict[str, Any]:
        # Customs' clock: later steps get later times, whatever order the files arrive in.
        when = base + timedelta(milliseconds=int(code.lstrip("-")) % 1000 + inv["step"])
        return {"guid": guid, "customsCode": inv.get("customsCode", ""),
                "agentCode": inv.get("agentCode", ""), "ebpCode": inv.get("ebpCode", ""),
                "ebcCode": inv.get("ebcCode", ""), "copNo": inv["copNo"],
                "preNo": inv.get("preNo", ""), "invtNo": inv.get("invtNo", ""),
                "orderNo": inv.get("orderNo", ""),
                "statisticsFlag": inv.get("statisticsFlag", ""),
                "returnStatus": code, "returnTime": return_time(when), "returnInfo": info}

    def _check_message(self, data: bytes, name: str, when: datetime
                       ) -> bytes | tuple[str, list[dict[str, Any]]]:
        """CEB900 bytes for a broken message, else (receipt kind, inventories)."""
        try:
            SafeET.fromstring(data, forbid_dtd=True)
            doc = etree.fromstring(data, etree.XMLParser(resolve_entities=False,
                                                         no_network=True))
        except Exception as exc:
            return build_ceb900("", "-1", f"报文格式错误: {exc}", when, ori_cop_msg_id=name,
                                ori_message_type="Unknown")
        root_name = etree.QName(doc).localname
        if root_name in EXPORT_ROOTS:
            problems = xsd.validate(doc, "E")
            if problems:
                info = "报文校验失败: " + "; ".join(p.message for p in problems[:5])
                return build_ceb900(doc.get("guid", ""), "-1", info, when, ori_cop_msg_id=name,
                                    ori_message_type=root_name,
                                    ori_biz_message=data.decode("utf-8", "replace"))
            return EXPORT_ROOTS[root_name][2], read_parts(doc, root_name)
        if root_name in _REQUEST_ROOTS or root_name in ("CEB511Message", "CEB513Message"):
            return self._check_request(doc, data, name, when, root_name)
        direction: xsd.Direction | None = {"CEB621Message": "I", "CEB603Message": "E"}.get(
            root_name)  # type: ignore[assignment]
        guid = doc.get("guid", "")
        if direction is None:
            return build_ceb900(guid, "-1", "未知报文类型", when, ori_cop_msg_id=name,
                                ori_message_type="Unknown")
        problems = xsd.validate(doc, direction)
        if problems:
            code = "-621001" if direction == "I" else "-1"
            info = "清单报文校验失败: " + "; ".join(p.message for p in problems[:5])
            return build_ceb900(guid, code, info, when, ori_cop_msg_id=name,
                                ori_message_type=root_name,
                                ori_biz_message=data.decode("utf-8", "replace"))
        invs = []
        for node in doc.iterfind("ceb:Inventory", _NS):
            head = {etree.QName(c).localname: (c.text or "")
                    for c in node.find("ceb:InventoryHead", _NS)}
            record = {**head, "items": [
                {etree.QName(c).localname: (c.text or "") for c in item}
                for item in node.iterfind("ceb:InventoryList", _NS)]}
            head["_value"] = str(dutiable_value(record))
            # The pre-check's own rule: one indivisible item over the limit is let through.
            head["_single_refused"] = single_limit_refused(record, SINGLE_LIMIT, ANNUAL_LIMIT)
            head["_items"] = [[el.findtext("ceb:gnum", "", _NS), el.findtext("ceb:gcode", "", _NS),
                               el.findtext("ceb:totalPrice", "0", _NS)]
                              for el in node.iterfind("ceb:InventoryList", _NS)]
            head["kind"] = "CEB622" if direction == "I" else "CEB604"
            invs.append(head)
        return ("CEB622" if direction == "I" else "CEB604"), invs

    def _check_request(self, doc: etree._Element, data: bytes, name: str, when: datetime,
                       root_name: str) -> bytes | tuple[str, list[dict[str, Any]]]:
        problems = xsd.validate(
            doc, "E" if root_name in ("CEB605Message", "CEB213Message") else "I")
        if problems:
            info = "报文校验失败: " + "; ".join(p.message for p in problems[:5])
            return build_ceb900(doc.get("guid", ""), "-1", info, when, ori_cop_msg_id=name,
                                ori_message_type=root_name,
                                ori_biz_message=data.decode("utf-8", "replace"))
        node = {"CEB623Message": "ceb:InvtCancel", "CEB605Message": "ceb:InvtCancel",
                "CEB213Message": "ceb:InvtRefund/ceb:InvtRefundHead",
                "CEB625Message": "ceb:InvtRefund/ceb:InvtRefundHead",
                "CEB511Message": "ceb:Logistics/ceb:LogisticsHead",
                "CEB513Message": "ceb:LogisticsStatus"}[root_name]
        reqs = [{etree.QName(c).localname: (c.text or "") for c in head}
                for head in doc.iterfind(node, _NS)]
        answer = {"CEB511Message": "CEB512", "CEB513Message": "CEB514"}
        return _REQUEST_ROOTS.get(root_name) or answer[root_name], reqs

    def _answer_waybill(self, head: dict[str, Any], state: dict[str, Any],
                        rng: random.Random, base: datetime) -> list[dict[str, Any]]:
        """CEB512 returns for one waybill: accepted (2, 120) or refused."""
        number = head.get("logisticsNo", "")
        waybills = state.setdefault("waybills", {})
        if number in waybills and head.get("appType") == "1":
            verdict = ("-504012", "物流运单已存在")
        elif rng.random() < self.reject_rate:
            verdict = ("100", "海关退单[运单信息与订单不符]")
        else:
            verdict = ("120", "海关入库")
        waybills[number] = "rejected" if verdict[0] != "120" else "accepted"
        steps = [("2", "电子口岸申报中"), verdict] if verdict[0] == "120" else [verdict]
        return [{"guid": head.get("guid", ""), "logisticsCode": head.get("logisticsCode", ""),
                 "logisticsNo": number, "returnStatus": code,
                 "returnTime": return_time(base + timedelta(milliseconds=50 + n)),
                 "returnInfo": info} for n, (code, info) in enumerate(steps)]

    def _answer_request(self, kind: str, req: dict[str, Any], state: dict[str, Any],
                        rng: random.Random, base: datetime) -> list[dict[str, Any]]:
        """CEB624/CEB626 returns for one cancellation/return request."""
        inv = next((i for i in state["inventories"].values()
                    if i.get("invtNo") and i.get("invtNo") == req.get("invtNo")), None)
        released = inv is not None and inv["done"] and inv["step"] == len(PROGRESSION) - 1
        cancel = kind in ("CEB624", "CEB606")
        if inv is None:
            verdict = ("100", "清单不存在或未审结")
        elif inv.get("cancelled") or inv.get("returned"):
            verdict = ("100", "已经申请过,请勿重复申请")
        elif cancel and released:
            verdict = ("100", "清单已放行,不能撤销")
        elif not cancel and not released:
            verdict = ("100", "清单未放行,不能退货")
        elif rng.random() < self.reject_rate:
            verdict = ("100", "海关退单[理由不充分]")
        else:
            verdict = ("399", "海关审结")
        if verdict[0] == "399" and inv is not None:
            if cancel:
                inv["cancelled"] = inv["done"] = True
            else:
                inv["returned"] = True
                buyer = inv.get("buyerIdNumber", "")
                used = Decimal(state["annual"].get(buyer, "0")) - Decimal(inv["_value"])
                state["annual"][buyer] = str(max(used, Decimal(0)))
        out = []
        for n, (code, info) in enumerate((("2", "电子口岸申报中"), verdict)):
            when = base + timedelta(milliseconds=900 + n)
            out.append({"guid": req.get("guid", ""), "customsCode": req.get("customsCode", ""),
                        "agentCode": req.get("agentCode", ""),
                        "ebpCode": req.get("ebpCode", ""), "ebcCode": req.get("ebcCode", ""),
                        "copNo": req.get("copNo", ""), "coElNo": req.get("coElNo", ""),
                        "preNo": (inv or {}).get("preNo") or req.get("preNo") or "",
                        "invtNo": req.get("invtNo", ""), "returnStatus": code,
                        "returnTime": return_time(when), "returnInfo": info})
        return out

    def _judge(self, inv: dict[str, Any], state: dict[str, Any], rng: random.Random
               ) -> tuple[str, str]:
        cop_no = inv["copNo"]
        known = state["cop_nos"].get(cop_no)
        state["cop_nos"][cop_no] = inv["guid"]
        if known and inv.get("appType") == "1":
            return "-621004", "已经申报过,请勿重复申报"
        if inv["kind"] == "CEB622":
            if state.get("waybills", {}).get(inv.get("logisticsNo")) == "rejected":
                return "-621002", "四单回执解析失败[运单校验未通过]"
            if inv.get("buyerIdType") == "1" and not id_checksum_ok(inv.get("buyerIdNumber", "")):
                return "100", "订购人身份信息校验失败[证件号码校验位错误]"
            value = Decimal(inv["_value"])
            if inv.get("_single_refused"):
                return "-621005", f"购买金额超过单笔限额[{value}]"
            buyer = inv.get("buyerIdNumber", "")
            used = Decimal(state["annual"].get(buyer, "0"))
            if used + value > ANNUAL_LIMIT:
                return "-621018", f"购买人已用额度为[{used}],本次购买将超过年度限额"
            state["annual"][buyer] = str(used + value)
        if rng.random() < self.reject_rate:
            if rng.random() < 0.5:
                return "100", "海关退单[申报要素不全]"
            return "500", "查验"
        return "2", PROGRESSION_INFO["2"]


def _pre_no(when: datetime, rng: random.Random) -> str:
    return f"B{when:%Y%m%d}{rng.randrange(10**9):09d}"


def _invt_no(inv: dict[str, Any], rng: random.Random) -> str:
    flag = "I" if inv["kind"] == "CEB622" else "E"
    customs = (inv.get("customsCode") or "0000")[:4]
    return f"{customs}{datetime.now():%Y}{flag}{rng.randrange(10**9):09d}"
