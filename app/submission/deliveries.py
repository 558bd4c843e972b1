"""Waybill status (CEB513 运单状态, 签收): where the office must report that a parcel was signed
for, and customs' answer (CEB514).

Only for a parcel whose waybill was sent and which customs released. The messages are built
from the schema, validated, and go out through the same crash-safe outbox as the rest; the
answers come through the receipts job (matched by waybill number) and are kept on the
declaration's waybill row, moved only forward in returnTime order.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
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
from app.domain.errors import ConflictError, ValidationError
from app.domain.status import DeclarationStatus as S
from app.i18n import N_
from app.security.audit import AuditRecord, record_events
from app.security.context import Actor, Permission, require
from app.submission import xsd
from app.submission.ceb import (
    APP_STATUS_DECLARE,
    APP_TYPE_NEW,
    MESSAGE_VERSION,
    BaseTransfer,
    MessageBuildError,
    Spec,
    fill,
    format_value,
    new_guid,
    tag,
)
from app.submission.exchange import message_file_name, sha256_hex
from app.submission.outbound import PENDING, next_file_number
from app.submission.receipt_plan import Outcome, first_seen
from app.submission.receipts import ReceiptReturn
from app.submission.waybills import decide, verdict
from app.submission.xsd import CEB_NS

D = Declaration
SIGNED = "S"  # the only logisticsStatus the schema allows
PER_MESSAGE = 100
DELIVERED_STATUSES = frozenset({S.RELEASED.value, S.CLEARED.value})


@cache
def _specs(element: str) -> tuple[Spec, ...]:
    return tuple((c.name, tag(c.name), c.min_occurs > 0) for c in xsd.sequence("I", element))


def build_status_message(rows: Sequence[Mapping[str, Any]], transfer: BaseTransfer, *,
                         app_time: datetime | None = None) -> tuple[str, bytes, list[str]]:
    """(message guid, XML, guid per row) of one CEB513Message with 1..100 LogisticsStatus
    (logisticsCode, logisticsName, logisticsNo, logisticsTime). Raises MessageBuildError."""
    when = format_value(app_time or beijing_now())
    msg_guid = new_guid()
    root = etree.Element(tag("CEB513Message"), nsmap={"ceb": CEB_NS})
    root.set("guid", msg_guid)
    root.set("version", MESSAGE_VERSION)
    guids = []
    for row in rows:
        values = {**row, "guid": new_guid(), "appType": APP_TYPE_NEW, "appTime": when,
                  "appStatus": APP_STATUS_DECLARE, "logisticsStatus": SIGNED}
        guids.append(values["guid"])
        fill(etree.SubElement(root, tag("LogisticsStatus")), _specs("LogisticsStatus"),
              values)
    fill(etree.SubElement(root, tag("BaseTransfer")), _specs("BaseTransfer"),
          transfer.as_dict())
    problems = xsd.validate(root, "I")
    if problems:
        raise MessageBuildError(N_("The message does not pass the customs schema check: "
                                   "{details}"), details="; ".join(p.message
                                                                    for p in problems[:5]))
    xml = etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)
    return msg_guid, xml, guids


@dataclass(frozen=True)
class DeliveryReport:
    declarations: tuple[int, ...]
    messages: tuple[str, ...]

    def as_dict(self) -> dict[str, Any]:
        return {"declarations": list(self.declarations), "messages": list(self.messages)}


def report_deliveries(session: Session, actor: Actor, ids: Sequence[int],
                      transfer_settings: Mapping[str, Any], *,
                      signed_at: datetime | None = None) -> DeliveryReport:
    """Report to customs that these released parcels were signed for (CEB513).

    Raises ValidationError (nothing selected, incomplete settings), ConflictError (a parcel
    without a sent waybill or not released: nothing is recorded).
    """
    require(actor, Permission.SUBMIT)
    wanted = sorted(set(ids))
    if not wanted:
        raise ValidationError(N_("Select at least one declaration."))
    transfer = BaseTransfer.from_settings(transfer_settings)
    rows = {int(r.id): r for r in session.execute(
        select(D.id, D.copNo, D.status, D.logisticsName, Waybill.logistics_no,
               Waybill.logistics_code, Waybill.id.label("waybill_id"))
        .outerjoin(Waybill, Waybill.declaration_id == D.id).where(D.id.in_(wanted)))}
    for decl_id in wanted:
        row = rows.get(decl_id)
        if row is None or row.waybill_id is None:
            raise ConflictError(N_("Declaration {id} has no waybill sent by this office; its "
                                   "status is reported by whoever sent the waybill."),
                                id=decl_id)
        if row.status not in DELIVERED_STATUSES:
            raise ConflictError(N_("Declaration {id} is not released; only a released parcel "
                                   "can be reported as signed for."), id=decl_id)
    when = signed_at or beijing_now()
    signed = format_value(when)
    seq = next_file_number(session, "CEB513")
    files: list[str] = []
    updates: list[dict[str, Any]] = []
    links: list[dict[str, Any]] = []
    for start in range(0, len(wanted), PER_MESSAGE):
        part = wanted[start:start + PER_MESSAGE]
        values = [{"logisticsCode": rows[i].logistics_code,
                   "logisticsName": rows[i].logisticsName,
                   "logisticsNo": rows[i].logistics_no, "logisticsTime": signed} for i in part]
        guid, xml, guids = build_status_message(values, transfer)
        name = message_file_name("CEB513Message", "SIGNED", when, seq + len(files))
        msg = OutboundMessage(guid=guid, message_type="CEB513Message", batch_id=None,
                              seq=seq + len(files),
                              file_name=name, state=PENDING, app_type=APP_TYPE_NEW,
                              content=xml, sha256=sha256_hex(xml))
        session.add(msg)
        session.flush()
        files.append(name)
        for decl_id, row_guid in zip(part, guids, strict=True):
            links.append({"message_id": msg.id, "declaration_id": decl_id,
                          "cop_no": rows[decl_id].copNo or "", "inventory_guid": row_guid})
            updates.append({"b_id": rows[decl_id].waybill_id, "b_time": signed})
    session.execute(insert(MessageDeclaration), links)
    session.connection().execute(
        update(Waybill).where(Waybill.id == bindparam("b_id")).values(
            delivery_status="sent", delivered_time=bindparam("b_time"),
            delivery_return_time=None, delivery_info=None, updated_at=utcnow()), updates)
    record_events(session, actor, [AuditRecord(
        "waybill.signed", "declaration", str(i), i, {"logisticsNo": rows[i].logistics_no,
                                                     "logisticsTime": signed})
        for i in wanted])
    return DeliveryReport(tuple(wanted), tuple(files))


def apply_status_returns(session: Session, returns: Iterable[ReceiptReturn],
                         seen_keys: set[str]) -> list[Outcome]:
    """Apply CEB514 answers (returnTime order) to the waybills' delivery status."""
    ordered = sorted(returns, key=lambda r: r.sort_key())
    numbers = sorted({r.logisticsNo for r in ordered})
    state: dict[str, dict[str, Any]] = {}
    for start in range(0, len(numbers), 900):
        q = (select(Waybill.id, Waybill.declaration_id, Waybill.logistics_no,
                    Waybill.delivery_status, Waybill.delivery_return_time)
             .where(Waybill.logistics_no.in_(numbers[start:start + 900])).order_by(Waybill.id))
        for row in session.execute(q):
            state[row.logistics_no] = dict(row._mapping)
    outcomes: list[Outcome] = []
    changed: dict[int, dict[str, Any]] = {}
    for ret in first_seen(ordered, seen_keys, outcomes):
        wb = state.get(ret.logisticsNo)
        if wb is None or wb["delivery_status"] is None:
            outcomes.append(Outcome(ret, None, False, "unmatched", kind=ret.kind))
            continue
        apply, reason = decide(wb["delivery_status"], wb["delivery_return_time"],
                               ret.returnStatus, ret.returnTime)
        if apply:
            wb.update(delivery_status=verdict(ret.returnStatus),
                      delivery_return_time=ret.returnTime, delivery_info=ret.returnInfo[:1000])
            changed[wb["id"]] = wb
        outcomes.append(Outcome(ret, wb["declaration_id"], apply, reason, kind=ret.kind))
    if changed:
        session.connection().execute(
            update(Waybill).where(Waybill.id == bindparam("b_id")).values(
                delivery_status=bindparam("b_status"),
                delivery_return_time=bindparam("b_time"), delivery_info=bindparam("b_info"),
                updated_at=utcnow()),
            [{"b_id": w["id"], "b_status": w["delivery_status"],
              "b_time": w["delivery_return_time"], "b_info": w["delivery_info"]}
             for w in changed.values()])
    return outcomes
