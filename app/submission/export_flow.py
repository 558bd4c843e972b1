"""The export chain of a batch (9610 B2C export): waybills, arrival, master-bill list, departure.

The clerk's flow for an export batch: its waybills (CEB505) go with the inventories (CEB603);
when the parcels are scanned in at the supervised site the arrival report (CEB507 运抵单) is
sent; once customs released the inventories the master-bill list (CEB607 清单总分单) ties them
to the master bill; when the flight or truck leaves, the departure report (CEB509 离境单).

Each step checks the whole batch first (a parcel not ready stops it, named with the reason),
builds its messages from the official export schema, and stores them as pending outbound
messages in the caller's transaction: the crash-safe outbox (`outbound.deliver_pending`) hands
them over. Customs' answers (CEB506 / CEB508 / CEB608 / CEB510) come through the receipts
job: applied once, in returnTime order; an accepted document moves its parcels' export stage
(app.domain.export_stage) forward, never back. A refused document may be sent again.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import bindparam, func, insert, or_, select, update
from sqlalchemy.orm import Session

from app.db.models import (
    Batch,
    Declaration,
    DeclarationItem,
    ExportDocument,
    MessageDeclaration,
    OutboundMessage,
    ReturnTally,
    SummaryApplication,
    Waybill,
)
from app.db.types import utcnow
from app.domain.clock import beijing_now
from app.domain.errors import ConflictError, ValidationError
from app.domain.export_stage import ExportStage, below, rank
from app.domain.status import DeclarationStatus as S
from app.i18n import N_, Message
from app.security.audit import AuditRecord, record_events
from app.security.context import Actor, Permission, require
from app.submission import batches as B
from app.submission.ceb import BaseTransfer, BuiltMessage
from app.submission.exchange import message_file_name, sha256_hex
from app.submission.export_messages import Part, build_export_message
from app.submission.outbound import PENDING, internal_number
from app.submission.receipt_plan import Outcome, first_seen
from app.submission.receipts import ReceiptReturn
from app.submission.xsd import MAX_INVENTORIES_PER_MESSAGE

D = Declaration
WAYBILLS, ARRIVAL, MANIFEST, DEPARTURE = "waybills", "arrival", "manifest", "departure"
STEPS = (WAYBILLS, ARRIVAL, MANIFEST, DEPARTURE)
STEP_LABELS: dict[str, str] = {
    WAYBILLS: N_("Export waybills (CEB505)"),
    ARRIVAL: N_("Arrival report (CEB507)"),
    MANIFEST: N_("Master-bill list (CEB607)"),
    DEPARTURE: N_("Departure report (CEB509)"),
}
SENT, ACCEPTED, REJECTED = "sent", "accepted", "rejected"
DOC_STATE_LABELS: dict[str, str] = {SENT: N_("Sent"), ACCEPTED: N_("Accepted"),
                                    REJECTED: N_("Refused")}
PARCELS_PER_PART = 1000  # parcels per arrival / master-bill / departure part (msgSeqNo)
# Parcels that left the chain: cancelled, refused, being withdrawn or sent back.
INACTIVE = frozenset({S.CANCELLED.value, S.REJECTED.value, S.CANCEL_REQUESTED.value,
                      S.SHIPPED_BACK.value})
RELEASED = frozenset({S.RELEASED.value, S.CLEARED.value})
_ACCEPTED_CODES = frozenset({"399"})
_REJECTED_CODES = frozenset({"4", "100"})


@dataclass(frozen=True)
class DocKind:
    root: str  # message we send
    receipt: str  # customs' answer
    stage: ExportStage  # the parcels' stage once customs accepts it
    needs: ExportStage  # the stage every parcel must have reached first
    prefix: str  # copNo prefix


DOCS: dict[str, DocKind] = {
    ARRIVAL: DocKind("CEB507Message", "CEB508", ExportStage.ARRIVED, ExportStage.WAYBILL_SENT,
                     "YD"),
    MANIFEST: DocKind("CEB607Message", "CEB608", ExportStage.MANIFESTED, ExportStage.ARRIVED,
                      "ZF"),
    DEPARTURE: DocKind("CEB509Message", "CEB510", ExportStage.DEPARTED, ExportStage.MANIFESTED,
                       "LJ"),
}
RECEIPT_KINDS: dict[str, str] = {d.receipt: k for k, d in DOCS.items()}


@dataclass(frozen=True)
class StepResult:
    step: str
    batch: str
    parcels: int
    messages: tuple[str, ...]  # file names, pending until delivered

    def as_dict(self) -> dict[str, Any]:
        return {"step": self.step, "batch": self.batch, "parcels": self.parcels,
                "messages": list(self.messages)}


@dataclass(frozen=True)
class DocumentState:
    kind: str
    cop_no: str
    msg_seq_no: int
    msg_count: int
    parcels: int
    status: str
    return_status: str | None
    return_info: str | None


@dataclass(frozen=True)
class FlowStatus:
    """Where an export batch stands: parcels per export stage, and its latest documents."""

    batch: str
    ie_flag: str
    parcels: int
    stages: tuple[tuple[str, int], ...]  # (stage or "", count)
    waybills: tuple[tuple[str, int], ...]  # (waybill status, count)
    documents: tuple[DocumentState, ...] = field(default=())
    next_step: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {"batch": self.batch, "ie_flag": self.ie_flag, "parcels": self.parcels,
                "stages": dict(self.stages), "waybills": dict(self.waybills),
                "documents": [d.__dict__ for d in self.documents],
                "next_step": self.next_step}


# -- the four steps --------------------------------------------------------------------------


def send_waybills(session: Session, actor: Actor, batch_ref: str | int,
                  settings: Mapping[str, Any], *, now: datetime | None = None) -> StepResult:
    """Record CEB505 waybills for the batch's parcels that have none accepted yet.

    Raises PermissionDeniedError, NotFoundError, ConflictError (not an export batch, nothing
    left to send), ValidationError (broker settings) or MessageBuildError (nothing stored).
    """
    require(actor, Permission.SUBMIT)
    batch = _export_batch(session, batch_ref, need_submitted=False)
    transfer = BaseTransfer.from_settings(settings)
    parcels = [p for p in _parcels(session, batch.id) if p["status"] not in INACTIVE]
    have = _waybill_states(session, [p["id"] for p in parcels])
    todo = [p for p in parcels if have.get(p["id"]) not in (SENT, ACCEPTED)]
    if not todo:
        raise ConflictError(N_("Every waybill of batch {batch} has been sent already."),
                            batch=batch.batch_no)
    missing = [p for p in todo if not p["logisticsNo"]]
    if missing:
        raise _not_ready(batch, WAYBILLS, [(p, Message(N_("no waybill number")))
                                           for p in missing])
    goods = _goods_names(session, [p["id"] for p in todo])
    when = now or beijing_now()
    parts = [(p, Part(_waybill_values(p, goods.get(p["id"], ())), (), p["logisticsNo"]))
             for p in todo]
    files: list[str] = []
    rows: list[dict[str, Any]] = []
    seq = _seq_base(session, batch.id)
    for start in range(0, len(parts), MAX_INVENTORIES_PER_MESSAGE):
        chunk = parts[start:start + MAX_INVENTORIES_PER_MESSAGE]
        msg = build_export_message("CEB505Message", [pt for _p, pt in chunk], transfer,
                                   app_time=when)
        seq += 1
        msg_id, name = _store_message(session, batch, msg, when, seq,
                                      [(p["id"], p["copNo"], b.guid)
                                       for (p, _pt), b in zip(chunk, msg.inventories,
                                                              strict=True)])
        files.append(name)
        rows.extend({"declaration_id": p["id"], "logistics_code": p["logisticsCode"],
                     "logistics_no": p["logisticsNo"], "guid": b.guid, "message_id": msg_id}
                    for (p, _pt), b in zip(chunk, msg.inventories, strict=True))
    _store_waybills(session, rows)
    _advance(session, [p["id"] for p in todo], ExportStage.WAYBILL_SENT)
    _audit(session, actor, batch, WAYBILLS, len(todo), files)
    return StepResult(WAYBILLS, batch.batch_no, len(todo), tuple(files))


def report_arrival(session: Session, actor: Actor, batch_ref: str | int,
                   settings: Mapping[str, Any], *, operator_code: str | None = None,
                   operator_name: str | None = None, domestic_traf_no: str | None = None,
                   only: Collection[int] | None = None,
                   now: datetime | None = None) -> StepResult:
    """Record the arrival report (CEB507) of a batch whose waybills were sent: its parcels
    reached the supervised site. The site operator comes from the arguments, else the batch,
    else the settings; the truck (domesticTrafNo) from the arguments, else the batch.
    `only`: report just these parcels (those scanned in at the site); the others follow in a
    later arrival report."""
    require(actor, Permission.SUBMIT)
    batch = _export_batch(session, batch_ref, need_submitted=True)
    batch.operator_code = _text(operator_code) or batch.operator_code or _text(
        settings.get("operatorCode"))
    batch.operator_name = _text(operator_name) or batch.operator_name or _text(
        settings.get("operatorName"))
    batch.domestic_traf_no = _text(domestic_traf_no) or batch.domestic_traf_no or batch.traf_no
    batch.loct_no = batch.loct_no or _text(settings.get("loctNo"))
    _require_fields(batch, ARRIVAL, (
        ("operatorCode", batch.operator_code), ("operatorName", batch.operator_name),
        ("domesticTrafNo", batch.domestic_traf_no), ("trafMode", batch.traf_mode)))

    def head(parcels: Sequence[dict[str, Any]]) -> dict[str, Any]:
        return {"operatorCode": batch.operator_code, "operatorName": batch.operator_name,
                "loctNo": batch.loct_no, "ieFlag": "E", "trafMode": batch.traf_mode,
                "billNo": batch.bill_no, "domesticTrafNo": batch.domestic_traf_no}

    return _document_step(session, actor, batch, ARRIVAL, settings, head, now, only)


def file_manifest(session: Session, actor: Actor, batch_ref: str | int,
                  settings: Mapping[str, Any], *, now: datetime | None = None) -> StepResult:
    """Record the master-bill list (CEB607) of a batch whose parcels arrived and were
    released: the inventories (invtNo) the master bill carries."""
    require(actor, Permission.SUBMIT)
    batch = _export_batch(session, batch_ref, need_submitted=True)
    _require_fields(batch, MANIFEST, (
        ("billNo", batch.bill_no), ("trafMode", batch.traf_mode),
        ("trafName", batch.traf_name or batch.traf_no), ("voyageNo", batch.voyage_no)))

    def head(parcels: Sequence[dict[str, Any]]) -> dict[str, Any]:
        first = parcels[0]
        weight = sum((p["grossWeight"] or Decimal(0) for p in parcels), Decimal(0))
        return {"agentCode": first["agentCode"] or settings.get("agentCode"),
                "agentName": first["agentName"] or settings.get("agentName"),
                "loctNo": batch.loct_no, "trafMode": batch.traf_mode,
                "trafName": batch.traf_name or batch.traf_no, "voyageNo": batch.voyage_no,
                "billNo": batch.bill_no, "domesticTrafNo": batch.domestic_traf_no,
                "grossWeight": weight}

    return _document_step(session, actor, batch, MANIFEST, settings, head, now)


def report_departure(session: Session, actor: Actor, batch_ref: str | int,
                     settings: Mapping[str, Any], *, leave_time: datetime | None = None,
                     now: datetime | None = None) -> StepResult:
    """Record the departure report (CEB509) of a batch on an accepted master-bill list: the
    transport left at `leave_time` (Beijing time; default now)."""
    require(actor, Permission.SUBMIT)
    batch = _export_batch(session, batch_ref, need_submitted=True)
    _require_fields(batch, DEPARTURE, (("trafMode", batch.traf_mode),))
    batch.leave_time = (leave_time or now or beijing_now()).strftime("%Y%m%d%H%M%S")

    def head(parcels: Sequence[dict[str, Any]]) -> dict[str, Any]:
        return {"trafMode": batch.traf_mode, "trafName": batch.traf_name or batch.traf_no,
                "voyageNo": batch.voyage_no, "billNo": batch.bill_no,
                "leaveTime": batch.leave_time}

    return _document_step(session, actor, batch, DEPARTURE, settings, head, now)


def run_step(session: Session, actor: Actor, step: str, batch_ref: str | int,
             settings: Mapping[str, Any], **options: Any) -> StepResult:
    """One step by name (STEPS): what the CLI's `export-flow STEP` and the GUI call."""
    if step == WAYBILLS:
        return send_waybills(session, actor, batch_ref, settings, **options)
    if step == ARRIVAL:
        return report_arrival(session, actor, batch_ref, settings, **options)
    if step == MANIFEST:
        return file_manifest(session, actor, batch_ref, settings, **options)
    if step == DEPARTURE:
        return report_departure(session, actor, batch_ref, settings, **options)
    raise ValidationError(N_("Unknown export step {step}."), step=step)


def flow_status(session: Session, actor: Actor, batch_ref: str | int) -> FlowStatus:
    """Where an export batch stands (read only)."""
    require(actor, Permission.VIEW)
    batch = B.load_batch(session, batch_ref)
    parcels = _parcels(session, batch.id)
    active = [p for p in parcels if p["status"] not in INACTIVE]
    stages = Counter(p["export_stage"] or "" for p in active)
    wb = Counter(_waybill_states(session, [p["id"] for p in active]).values())
    docs = _current_documents(session, batch.id)
    lowest = min((rank(p["export_stage"]) for p in active), default=0)
    next_step = None
    if batch.ie_flag == "E" and active:
        next_step = STEPS[lowest] if lowest < len(STEPS) else None
    return FlowStatus(batch.batch_no, batch.ie_flag, len(active),
                      tuple(sorted(stages.items())), tuple(sorted(wb.items())),
                      tuple(docs), next_step)


# -- shared machinery ------------------------------------------------------------------------


def _text(value: Any) -> str | None:
    text = str(value or "").strip()
    return text or None


def _export_batch(session: Session, batch_ref: str | int, *, need_submitted: bool) -> Batch:
    batch = B.load_batch(session, batch_ref, lock=True)
    if batch.ie_flag != "E":
        raise ConflictError(N_("Batch {batch} is an import batch: the export chain (waybills, "
                               "arrival, master-bill list, departure) is for export batches."),
                            batch=batch.batch_no)
    if batch.state == B.DISSOLVED:
        raise ConflictError(N_("Batch {batch} has been dissolved."), batch=batch.batch_no)
    if need_submitted and batch.state == B.OPEN:
        raise ConflictError(N_("Batch {batch} has not been submitted yet: submit its "
                               "inventories first."), batch=batch.batch_no)
    return batch


def _require_fields(batch: Batch, step: str, values: Iterable[tuple[str, Any]]) -> None:
    missing = [name for name, value in values if not value]
    if missing:
        raise ValidationError(
            N_("Batch {batch} lacks {fields} for the {step}: enter it on the batch (or in the "
               "settings) and try again."),
            batch=batch.batch_no, fields=", ".join(missing), step=Message(STEP_LABELS[step]))


_PARCEL_COLS = ("copNo", "invtNo", "logisticsNo", "logisticsCode", "logisticsName",
                "customsCode", "agentCode", "agentName", "ebcCode", "ebcName", "freight",
                "insuredFee", "currency", "grossWeight", "totalPackageNo")


def _parcels(session: Session, batch_id: int) -> list[dict[str, Any]]:
    cols = [getattr(D, n) for n in _PARCEL_COLS]
    out = []
    for row in session.execute(select(D.id, D.status, D.export_stage, *cols)
                               .where(D.batch_id == batch_id).order_by(D.id)):
        values = dict(zip(("id", "status", "export_stage", *_PARCEL_COLS), row, strict=True))
        values["copNo"] = values["copNo"] or internal_number(row[0])
        out.append(values)
    return out


def _waybill_states(session: Session, ids: Sequence[int]) -> dict[int, str]:
    out: dict[int, str] = {}
    for start in range(0, len(ids), 900):
        q = select(Waybill.declaration_id, Waybill.status).where(
            Waybill.declaration_id.in_(list(ids[start:start + 900])))
        out.update((int(i), str(s)) for i, s in session.execute(q))
    return out


def _goods_names(session: Session, ids: Sequence[int]) -> dict[int, list[str]]:
    out: dict[int, list[str]] = {}
    It = DeclarationItem
    for start in range(0, len(ids), 900):
        q = (select(It.declaration_id, It.gname).where(
            It.declaration_id.in_(list(ids[start:start + 900])))
            .order_by(It.declaration_id, It.gnum))
        for decl_id, name in session.execute(q):
            if name:
                out.setdefault(int(decl_id), []).append(str(name))
    return out


def _waybill_values(p: Mapping[str, Any], goods: Sequence[str]) -> dict[str, Any]:
    info = "；".join(goods)[:200] or p["copNo"]
    return {"logisticsCode": p["logisticsCode"], "logisticsName": p["logisticsName"],
            "logisticsNo": p["logisticsNo"], "freight": p["freight"] or Decimal(0),
            "insuredFee": p["insuredFee"] or Decimal(0), "currency": p["currency"] or "142",
            "grossWeight": p["grossWeight"], "packNo": 1, "goodsInfo": info,
            "ebcCode": p["ebcCode"], "ebcName": p["ebcName"]}


def _not_ready(batch: Batch, step: str, why: Sequence[tuple[Mapping[str, Any], Message]]
               ) -> ConflictError:
    listing = "; ".join(f"{p['copNo']} ({p['logisticsNo'] or '—'})" for p, _m in why[:10])
    more = len(why) - 10
    return ConflictError(
        N_("{count} parcels of batch {batch} are not ready for the {step}, first {first}: "
           "{reason}. Parcels: {listing}"),
        count=len(why), batch=batch.batch_no, step=Message(STEP_LABELS[step]),
        first=why[0][0]["copNo"], reason=why[0][1],
        listing=listing + (f" … +{more}" if more > 0 else ""))


def _why_not(step: str, kind: DocKind, p: Mapping[str, Any]) -> Message | None:
    if rank(p["export_stage"]) < rank(kind.needs):
        return Message(N_("its export stage is {stage}, the {step} needs {needed}"),
                       {"stage": Message(_stage_label(p["export_stage"])),
                        "step": Message(STEP_LABELS[step]),
                        "needed": Message(kind.needs.label)})
    if step == MANIFEST and (p["status"] not in RELEASED or not p["invtNo"]):
        return Message(N_("customs has not released its inventory yet"))
    if not p["logisticsNo"]:
        return Message(N_("no waybill number"))
    return None


def _stage_label(stage: str | None) -> str:
    try:
        return ExportStage(stage).label if stage else N_("none")
    except ValueError:
        return str(stage)


def _document_step(session: Session, actor: Actor, batch: Batch, step: str,
                   settings: Mapping[str, Any], head_of: Any, now: datetime | None,
                   only: Collection[int] | None = None) -> StepResult:
    kind = DOCS[step]
    transfer = BaseTransfer.from_settings(settings)
    active = [p for p in _parcels(session, batch.id) if p["status"] not in INACTIVE]
    # Parcels a document of this step already carries (sent or accepted) are not sent again;
    # a refused document carries none.
    covered = covered_parcels(session, batch.id, step)
    parcels = [p for p in active if p["id"] not in covered]
    if active and not parcels:
        current = _current_documents(session, batch.id, step)
        accepted = all(d.status == ACCEPTED for d in current)
        raise ConflictError(
            N_("The {step} of batch {batch} has been accepted already.") if accepted else
            N_("The {step} of batch {batch} was sent and customs has not answered yet."),
            step=Message(STEP_LABELS[step]), batch=batch.batch_no)
    if only is not None:
        parcels = [p for p in parcels if p["id"] in only]
    if not parcels:
        raise ConflictError(N_("Batch {batch} has no parcels left to report."),
                            batch=batch.batch_no)
    why = [(p, m) for p in parcels if (m := _why_not(step, kind, p)) is not None]
    if why:
        raise _not_ready(batch, step, why)
    attempt = int(session.execute(
        select(func.count(func.distinct(ExportDocument.cop_no)))
        .where(ExportDocument.batch_id == batch.id, ExportDocument.kind == step)).scalar_one())
    cop_no = f"{kind.prefix}{batch.batch_no}" + (f"-{attempt + 1}" if attempt else "")
    shares = Counter((p["logisticsCode"], p["logisticsName"]) for p in parcels)
    (logistics_code, logistics_name), _n = shares.most_common(1)[0]
    customs = batch.customs_code or parcels[0]["customsCode"] or settings.get("customsCode")
    when = now or beijing_now()
    parts = [parcels[i:i + PARCELS_PER_PART] for i in range(0, len(parcels), PARCELS_PER_PART)]
    seq = _seq_base(session, batch.id)
    files: list[str] = []
    docs: list[dict[str, Any]] = []
    for n, chunk in enumerate(parts, start=1):
        head = {**head_of(chunk), "customsCode": customs, "copNo": cop_no,
                "logisticsCode": logistics_code, "logisticsName": logistics_name,
                "msgCount": len(parts), "msgSeqNo": n}
        lines = [{"logisticsNo": p["logisticsNo"], "invtNo": p["invtNo"],
                  "totalPackageNo": (p["totalPackageNo"] or "")[:37] or None} for p in chunk]
        msg = build_export_message(kind.root, [Part(head, lines, cop_no)], transfer,
                                   app_time=when)
        seq += 1
        guid = msg.inventories[0].guid
        msg_id, name = _store_message(session, batch, msg, when, seq,
                                      [(p["id"], cop_no, guid) for p in chunk])
        files.append(name)
        docs.append({"batch_id": batch.id, "kind": step, "cop_no": cop_no, "msg_seq_no": n,
                     "msg_count": len(parts), "parcels": len(chunk), "guid": guid,
                     "message_id": msg_id, "status": SENT, "created_at": utcnow(),
                     "updated_at": utcnow()})
    session.execute(insert(ExportDocument), docs)
    _audit(session, actor, batch, step, len(parcels), files)
    return StepResult(step, batch.batch_no, len(parcels), tuple(files))


def covered_parcels(session: Session, batch_id: int, step: str) -> set[int]:
    """The parcels of the batch that a sent or accepted document of `step` carries."""
    E = ExportDocument
    return {int(i) for i in session.execute(
        select(MessageDeclaration.declaration_id)
        .join(E, E.message_id == MessageDeclaration.message_id)
        .where(E.batch_id == batch_id, E.kind == step, E.status.in_((SENT, ACCEPTED))))
        .scalars()}


def _seq_base(session: Session, batch_id: int) -> int:
    return int(session.execute(select(func.count()).select_from(OutboundMessage)
                               .where(OutboundMessage.batch_id == batch_id)).scalar_one())


def _store_message(session: Session, batch: Batch, msg: BuiltMessage, when: datetime,
                   seq: int, links: Sequence[tuple[int, str, str]]) -> tuple[int, str]:
    """Store one built message as pending, linked to its parcels (id, copNo, guid)."""
    name = message_file_name(msg.message_type, batch.batch_no, when, seq)
    row = OutboundMessage(guid=msg.guid, message_type=msg.message_type, batch_id=batch.id,
                          seq=seq, file_name=name, state=PENDING, app_type="1",
                          content=msg.xml, sha256=sha256_hex(msg.xml))
    session.add(row)
    session.flush()
    session.execute(insert(MessageDeclaration), [
        {"message_id": row.id, "declaration_id": decl_id, "cop_no": cop_no[:30],
         "inventory_guid": guid} for decl_id, cop_no, guid in links])
    return row.id, name


def _store_waybills(session: Session, rows: Sequence[dict[str, Any]]) -> None:
    ids = [r["declaration_id"] for r in rows]
    have = set(_waybill_states(session, ids))
    now = utcnow()
    new = [{**r, "status": SENT, "created_at": now, "updated_at": now}
           for r in rows if r["declaration_id"] not in have]
    if new:
        session.execute(insert(Waybill), new)
    again = [{f"b_{k}": v for k, v in r.items()} for r in rows if r["declaration_id"] in have]
    if again:
        session.connection().execute(
            update(Waybill).where(Waybill.declaration_id == bindparam("b_declaration_id"))
            .values(logistics_code=bindparam("b_logistics_code"),
                    logistics_no=bindparam("b_logistics_no"), guid=bindparam("b_guid"),
                    message_id=bindparam("b_message_id"), status=SENT, return_status=None,
                    return_time=None, return_info=None, updated_at=now), again)


def _advance(session: Session, ids: Sequence[int], stage: ExportStage) -> int:
    """Move the parcels `ids` to `stage` where that is forward; the number moved."""
    moved = 0
    for start in range(0, len(ids), 900):
        result = session.execute(
            update(D).where(D.id.in_(list(ids[start:start + 900])),
                            or_(D.export_stage.is_(None), D.export_stage.in_(below(stage))))
            .values(export_stage=stage.value, version=D.version + 1)
            .execution_options(synchronize_session=False))
        moved += int(result.rowcount)  # type: ignore[attr-defined]
    return moved


def _audit(session: Session, actor: Actor, batch: Batch, step: str, parcels: int,
           files: Sequence[str]) -> None:
    record_events(session, actor, [AuditRecord(
        f"export.{step}", "batch", str(batch.id),
        details={"batch": batch.batch_no, "parcels": parcels, "messages": list(files)})] + [
        AuditRecord("message.record", "message", name, None, {"file": name, "kind": step})
        for name in files])


def _current_documents(session: Session, batch_id: int, step: str | None = None
                       ) -> list[DocumentState]:
    """The latest attempt of each step (its parts), oldest step first."""
    q = select(ExportDocument).where(ExportDocument.batch_id == batch_id)
    if step is not None:
        q = q.where(ExportDocument.kind == step)
    latest: dict[str, str] = {}
    rows = list(session.execute(q.order_by(ExportDocument.id)).scalars())
    for r in rows:
        latest[r.kind] = r.cop_no
    order = {k: n for n, k in enumerate(STEPS)}
    return sorted((DocumentState(r.kind, r.cop_no, r.msg_seq_no, r.msg_count, r.parcels,
                                 r.status, r.return_status, r.return_info)
                   for r in rows if latest[r.kind] == r.cop_no),
                  key=lambda d: (order.get(d.kind, 9), d.msg_seq_no))


# -- customs' answers ------------------------------------------------------------------------


def verdict(code: str) -> str | None:
    """accepted / rejected / None (a step on the way) for a CEB508/608/510 returnStatus."""
    code = code.strip()
    if code in _ACCEPTED_CODES:
        return ACCEPTED
    if code in _REJECTED_CODES or (code.startswith("-") and code[1:].isdigit()):
        return REJECTED
    return None


def apply_document_returns(session: Session, returns: Iterable[ReceiptReturn],
                           seen_keys: set[str]) -> list[Outcome]:
    """Apply CEB508 / CEB608 / CEB510 returns (in returnTime order) to the documents they name
    (copNo and msgSeqNo); an acceptance moves the document's parcels to its export stage."""
    ordered = sorted(returns, key=lambda r: r.sort_key())
    cop_nos = sorted({r.copNo for r in ordered if r.copNo})
    docs: dict[tuple[str, int], ExportDocument] = {}
    for start in range(0, len(cop_nos), 900):
        for row in session.execute(select(ExportDocument).where(
                ExportDocument.cop_no.in_(cop_nos[start:start + 900]))).scalars():
            docs[(row.cop_no, row.msg_seq_no)] = row
    outcomes: list[Outcome] = []
    for ret in first_seen(ordered, seen_keys, outcomes):
        doc = docs.get((ret.copNo, _seq_no(ret.msgSeqNo)))
        if doc is None or RECEIPT_KINDS.get(ret.kind) != doc.kind:
            outcomes.append(Outcome(ret, None, False, "unmatched", kind=ret.kind))
            continue
        reason = answer(doc, ret)
        apply = reason == "applied"
        if apply and doc.status == ACCEPTED and doc.message_id is not None:
            ids = list(session.execute(select(MessageDeclaration.declaration_id).where(
                MessageDeclaration.message_id == doc.message_id)).scalars())
            _advance(session, ids, DOCS[doc.kind].stage)
        outcomes.append(Outcome(ret, None, apply, reason, kind=ret.kind))
    session.flush()
    return outcomes


def _seq_no(text: str) -> int:
    try:
        return int(text.strip() or "1")
    except ValueError:
        return 0


def answer(doc: ExportDocument | ReturnTally | SummaryApplication, ret: ReceiptReturn) -> str:
    """Take customs' return into an export document, a return tally or a summary application
    and say how: "final" (it was accepted or refused already: nothing moves), "older" (than
    the return taken last: ignored), else "applied" — its code, time, text and pre-entry
    number stored, and the status moved when the code is a verdict."""
    if doc.status in (ACCEPTED, REJECTED):
        return "final"
    if doc.return_time is not None and ret.returnTime < doc.return_time:
        return "older"
    doc.return_status = ret.returnStatus[:10]
    doc.return_time = ret.returnTime[:17]
    doc.return_info = ret.returnInfo[:1000] or None
    doc.pre_no = (ret.preNo or doc.pre_no or "")[:18] or None
    target = verdict(ret.returnStatus)
    if target is not None:
        doc.status = target
    doc.updated_at = utcnow()
    return "applied"
