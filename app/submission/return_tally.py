"""Returned export parcels tallied in at the supervised site: CEB215 退货理货明细单 and
customs' answer CEB216 (spec 202205 §2.19, §2.20).

After a return application (CEB213, app.submission.lifecycle) the returned parcels come back
to the site; the site operator tallies them in: one InvtRefundDetail per parcel (its waybill,
the original export inventory, the transport that brought it back; ieFlag "I": an export
return comes in). The tallies are recorded with their messages as pending outbound messages
in the caller's transaction (the crash-safe outbox hands them over). Customs' CEB216 answers
name the tally by coElNo: applied once, in returnTime order; a tally's status goes
sent → accepted | rejected and never back. A refused tally may be sent again (a new coElNo).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from app.db.models import Declaration, MessageDeclaration, OutboundMessage, ReturnTally
from app.db.types import utcnow
from app.domain.clock import beijing_now
from app.domain.errors import ConflictError, NotFoundError, ValidationError
from app.domain.status import DeclarationStatus as S
from app.i18n import N_
from app.security.audit import AuditRecord, record_events
from app.security.context import Actor, Permission, require
from app.submission.ceb import BaseTransfer
from app.submission.exchange import message_file_name, sha256_hex
from app.submission.export_flow import ACCEPTED, DOC_STATE_LABELS, SENT, answer
from app.submission.export_messages import Part, build_export_message
from app.submission.outbound import PENDING, internal_number, next_file_number
from app.submission.receipt_plan import Outcome, first_seen
from app.submission.receipts import ReceiptReturn
from app.submission.xsd import MAX_INVENTORIES_PER_MESSAGE

D = Declaration
T = ReturnTally
# A return application (CEB213) was made: the parcel may come back and be tallied in.
TALLIABLE = frozenset({S.RETURN_REQUESTED.value, S.RETURNED.value})
STATE_LABELS = DOC_STATE_LABELS  # sent / accepted / refused, as the export documents
MAX_LOCATION = 250
_FIELDS = ("copNo", "ieFlag", "status", "customsCode", "logisticsCode", "logisticsName",
           "logisticsNo", "invtNo", "billNo", "trafMode", "trafName", "voyageNo")


@dataclass(frozen=True)
class TallyRow:
    declaration_id: int
    cop_no: str  # the declaration's copNo
    co_el_no: str  # the tally's own number (coElNo)
    logistics_no: str
    status: str
    return_status: str | None
    return_info: str | None

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass(frozen=True)
class TallyResult:
    tallies: tuple[TallyRow, ...]
    messages: tuple[str, ...]  # file names, pending until delivered

    def as_dict(self) -> dict[str, Any]:
        return {"tallies": [t.as_dict() for t in self.tallies], "messages": list(self.messages)}


@dataclass(frozen=True)
class Transport:
    """The transport that brought the returned parcels back (default: the export's own)."""

    traf_mode: str | None = None
    traf_name: str | None = None
    voyage_no: str | None = None
    bill_no: str | None = None


def tally_returns(session: Session, actor: Actor, ids: Sequence[int],
                  settings: Mapping[str, Any], *, location: str | None = None,
                  transport: Transport | None = None, operator_code: str | None = None,
                  operator_name: str | None = None,
                  now: datetime | None = None) -> TallyResult:
    """Record the return tally (CEB215) of returned export parcels `ids`.

    Raises PermissionDeniedError, NotFoundError, ValidationError (missing site operator,
    transport or waybill; location too long) or ConflictError (an import parcel, no return
    application, a tally sent or accepted already): nothing is recorded then.
    """
    require(actor, Permission.SUBMIT)
    wanted = sorted(set(ids))
    if not wanted:
        raise ValidationError(N_("Select at least one declaration."))
    place = " ".join((location or "").split()) or None
    if place and len(place) > MAX_LOCATION:
        raise ValidationError(N_("The location is {length} characters long; customs accepts "
                                 "at most {limit}."), length=len(place), limit=MAX_LOCATION)
    operator = ((operator_code or "").strip() or str(settings.get("operatorCode") or ""),
                (operator_name or "").strip() or str(settings.get("operatorName") or ""))
    if not all(operator):
        raise ValidationError(N_("The site operator (operatorCode, operatorName) is not set: "
                                 "enter it in the settings and try again."))
    heads = _heads(session, wanted)
    missing = [i for i in wanted if i not in heads]
    if missing:
        raise NotFoundError(N_("Declaration {id} not found."), id=missing[0])
    have = _open_tallies(session, wanted)
    way = transport or Transport()
    for i in wanted:
        h = heads[i]
        if h["ieFlag"] != "E":
            raise ConflictError(N_("Declaration {copNo} is an import declaration: a return "
                                   "tally (CEB215) is for returned export parcels."),
                                copNo=h["copNo"])
        if h["status"] not in TALLIABLE:
            raise ConflictError(N_("Declaration {copNo} has no return application (CEB213) "
                                   "yet: register the return first, then tally the parcel "
                                   "in."), copNo=h["copNo"])
        if have.get(i) == ACCEPTED:
            raise ConflictError(N_("The return tally of declaration {copNo} has been "
                                   "accepted already."), copNo=h["copNo"])
        if have.get(i) == SENT:
            raise ConflictError(N_("The return tally of declaration {copNo} was sent and "
                                   "customs has not answered yet."), copNo=h["copNo"])
        h.update(trafMode=way.traf_mode or h["trafMode"], trafName=way.traf_name or h["trafName"],
                 voyageNo=way.voyage_no or h["voyageNo"],
                 billNo=way.bill_no or h["billNo"] or h["logisticsNo"])
        lacking = [f for f in ("logisticsNo", "logisticsCode", "logisticsName", "trafMode",
                               "trafName", "voyageNo") if not h.get(f)]
        if lacking:
            raise ValidationError(N_("Declaration {copNo} lacks {fields} for the return tally "
                                     "(CEB215)."), copNo=h["copNo"], fields=", ".join(lacking))
    transfer = BaseTransfer.from_settings(settings)
    attempts = _attempts(session, wanted)
    when = now or beijing_now()
    seq = next_file_number(session, "CEB215")
    files: list[str] = []
    rows: list[dict[str, Any]] = []
    links: list[dict[str, Any]] = []
    out: list[TallyRow] = []
    for start in range(0, len(wanted), MAX_INVENTORIES_PER_MESSAGE):
        part = wanted[start:start + MAX_INVENTORIES_PER_MESSAGE]
        parts = []
        for i in part:
            h = heads[i]
            n = attempts.get(i, 0) + 1
            co_el_no = f"TH{i}" + (f"-{n}" if n > 1 else "")
            h["_coElNo"] = co_el_no
            parts.append(Part({
                "customsCode": h["customsCode"] or settings.get("customsCode"),
                "operatorCode": operator[0], "operatorName": operator[1],
                "logisticsCode": h["logisticsCode"], "logisticsName": h["logisticsName"],
                "logisticsNo": h["logisticsNo"], "invtNo": h["invtNo"], "coElNo": co_el_no,
                "billNo": h["billNo"], "ieFlag": "I", "trafMode": h["trafMode"],
                "trafName": h["trafName"], "voyageNo": h["voyageNo"], "location": place},
                (), co_el_no))
        msg = build_export_message("CEB215Message", parts, transfer, app_time=when)
        name = message_file_name(msg.message_type, "TALLY", when, seq)
        message = OutboundMessage(guid=msg.guid, message_type=msg.message_type, batch_id=None,
                                  seq=seq, file_name=name, state=PENDING, app_type="1",
                                  content=msg.xml, sha256=sha256_hex(msg.xml))
        session.add(message)
        session.flush()
        seq += 1
        files.append(name)
        for i, built in zip(part, msg.inventories, strict=True):
            h = heads[i]
            links.append({"message_id": message.id, "declaration_id": i,
                          "cop_no": h["_coElNo"], "inventory_guid": built.guid})
            rows.append({"declaration_id": i, "cop_no": h["_coElNo"],
                         "logistics_no": h["logisticsNo"], "guid": built.guid,
                         "message_id": message.id, "status": SENT, "location": place,
                         "requested_by": actor.name, "created_at": utcnow(),
                         "updated_at": utcnow()})
            out.append(TallyRow(i, h["copNo"], h["_coElNo"], h["logisticsNo"], SENT, None,
                                None))
    session.execute(insert(MessageDeclaration), links)
    session.execute(insert(T), rows)
    record_events(session, actor, [AuditRecord(
        "declaration.return_tally", "declaration", str(t.declaration_id), t.declaration_id,
        {"copNo": t.cop_no, "coElNo": t.co_el_no, "logisticsNo": t.logistics_no,
         "location": place}) for t in out] + [AuditRecord(
            "message.record", "message", name, None, {"file": name, "kind": "return_tally"})
            for name in files])
    return TallyResult(tuple(out), tuple(files))


def list_tallies(session: Session, actor: Actor, ids: Sequence[int] | None = None
                 ) -> list[TallyRow]:
    """The return tallies (latest first), of the declarations `ids` when given."""
    require(actor, Permission.VIEW)
    q = (select(T.declaration_id, D.copNo, T.cop_no, T.logistics_no, T.status,
                T.return_status, T.return_info)
         .join(D, D.id == T.declaration_id).order_by(T.id.desc()))
    if ids is not None:
        q = q.where(T.declaration_id.in_(list(ids)))
    return [TallyRow(int(r[0]), r[1] or internal_number(int(r[0])), r[2], r[3], r[4], r[5],
                     r[6]) for r in session.execute(q)]


def _heads(session: Session, ids: Sequence[int]) -> dict[int, dict[str, Any]]:
    cols = [getattr(D, n) for n in _FIELDS]
    out: dict[int, dict[str, Any]] = {}
    for start in range(0, len(ids), 900):
        q = select(D.id, *cols).where(D.id.in_(list(ids[start:start + 900])))
        for row in session.execute(q):
            head = dict(zip(_FIELDS, row[1:], strict=True))
            head["copNo"] = head["copNo"] or internal_number(int(row[0]))
            out[int(row[0])] = head
    return out


def _open_tallies(session: Session, ids: Sequence[int]) -> dict[int, str]:
    """Each declaration's latest tally status."""
    out: dict[int, str] = {}
    for start in range(0, len(ids), 900):
        q = (select(T.declaration_id, T.status)
             .where(T.declaration_id.in_(list(ids[start:start + 900]))).order_by(T.id))
        out.update((int(i), str(s)) for i, s in session.execute(q))
    return out


def _attempts(session: Session, ids: Sequence[int]) -> dict[int, int]:
    out: dict[int, int] = {}
    for start in range(0, len(ids), 900):
        q = select(T.declaration_id).where(T.declaration_id.in_(list(ids[start:start + 900])))
        for (i,) in session.execute(q):
            out[int(i)] = out.get(int(i), 0) + 1
    return out


def apply_tally_returns(session: Session, returns: Iterable[ReceiptReturn],
                        seen_keys: set[str]) -> list[Outcome]:
    """Apply CEB216 returns (in returnTime order) to the tallies they name (coElNo); each
    return once, an answered tally never moves again, an older return never overrides."""
    ordered = sorted(returns, key=lambda r: r.sort_key())
    cop_nos = sorted({r.copNo for r in ordered if r.copNo})
    tallies: dict[str, ReturnTally] = {}
    for start in range(0, len(cop_nos), 900):
        for row in session.execute(select(T).where(
                T.cop_no.in_(cop_nos[start:start + 900]))).scalars():
            tallies[row.cop_no] = row
    outcomes: list[Outcome] = []
    for ret in first_seen(ordered, seen_keys, outcomes):
        tally = tallies.get(ret.copNo)
        if tally is None:
            outcomes.append(Outcome(ret, None, False, "unmatched", kind=ret.kind))
            continue
        reason = answer(tally, ret)
        outcomes.append(Outcome(ret, tally.declaration_id, reason == "applied", reason,
                                kind=ret.kind))
    session.flush()
    return outcomes
