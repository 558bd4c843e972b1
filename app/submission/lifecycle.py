"""Asking customs to undo a declaration: cancellation (CEB623; an export one CEB605) and
buyer's return (CEB625).

A supervisor asks; the state machine decides whether the declaration may be asked about
(`cancel_requested` only before release, `return_requested` only after). The service records
the request (with the status to restore if customs says no), builds the messages from the
schema and stores them as pending outbound messages in the same transaction: the crash-safe
outbox (`outbound.deliver_pending`) hands them over like any inventory. Customs' answers
(CEB624 / CEB626) arrive through the receipts job and close the request.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from app.db.models import (
    Declaration,
    DeclarationItem,
    LifecycleRequest,
    MessageDeclaration,
    OutboundMessage,
)
from app.db.types import utcnow
from app.domain import state_machine as sm
from app.domain.clock import beijing_now
from app.domain.errors import ConflictError, NotFoundError, ValidationError
from app.domain.status import DeclarationStatus
from app.i18n import N_
from app.precheck.transitions import change_status
from app.security.audit import AuditRecord, record_events
from app.security.context import Actor, Permission, require
from app.submission.ceb import BaseTransfer, BuiltMessage
from app.submission.exchange import message_file_name, sha256_hex
from app.submission.export_messages import Part, build_export_message
from app.submission.lifecycle_messages import (
    HEAD_FROM_DECLARATION,
    RequestInput,
    RequestKind,
    build_request_message,
)
from app.submission.outbound import PENDING, internal_number, next_file_number
from app.submission.xsd import MAX_INVENTORIES_PER_MESSAGE

D = Declaration
OPEN, ACCEPTED, REFUSED = "open", "accepted", "refused"
MAX_REASON = 1000
EXPORT_RETURN_REASON = 500  # CEB213's reason is shorter
_EVENT: dict[RequestKind, sm.EventKind] = {
    "cancel": sm.EventKind.REQUEST_CANCEL, "return": sm.EventKind.REQUEST_RETURN}
_RECEIPT_KIND: dict[str, RequestKind] = {"CEB624": "cancel", "CEB626": "return",
                                          "CEB606": "cancel", "CEB214": "return"}
_REF: dict[RequestKind, str] = {"cancel": "CANCEL", "return": "RETURN"}


@dataclass(frozen=True)
class RequestResult:
    kind: RequestKind
    declarations: tuple[int, ...]
    messages: tuple[str, ...]  # file names, pending until delivered

    def as_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "declarations": list(self.declarations),
                "messages": list(self.messages)}


def request_cancellation(session: Session, actor: Actor, ids: Sequence[int], reason: str,
                         transfer_settings: Mapping[str, Any], *,
                         now: datetime | None = None) -> RequestResult:
    """Ask customs to cancel declarations it holds but has not released (CEB623).

    Raises PermissionDeniedError (not a supervisor), ValidationError (no reason, no inventory
    number yet, incomplete broker settings), ConflictError (a declaration in a status that
    cannot be cancelled through customs: nothing is recorded then).
    """
    return _request(session, actor, "cancel", ids, reason, transfer_settings, now)


def request_return(session: Session, actor: Actor, ids: Sequence[int], reason: str,
                   transfer_settings: Mapping[str, Any], *,
                   now: datetime | None = None) -> RequestResult:
    """Register buyers' returns of released parcels with customs (CEB625); see
    `request_cancellation` for what it raises."""
    return _request(session, actor, "return", ids, reason, transfer_settings, now)


def _request(session: Session, actor: Actor, kind: RequestKind, ids: Sequence[int],
             reason: str, transfer_settings: Mapping[str, Any],
             now: datetime | None) -> RequestResult:
    require(actor, Permission.REOPEN)
    require(actor, Permission.SUBMIT)
    text = " ".join(reason.split())
    if not text:
        raise ValidationError(N_("Give a reason: customs requires one."))
    if len(text) > MAX_REASON:
        raise ValidationError(N_("The reason is {length} characters long; customs accepts at "
                                 "most {limit}."), length=len(text), limit=MAX_REASON)
    wanted = sorted(set(ids))
    if not wanted:
        raise ValidationError(N_("Select at least one declaration."))
    heads = _heads(session, wanted)
    missing = [i for i in wanted if i not in heads]
    if missing:
        raise NotFoundError(N_("Declaration {id} not found."), id=missing[0])
    flags = {heads[i].pop("_ie") for i in wanted}
    export = flags == {"E"}
    if len(flags) > 1:
        raise ValidationError(N_("Import and export declarations cannot be asked about "
                                 "together: select only one kind."))
    if export and kind == "return" and len(text) > EXPORT_RETURN_REASON:
        raise ValidationError(N_("The reason is {length} characters long; customs accepts at "
                                 "most {limit}."), length=len(text), limit=EXPORT_RETURN_REASON)
    transfer = BaseTransfer.from_settings(transfer_settings)
    previous = {i: DeclarationStatus(heads[i].pop("_status")) for i in wanted}
    # The state machine first: a refused declaration stops everything before anything is
    # written; then the inventory number customs needs to find the parcel.
    for i in wanted:
        outcome = sm.apply(sm.DeclState(0, previous[i]), sm.Event(_EVENT[kind]))
        if outcome.refused and outcome.reason is not None:
            raise ConflictError(outcome.reason.msgid, **outcome.reason.params)
        if not heads[i].get("invtNo"):
            cop_no = heads[i].get("copNo") or internal_number(i)
            raise ValidationError(
                N_("Declaration {copNo} has no inventory number (invtNo) from customs yet; "
                   "wait for the receipt that gives it, then ask again."), copNo=cop_no)
    outcomes = change_status(session, actor, wanted, sm.Event(_EVENT[kind]), reason=text)
    items = _items(session, wanted) if kind == "return" else {}
    when = now or beijing_now()
    files: list[str] = []
    requests: list[dict[str, Any]] = []
    links: list[dict[str, Any]] = []
    code = (("CEB605" if kind == "cancel" else "CEB213") if export
            else f"CEB62{'3' if kind == 'cancel' else '5'}")
    seq = next_file_number(session, code)  # numbered per message type, handed out once
    for start in range(0, len(wanted), MAX_INVENTORIES_PER_MESSAGE):
        part = wanted[start:start + MAX_INVENTORIES_PER_MESSAGE]
        inputs = [RequestInput(heads[i], text, items.get(i, ())) for i in part]
        if export and kind == "return":
            msg = build_export_return(inputs, _export_heads(session, part), transfer, when)
        elif export:
            msg = build_export_cancel(inputs, transfer, when)
        else:
            msg = build_request_message(kind, inputs, transfer, app_time=when)
        name = message_file_name(msg.message_type, _REF[kind], when, seq)
        row = OutboundMessage(guid=msg.guid, message_type=msg.message_type, batch_id=None,
                              seq=seq, file_name=name, state=PENDING, app_type="1",
                              content=msg.xml, sha256=sha256_hex(msg.xml))
        session.add(row)
        session.flush()
        seq += 1
        files.append(name)
        for decl_id, inv in zip(part, msg.inventories, strict=True):
            links.append({"message_id": row.id, "declaration_id": decl_id,
                          "cop_no": inv.copNo, "inventory_guid": inv.guid})
            requests.append({"declaration_id": decl_id, "kind": kind, "reason": text,
                             "previous_status": previous[decl_id].value, "state": OPEN,
                             "message_id": row.id, "request_guid": inv.guid,
                             "requested_by": actor.name, "created_at": utcnow(),
                             "updated_at": utcnow()})
    session.execute(insert(MessageDeclaration), links)
    session.execute(insert(LifecycleRequest), requests)
    record_events(session, actor, [AuditRecord(
        f"declaration.{kind}_request", "declaration", str(i), i,
        {"copNo": heads[i].get("copNo"), "invtNo": heads[i].get("invtNo"),
         "from": previous[i].value, "to": outcomes[i].after.status.value},
        text) for i in wanted] + [AuditRecord(
            "message.record", "message", name, None, {"file": name, "kind": kind})
            for name in files])
    return RequestResult(kind, tuple(wanted), tuple(files))


def _heads(session: Session, ids: Sequence[int]) -> dict[int, dict[str, Any]]:
    cols = [getattr(D, n) for n in HEAD_FROM_DECLARATION]
    out: dict[int, dict[str, Any]] = {}
    for start in range(0, len(ids), 900):
        q = select(D.id, D.status, D.ieFlag, *cols).where(
            D.id.in_(list(ids[start:start + 900])))
        for row in session.execute(q):
            head = dict(zip(HEAD_FROM_DECLARATION, row[3:], strict=True))
            head["copNo"] = head.get("copNo") or internal_number(row[0])
            head["_status"] = row[1]
            head["_ie"] = "E" if row[2] == "E" else "I"
            out[int(row[0])] = head
    return out


def _items(session: Session, ids: Sequence[int]) -> dict[int, list[dict[str, Any]]]:
    It = DeclarationItem
    out: dict[int, list[dict[str, Any]]] = {}
    for start in range(0, len(ids), 900):
        q = (select(It.declaration_id, It.gnum, It.gcode, It.gname, It.qty, It.unit,
                    It.gmodel, It.qty1, It.unit1)
             .where(It.declaration_id.in_(list(ids[start:start + 900])))
             .order_by(It.declaration_id, It.gnum))
        for row in session.execute(q):
            out.setdefault(int(row[0]), []).append(
                {"gnum": row.gnum, "gcode": row.gcode, "gname": row.gname, "qty": row.qty,
                 "unit": row.unit, "gmodel": row.gmodel, "qty1": row.qty1, "unit1": row.unit1})
    return out


_EXPORT_RETURN_FIELDS = ("tradeMode", "billNo", "trafMode", "trafName", "portCode", "country",
                         "voyageNo")


def _export_heads(session: Session, ids: Sequence[int]) -> dict[int, dict[str, Any]]:
    """The transport fields an export return (CEB213) needs besides HEAD_FROM_DECLARATION."""
    cols = [getattr(D, n) for n in _EXPORT_RETURN_FIELDS]
    return {int(row[0]): dict(zip(_EXPORT_RETURN_FIELDS, row[1:], strict=True))
            for row in session.execute(select(D.id, *cols).where(D.id.in_(list(ids))))}


def build_export_return(requests: Sequence[RequestInput], extra: Mapping[int, Mapping[str, Any]],
                        transfer: BaseTransfer, when: datetime) -> BuiltMessage:
    """One CEB213Message (export return, 退货申请单) for 1..100 export declarations; `extra`
    holds each one's transport fields by declaration id (in the order of `requests`)."""
    parts = []
    for request, more in zip(requests, extra.values(), strict=True):
        head = {**request.head, **more, "coElNo": request.head.get("copNo"), "ieFlag": "E",
                "reason": request.reason}
        parts.append(Part(head, request.items, str(request.head.get("copNo") or "")))
    return build_export_message("CEB213Message", parts, transfer, app_time=when)


def build_export_cancel(requests: Sequence[RequestInput], transfer: BaseTransfer,
                        when: datetime) -> BuiltMessage:
    """One CEB605Message (export cancellation, 撤销申请单) for 1..100 export declarations."""
    fields = ("customsCode", "copNo", "preNo", "invtNo", "agentCode", "agentName", "ebcCode",
              "ebcName")
    parts = [Part({**{f: r.head.get(f) for f in fields}, "reason": r.reason}, (),
                  str(r.head.get("copNo") or "")) for r in requests]
    return build_export_message("CEB605Message", parts, transfer, app_time=when)


def open_requests_previous(session: Session, decl_ids: Sequence[int]
                           ) -> dict[int, DeclarationStatus]:
    """The status before each declaration's open request (the one a refusal restores)."""
    out: dict[int, DeclarationStatus] = {}
    R = LifecycleRequest
    for start in range(0, len(decl_ids), 900):
        q = (select(R.declaration_id, R.previous_status)
             .where(R.declaration_id.in_(list(decl_ids[start:start + 900])), R.state == OPEN)
             .order_by(R.id))
        for decl_id, status in session.execute(q):
            out[int(decl_id)] = DeclarationStatus(status)  # the latest open one wins
    return out


def close_requests(session: Session, answers: Sequence[tuple[int, str, str, str, str]]) -> None:
    """Close open requests customs answered: (declaration id, receipt kind, verdict
    "approved"/"refused", returnStatus, returnInfo) per CEB624/CEB626 return."""
    R = LifecycleRequest
    for decl_id, receipt_kind, verdict, code, info in answers:
        kind = _RECEIPT_KIND.get(receipt_kind)
        if kind is None:
            continue
        done = verdict == "approved"
        session.execute(update(R).where(R.declaration_id == decl_id, R.kind == kind,
                                        R.state == OPEN)
                        .values(state=ACCEPTED if done else REFUSED, decided_at=utcnow(),
                                return_status=code[:10], return_info=info[:1000] or None))
