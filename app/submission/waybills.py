"""Waybills (CEB511 运单) sent with a batch, and customs' answers to them (CEB512).

Customs matches order, payment and waybill against the inventory (三单对碰); where the office
pushes the waybills itself (setting `sendWaybills`), a batch's CEB511 messages are recorded
before its inventories, so the outbox hands them over first. Each declaration has one waybill
row with its own status (sent → accepted | rejected), moved only forward, in customs' order
(returnTime). A refused waybill shows in the To fix queue with its cause.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from copy import deepcopy
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

from lxml import etree
from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.orm import Session

from app.db.models import Declaration, MessageDeclaration, OutboundMessage, Waybill
from app.db.types import utcnow
from app.domain.clock import beijing_now
from app.i18n import N_
from app.submission import xsd
from app.submission.ceb import (
    APP_STATUS_DECLARE,
    APP_TYPE_NEW,
    MESSAGE_VERSION,
    BaseTransfer,
    BuiltInventory,
    BuiltMessage,
    InventoryProblem,
    MessageBuildError,
    Spec,
    fill,
    format_value,
    new_guid,
    tag,
)
from app.submission.receipt_plan import Outcome, first_seen
from app.submission.receipts import ReceiptReturn
from app.submission.xsd import CEB_NS

D = Declaration
SENT, ACCEPTED, REJECTED = "sent", "accepted", "rejected"
_RANK = {SENT: 0, ACCEPTED: 1, REJECTED: 2}
_ACCEPTED_CODES = frozenset({"1", "2", "3", "120", "399"})
_REJECTED_CODES = frozenset({"4", "100"})
PER_MESSAGE = 100
YES = frozenset({"yes", "y", "true", "1", "on", "是"})
_NSMAP = {"ceb": CEB_NS}


def send_waybills(settings: Mapping[str, Any]) -> bool:
    """Whether this office sends the waybills itself (setting `sendWaybills`, default no)."""
    return str(settings.get("sendWaybills") or "").strip().lower() in YES


@cache
def _specs(element: str) -> tuple[Spec, ...]:
    return tuple((c.name, tag(c.name), c.min_occurs > 0) for c in xsd.sequence("I", element))


def waybill_head(decl: Mapping[str, Any], bill_no: str | None = None) -> dict[str, Any]:
    """The LogisticsHead values for one declaration (keyed by CEB names).

    Consignee and telephone fall back to the buyer's; goods info lists the goods names.
    """
    goods = "；".join(str(g) for g in decl.get("_goods", ()) if g)
    return {
        "logisticsCode": decl.get("logisticsCode"), "logisticsName": decl.get("logisticsName"),
        "logisticsNo": decl.get("logisticsNo"), "billNo": bill_no or None,
        "orderNo": decl.get("orderNo"), "freight": decl.get("freight"),
        "insuredFee": decl.get("insuredFee"), "currency": "142",
        "weight": decl.get("grossWeight"), "packNo": 1, "goodsInfo": goods[:200] or None,
        "consignee": decl.get("consignee") or decl.get("buyerName"),
        "consigneeAddress": decl.get("consigneeAddress"),
        "consigneeTelephone": decl.get("consigneeTelephone") or decl.get("buyerTelephone"),
    }


def build_waybill_message(heads: Sequence[Mapping[str, Any]], transfer: BaseTransfer, *,
                          app_time: datetime | None = None, guid: str | None = None,
                          validate: bool = True) -> BuiltMessage:
    """One CEB511Message with 1..100 waybills (`waybill_head` values, plus `copNo` to name
    the declaration in errors). Raises MessageBuildError when it fails the schema."""
    if not heads:
        raise MessageBuildError(N_("A message needs at least one declaration."))
    if len(heads) > PER_MESSAGE:
        raise MessageBuildError(
            N_("A message holds at most {limit} declarations, got {count}."),
            limit=PER_MESSAGE, count=len(heads))
    when = format_value(app_time or beijing_now())
    msg_guid = (guid or new_guid()).upper()
    root = etree.Element(tag("CEB511Message"), nsmap=_NSMAP)
    root.set("guid", msg_guid)
    root.set("version", MESSAGE_VERSION)
    sub = etree.SubElement
    specs = _specs("LogisticsHead")
    built: list[BuiltInventory] = []
    for head in heads:
        values = {**head, "guid": new_guid(), "appType": APP_TYPE_NEW, "appTime": when,
                  "appStatus": APP_STATUS_DECLARE}
        fill(sub(sub(root, tag("Logistics")), tag("LogisticsHead")), specs, values)
        built.append(BuiltInventory(str(head.get("copNo") or head.get("logisticsNo") or ""),
                                    values["guid"], APP_TYPE_NEW))
    fill(sub(root, tag("BaseTransfer")), _specs("BaseTransfer"), transfer.as_dict())
    if validate:
        _check(root, heads)
    xml = etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)
    return BuiltMessage("CEB511Message", msg_guid, xml, tuple(built))


def _check(root: etree._Element, heads: Sequence[Mapping[str, Any]]) -> None:
    if xsd.message_schema("I").validate(root):
        return
    # Name the declaration: validate each waybill on its own (failure path only).
    schema = xsd.message_schema("I")
    problems: list[InventoryProblem] = []
    for head, node in zip(heads, root.iterfind(f"{{{CEB_NS}}}Logistics"), strict=False):
        part = node.find(f"{{{CEB_NS}}}LogisticsHead")
        if part is not None and not schema.validate(deepcopy(part)):
            problems.extend(InventoryProblem(str(head.get("copNo") or head.get("logisticsNo")),
                                             xsd.short_message(e.message))
                            for e in schema.error_log)
    if not problems:
        problems = [InventoryProblem("", xsd.short_message(e.message))
                    for e in schema.error_log]
    raise MessageBuildError(
        N_("The waybill message does not pass the customs schema check: {details}"), problems)


@dataclass(frozen=True)
class RecordedWaybills:
    messages: tuple[tuple[int, str], ...]  # (outbound message id, file name)
    waybills: int


def record_waybills(session: Session, heads: Sequence[tuple[int, Mapping[str, Any]]],
                    transfer: BaseTransfer, *, batch_id: int, batch_no: str, when: datetime,
                    seq_base: int, bill_no: str | None) -> RecordedWaybills:
    """Build and store CEB511 messages (pending) for `heads` (declaration id, head values
    with `_goods`); one waybill row per declaration, replaced when sent again.

    The caller (outbound.record_batch) owns the transaction and the permission check.
    """
    from app.submission.exchange import message_file_name, sha256_hex
    from app.submission.outbound import PENDING

    messages: list[tuple[int, str]] = []
    rows: dict[int, dict[str, Any]] = {}
    links: list[dict[str, Any]] = []
    seq = seq_base
    for start in range(0, len(heads), PER_MESSAGE):
        part = heads[start:start + PER_MESSAGE]
        values = [{**waybill_head(h, bill_no), "copNo": h.get("copNo")} for _i, h in part]
        msg = build_waybill_message(values, transfer, app_time=when)
        seq += 1
        name = message_file_name(msg.message_type, batch_no, when, seq)
        row = OutboundMessage(guid=msg.guid, message_type=msg.message_type, batch_id=batch_id,
                              seq=seq, file_name=name, state=PENDING, app_type=APP_TYPE_NEW,
                              content=msg.xml, sha256=sha256_hex(msg.xml))
        session.add(row)
        session.flush()
        messages.append((row.id, name))
        for (decl_id, head), built in zip(part, msg.inventories, strict=True):
            links.append({"message_id": row.id, "declaration_id": decl_id,
                          "cop_no": str(head.get("copNo") or ""), "inventory_guid": built.guid})
            rows[decl_id] = {"declaration_id": decl_id,
                             "logistics_code": head.get("logisticsCode"),
                             "logistics_no": str(head.get("logisticsNo") or ""),
                             "guid": built.guid, "message_id": row.id, "status": SENT,
                             "return_status": None, "return_time": None, "return_info": None}
    session.execute(insert(MessageDeclaration), links)
    _store(session, rows)
    return RecordedWaybills(tuple(messages), len(rows))


def _store(session: Session, rows: dict[int, dict[str, Any]]) -> None:
    ids = sorted(rows)
    have: set[int] = set()
    for start in range(0, len(ids), 900):
        have.update(session.execute(select(Waybill.declaration_id).where(
            Waybill.declaration_id.in_(ids[start:start + 900]))).scalars())
    now = utcnow()
    new = [{**rows[i], "created_at": now, "updated_at": now} for i in ids if i not in have]
    if new:
        session.execute(insert(Waybill), new)
    again = [{**{f"b_{k}": v for k, v in rows[i].items()}, "updated_at": now}
             for i in ids if i in have]
    if again:
        session.connection().execute(
            update(Waybill).where(Waybill.declaration_id == bindparam("b_declaration_id"))
            .values(logistics_code=bindparam("b_logistics_code"),
                    logistics_no=bindparam("b_logistics_no"), guid=bindparam("b_guid"),
                    message_id=bindparam("b_message_id"), status=SENT, return_status=None,
                    return_time=None, return_info=None),
            again)


def verdict(code: str) -> str | None:
    """accepted / rejected / None for a CEB512 returnStatus."""
    code = code.strip()
    if code in _ACCEPTED_CODES:
        return ACCEPTED
    if code in _REJECTED_CODES or (code.startswith("-") and code[1:].isdigit()):
        return REJECTED
    return None


def decide(status: str, last_time: str | None, code: str, return_time: str) -> tuple[bool, str]:
    """(apply, reason) for a CEB512 return on a waybill in `status`: only forward
    (sent → accepted → rejected), never from an older return."""
    target = verdict(code)
    if target is None:
        return False, "no_status"
    if last_time is not None and return_time < last_time:
        return False, "older"
    if _RANK[target] < _RANK.get(status, 0):
        return False, "backwards"
    return True, "applied"


def apply_waybill_returns(session: Session, returns: Iterable[ReceiptReturn],
                          seen_keys: set[str]) -> list[Outcome]:
    """Apply CEB512 returns (in returnTime order) to the waybills they name; the outcomes go
    to the receipt history like inventory returns. Matched by logisticsNo (and code)."""
    ordered = sorted(returns, key=lambda r: r.sort_key())
    numbers = sorted({r.logisticsNo for r in ordered if r.logisticsNo})
    state: dict[str, dict[str, Any]] = {}
    for start in range(0, len(numbers), 900):
        q = (select(Waybill.id, Waybill.declaration_id, Waybill.logistics_no,
                    Waybill.logistics_code, Waybill.status, Waybill.return_time)
             .where(Waybill.logistics_no.in_(numbers[start:start + 900])).order_by(Waybill.id))
        for row in session.execute(q):
            state[row.logistics_no] = dict(row._mapping)  # the latest declaration wins
    outcomes: list[Outcome] = []
    changed: dict[int, dict[str, Any]] = {}
    for ret in first_seen(ordered, seen_keys, outcomes):
        wb = state.get(ret.logisticsNo)
        if wb is None:
            outcomes.append(Outcome(ret, None, False, "unmatched", kind=ret.kind))
            continue
        apply, reason = decide(wb["status"], wb["return_time"], ret.returnStatus,
                               ret.returnTime)
        if apply:
            wb.update(status=verdict(ret.returnStatus), return_time=ret.returnTime,
                      return_status=ret.returnStatus[:10], return_info=ret.returnInfo[:1000])
            changed[wb["id"]] = wb
        outcomes.append(Outcome(ret, wb["declaration_id"], apply, reason, kind=ret.kind))
    if changed:
        session.connection().execute(
            update(Waybill).where(Waybill.id == bindparam("b_id")).values(
                status=bindparam("b_status"), return_time=bindparam("b_time"),
                return_status=bindparam("b_code"), return_info=bindparam("b_info"),
                updated_at=utcnow()),
            [{"b_id": w["id"], "b_status": w["status"], "b_time": w["return_time"],
              "b_code": w["return_status"], "b_info": w["return_info"]}
             for w in changed.values()])
    return outcomes


def rejected_waybills(session: Session) -> list[tuple[int, str | None, str | None]]:
    """(declaration id, returnStatus, returnInfo) of every refused waybill."""
    return [(int(r[0]), r[1], r[2]) for r in session.execute(
        select(Waybill.declaration_id, Waybill.return_status, Waybill.return_info)
        .where(Waybill.status == REJECTED).order_by(Waybill.declaration_id))]
