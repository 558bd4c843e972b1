"""Submitting a batch: record every message in the database, then hand the files over.

Order matters for crash safety: (1) one transaction builds and schema-checks the messages and
stores them (XML included) as `pending` OutboundMessage rows; (2) each pending message is
written to the outbox atomically, archived in sent/, and only then marked `written` (its
declarations become `sent`). `deliver_pending` is also the start-up reconciler: a message
already handed over (found in the outbox or the sent archive) is just marked, never written
twice; one that never reached the folder is written now. If the folder is offline, messages
simply stay pending until it is back.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import bindparam, func, insert, select, update
from sqlalchemy.orm import Session, sessionmaker

from app.db.engine import take_turns
from app.db.models import Batch, Declaration, DeclarationItem, MessageDeclaration, OutboundMessage
from app.db.types import utcnow
from app.domain.clock import beijing_now
from app.domain.errors import ConflictError
from app.domain.fields import HEAD_FIELDS, ITEM_FIELDS
from app.domain.state_machine import Event, EventKind
from app.i18n import N_
from app.jobs.base import CancelToken, Progress, no_progress
from app.precheck.transitions import change_status
from app.security.audit import AUDIT_TURN, AuditRecord, append_events, record_events
from app.security.context import Actor, Permission, require
from app.services.settings import site_code
from app.submission import batches as B
from app.submission.ceb import (
    APP_TYPE_AMENDMENT,
    APP_TYPE_NEW,
    BaseTransfer,
    InventoryInput,
    build_messages,
)
from app.submission.exchange import ExchangeFolderTransport, message_file_name, sha256_hex
from app.submission.waybills import record_waybills, send_waybills
from app.submission.xsd import Direction

D = Declaration
PENDING = "pending"
INVENTORY_MESSAGES = frozenset({"CEB621Message", "CEB603Message"})
WRITTEN = "written"
_HEAD_NAMES = tuple(f.name for f in HEAD_FIELDS)
_ITEM_NAMES = tuple(f.name for f in ITEM_FIELDS)


@dataclass(frozen=True)
class RecordedMessage:
    id: int
    guid: str
    file_name: str
    declarations: int


@dataclass(frozen=True)
class DeliveryResult:
    written: tuple[str, ...]  # file names handed over now
    already: int  # found already handed over (reconciled)
    pending: int  # still waiting (folder offline)
    offline: bool


def _inventories(session: Session, decl_ids: Sequence[int]) -> list[tuple[int, InventoryInput]]:
    heads: dict[int, dict[str, Any]] = {}
    for i in range(0, len(decl_ids), 900):
        chunk = decl_ids[i:i + 900]
        cols = [getattr(D, n) for n in _HEAD_NAMES]
        for row in session.execute(select(D.id, *cols).where(D.id.in_(chunk))):
            heads[row[0]] = dict(zip(_HEAD_NAMES, row[1:], strict=True))
    items: dict[int, list[dict[str, Any]]] = {i: [] for i in decl_ids}
    icols = [getattr(DeclarationItem, n) for n in _ITEM_NAMES]
    for i in range(0, len(decl_ids), 900):
        chunk = decl_ids[i:i + 900]
        q = (select(DeclarationItem.declaration_id, *icols)
             .where(DeclarationItem.declaration_id.in_(chunk))
             .order_by(DeclarationItem.declaration_id, DeclarationItem.gnum))
        for row in session.execute(q):
            items[row[0]].append(dict(zip(_ITEM_NAMES, row[1:], strict=True)))
    return [(i, InventoryInput(heads[i], items[i])) for i in decl_ids]


def next_file_number(session: Session, code: str) -> int:
    """The next number of an office-level message file (`code`: "CEB623", "CEB513"…), the
    `_0003` of `CEB623_CANCEL_<time>_0003.xml`, handed out once.

    Two workstations asking at once would count the same rows and both take the next number.
    The audit turn (SQLite's write lock; a PostgreSQL advisory lock held to the commit) makes
    the second wait until the first has stored its messages and then count past them; the
    audit turn and no other, because every such request writes audit events after this and a
    transaction takes that turn before any other.
    """
    take_turns(session.connection(), AUDIT_TURN)
    return int(session.execute(select(func.count()).select_from(OutboundMessage).where(
        OutboundMessage.file_name.like(f"{code}_%"))).scalar_one()) + 1


def internal_number(decl_id: int, site: str = "") -> str:
    """Our copNo for a declaration that has none: unique, stable, ≤ 20 characters. The site
    code keeps two databases (the office, a sorting centre) from issuing the same copNo."""
    return f"CD{site}{decl_id:012d}"


def _prepare_head(decl_id: int, head: Mapping[str, Any], site: str = "") -> dict[str, Any]:
    out = dict(head)
    out["copNo"] = head.get("copNo") or internal_number(decl_id, site)
    # A declaration customs already registered (it has a preNo) is re-sent as an amendment;
    # one that never got past the format check goes again as new.
    out["appType"] = APP_TYPE_AMENDMENT if head.get("preNo") else APP_TYPE_NEW
    out["guid"] = None  # a fresh guid for every submission
    out["preNo"] = None  # customs' numbers are not ours to send
    out["invtNo"] = None
    return out


def record_batch(session: Session, actor: Actor, batch_ref: str | int,
                 transfer_settings: Mapping[str, Any], *,
                 now: datetime | None = None) -> list[RecordedMessage]:
    """Build, schema-check and store the messages of an open batch (caller commits).

    Raises MessageBuildError (nothing is stored) when a declaration fails the schema.
    """
    require(actor, Permission.SUBMIT)
    batch = B._load(session, batch_ref, lock=True)
    if batch.state != B.OPEN:
        raise ConflictError(N_("Batch {batch} has already been submitted."),
                            batch=batch.batch_no)
    transfer = BaseTransfer.from_settings(transfer_settings)
    when = now or beijing_now()
    ids = B.batch_declaration_ids(session, batch.id)
    pairs = _inventories(session, ids)
    site = site_code(session)
    invs = [InventoryInput(_prepare_head(i, inv.head, site), inv.items) for i, inv in pairs]
    direction: Direction = "E" if batch.ie_flag == "E" else "I"
    messages = build_messages(direction, invs, transfer, app_time=when)
    seq_base = int(session.execute(select(func.count()).select_from(OutboundMessage)
                                   .where(OutboundMessage.batch_id == batch.id)).scalar_one())
    waybills = 0
    if direction == "I" and send_waybills(transfer_settings):
        # Recorded first, so the outbox hands the waybills over before the inventories.
        heads = _waybill_heads(session, [(i, inv.head) for i, inv in pairs], invs)
        wb = record_waybills(session, heads, transfer, batch_id=batch.id,
                             batch_no=batch.batch_no, when=when, seq_base=seq_base,
                             bill_no=batch.bill_no)
        seq_base += len(wb.messages)
        waybills = wb.waybills
    recorded: list[RecordedMessage] = []
    pos = 0
    decl_updates: list[dict[str, Any]] = []
    app_time = when.strftime("%Y%m%d%H%M%S")
    for n, msg in enumerate(messages, start=seq_base + 1):
        name = message_file_name(msg.message_type, batch.batch_no, when, n)
        row = OutboundMessage(guid=msg.guid, message_type=msg.message_type, batch_id=batch.id,
                              seq=n, file_name=name, state=PENDING,
                              app_type=msg.inventories[0].appType, content=msg.xml,
                              sha256=sha256_hex(msg.xml))
        session.add(row)
        session.flush()
        links = []
        for inv in msg.inventories:
            decl_id = pairs[pos][0]
            pos += 1
            links.append({"message_id": row.id, "declaration_id": decl_id,
                          "cop_no": inv.copNo, "inventory_guid": inv.guid})
            decl_updates.append({"_id": decl_id, "copNo": inv.copNo, "guid": inv.guid,
                                 "appType": inv.appType,
                                 "appTime": app_time, "appStatus": "2"})
        session.execute(insert(MessageDeclaration), links)
        recorded.append(RecordedMessage(row.id, msg.guid, name, len(msg.inventories)))
    _update_declarations(session, decl_updates)
    batch.state = B.SUBMITTED
    record_events(session, actor, [AuditRecord(
        "batch.submit", "batch", str(batch.id),
        details={"batch": batch.batch_no, "messages": len(recorded), "declarations": len(ids),
                 "waybills": waybills},
    )])
    # One event per declaration handed to customs: its history shows the submission, and the
    # supervisor summary counts each clerk's submissions from these.
    append_events(session, actor, [
        AuditRecord("declaration.send", "declaration", str(decl_id), decl_id,
                    {"batch": batch.batch_no}) for decl_id, _ in pairs])
    return recorded


def _waybill_heads(session: Session, pairs: Sequence[tuple[int, Mapping[str, Any]]],
                   invs: Sequence[InventoryInput]) -> list[tuple[int, dict[str, Any]]]:
    """Head values a waybill needs: the inventory's, the consignee's, the goods names."""
    ids = [i for i, _h in pairs]
    extra: dict[int, tuple[str | None, str | None]] = {}
    for start in range(0, len(ids), 900):
        q = select(D.id, D.consignee, D.consigneeTelephone).where(
            D.id.in_(ids[start:start + 900]))
        for row in session.execute(q):
            extra[int(row[0])] = (row[1], row[2])
    out = []
    for (decl_id, head), inv in zip(pairs, invs, strict=True):
        consignee, phone = extra.get(decl_id, (None, None))
        out.append((decl_id, {**head, "copNo": inv.head.get("copNo"), "consignee": consignee,
                              "consigneeTelephone": phone,
                              "_goods": [it.get("gname") for it in inv.items]}))
    return out


def _update_declarations(session: Session, rows: list[dict[str, Any]]) -> None:
    if not rows:
        return
    rows = [{(k if k == "_id" else "b_" + k): v for k, v in r.items()} for r in rows]
    stmt = (update(D).where(D.id == bindparam("_id"))
            .values(copNo=bindparam("b_copNo"), guid=bindparam("b_guid"),
                    appType=bindparam("b_appType"),
                    appTime=bindparam("b_appTime"), appStatus=bindparam("b_appStatus"),
                    version=D.version + 1)
            .execution_options(synchronize_session=False))
    session.connection().execute(stmt, rows)


def _day_of(file_name: str) -> str:
    # CEB621_<batch>_<yyyyMMddHHmmssSSS>_<seq>.xml: the archive day is the stamp's date.
    parts = file_name.rsplit("_", 2)
    stamp = parts[-2] if len(parts) == 3 else ""
    return stamp[:8] if stamp[:8].isdigit() else "undated"


def pending_count(session: Session) -> int:
    return int(session.execute(select(func.count()).select_from(OutboundMessage)
                               .where(OutboundMessage.state == PENDING)).scalar_one())


def deliver_pending(sessions: sessionmaker[Session], actor: Actor,
                    transport: ExchangeFolderTransport, *, batch_id: int | None = None,
                    progress: Progress = no_progress,
                    cancel: CancelToken | None = None) -> DeliveryResult:
    """Hand every pending message to the exchange folder; also the start-up reconciler.

    One transaction per message, committed only after its file is in place: a crash leaves
    the message pending, and the next run finds the file and does not write it again.
    Hands messages to customs, so it needs the SUBMIT permission like `submit` itself.
    """
    require(actor, Permission.SUBMIT)
    if transport.available():
        transport.clean_temp_files()
    with sessions() as session:
        q = select(OutboundMessage.id).where(OutboundMessage.state == PENDING)
        if batch_id is not None:
            q = q.where(OutboundMessage.batch_id == batch_id)
        ids = list(session.execute(q.order_by(OutboundMessage.id)).scalars())
    written: list[str] = []
    already = 0
    if ids and not transport.available():
        return DeliveryResult((), 0, len(ids), True)
    for n, msg_id in enumerate(ids):
        if cancel is not None:
            cancel.raise_if_cancelled()
        with sessions() as session, session.begin():
            # Claim the row first (a no-op UPDATE takes the write lock on SQLite and the row
            # lock on PostgreSQL): a second process delivering at the same time waits here,
            # then sees the message written and skips it.
            claimed = session.execute(
                update(OutboundMessage)
                .where(OutboundMessage.id == msg_id, OutboundMessage.state == PENDING)
                .values(state=PENDING).execution_options(synchronize_session=False))
            if not claimed.rowcount:  # type: ignore[attr-defined]
                continue
            msg = session.get(OutboundMessage, msg_id)
            if msg is None:
                continue
            day = _day_of(msg.file_name)
            if transport.is_handed_over(msg.file_name, day):
                already += 1
            else:
                written.append(msg.file_name)
            transport.hand_over(msg.file_name, msg.content, day)
            _mark_written(session, actor, msg)
        progress(n + 1, len(ids), "")
    return DeliveryResult(tuple(written), already, 0, False)


def _mark_written(session: Session, actor: Actor, msg: OutboundMessage) -> None:
    msg.state = WRITTEN
    msg.written_at = utcnow()
    decl_ids = list(session.execute(select(MessageDeclaration.declaration_id)
                                    .where(MessageDeclaration.message_id == msg.id)).scalars())
    # queued → sent through the state machine (audited per declaration); not strict: a
    # declaration a receipt already moved on stays where it is. Only the inventory itself
    # sends the declaration (not its waybill, nor a cancellation).
    if msg.message_type in INVENTORY_MESSAGES:
        change_status(session, actor, decl_ids, Event(EventKind.SENT), strict=False)
    if msg.batch_id is not None:
        left = session.execute(select(func.count()).select_from(OutboundMessage).where(
            OutboundMessage.batch_id == msg.batch_id, OutboundMessage.state == PENDING,
            OutboundMessage.id != msg.id)).scalar_one()
        if not left:
            # Only a submitted batch is sent (export waybills may go out before the submit).
            session.execute(update(Batch).where(Batch.id == msg.batch_id,
                                                Batch.state == B.SUBMITTED)
                            .values(state=B.SENT, version=Batch.version + 1))
    record_events(session, actor, [
        AuditRecord("message.write", "message", str(msg.id),
                    details={"file": msg.file_name, "declarations": len(decl_ids)}),
    ])


def export_batch_files(session: Session, actor: Actor, batch_ref: str | int,
                       dest: Path) -> Path:
    """Copy a batch's recorded messages to `dest` with a SHA-256 manifest (hand carry)."""
    from app.submission.exchange import export_to_folder

    require(actor, Permission.SUBMIT)
    batch = B._load(session, batch_ref)
    rows = session.execute(select(OutboundMessage.file_name, OutboundMessage.content)
                           .where(OutboundMessage.batch_id == batch.id)
                           .order_by(OutboundMessage.seq)).all()
    if not rows:
        raise ConflictError(N_("Batch {batch} has no messages yet: submit it first."),
                            batch=batch.batch_no)
    manifest = export_to_folder(dest, [(r.file_name, r.content) for r in rows])
    record_events(session, actor, [AuditRecord(
        "batch.export", "batch", str(batch.id),
        details={"batch": batch.batch_no, "folder": str(dest), "files": len(rows)})])
    return manifest
