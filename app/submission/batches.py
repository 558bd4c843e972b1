"""Batches: group ready declarations under one master waybill / flight, then lock them.

Only `ready` declarations enter a batch; anything else blocks creation with the list of why.
The batch's transport data (billNo, trafMode, trafNo/trafName, voyageNo, portCode, ieDate, bag
numbers) is written onto its declarations. Declarations in a batch are `queued` (locked); an
unsent batch can be edited or dissolved, a sent one cannot.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from app.db.engine import take_turns
from app.db.models import Batch, Declaration, OutboundMessage, ParcelWeighing
from app.domain.clock import beijing_now, beijing_today
from app.domain.errors import ConflictError, NotFoundError, ValidationError
from app.domain.state_machine import Event, EventKind
from app.domain.status import DeclarationStatus as S
from app.i18n import N_, Message
from app.precheck.records import IN_CHUNK
from app.precheck.service import check_declarations
from app.precheck.transitions import change_status
from app.reference.inforce import reference_in_force
from app.rules.context import CheckContext
from app.rules.engine import check_record
from app.rules.problem import RuleCode
from app.security.audit import AUDIT_TURN, AuditRecord, record_events
from app.security.context import Actor, Permission, require
from app.services.queries import DeclarationFilter
from app.services.settings import site_code
from app.station.bags import bags_of_batch

D = Declaration
OPEN = "open"  # created, may be edited or dissolved
SUBMITTED = "submitted"  # messages recorded; files being handed over
SENT = "sent"  # every message handed to the exchange folder
DISSOLVED = "dissolved"
STATE_LABELS: dict[str, str] = {OPEN: N_("Open"), SUBMITTED: N_("Submitting"), SENT: N_("Sent"),
                                DISSOLVED: N_("Dissolved")}
# A batch's direction (ieFlag) as the lists show it.
IE_LABELS: dict[str, str] = {"I": N_("Import (I)"), "E": N_("Export (E)")}
MAX_BATCH = 100_000
# Parcels the station holds for their measured weight stay out of batches until released.
_WEIGHT_HELD = select(ParcelWeighing.declaration_id).where(ParcelWeighing.state == "held")


class BatchBlockedError(ValidationError):
    """Some selected declarations cannot enter a batch; `blocked` says which and why.

    `stale`: declarations stored as ready that failed the re-check. The caller's transaction
    rolls back with this error, their `invalid` status and problems with it: the caller stores
    them again with `store_recheck` in a transaction of its own, so the grid shows why.
    """

    def __init__(self, blocked: Sequence[BlockedDeclaration],
                 stale: Sequence[int] = ()) -> None:
        self.blocked = tuple(blocked)
        self.stale = tuple(stale)
        listing = "; ".join(f"#{b.id} {b.copNo or ''} ({b.status})" for b in self.blocked[:10])
        more = len(self.blocked) - 10
        super().__init__(
            N_("{count} declarations cannot go into a batch (only ready ones can): {listing}"),
            count=len(self.blocked), listing=listing + (f" … +{more}" if more > 0 else ""),
        )


class MixedLogisticsError(ValidationError):
    """The declarations of one batch (one master bill) belong to several logistics companies."""

    def __init__(self, shares: Sequence[LogisticsShare]) -> None:
        self.shares = tuple(shares)
        listing = "; ".join(f"{s.label}: {s.count}" for s in self.shares)
        super().__init__(
            N_("These declarations belong to {count} logistics companies ({listing}). One master "
               "bill normally carries one company's parcels: choose one company's parcels, or "
               "confirm that they share the master bill (--mixed-logistics)."),
            count=len(self.shares), listing=listing)


@dataclass(frozen=True)
class LogisticsShare:
    """How many of a batch's candidates one logistics company carries."""

    code: str | None
    name: str | None
    count: int

    @property
    def label(self) -> str:
        return " ".join(p for p in (self.code, self.name) if p) or "—"


@dataclass(frozen=True)
class BatchCandidates:
    """The ready declarations a new batch would take, and their logistics companies."""

    ids: tuple[int, ...]
    logistics: tuple[LogisticsShare, ...]


def logistics_shares(session: Session, ids: Sequence[int]) -> tuple[LogisticsShare, ...]:
    """Logistics companies of `ids`, most parcels first."""
    counts: dict[tuple[str | None, str | None], int] = {}
    for start in range(0, len(ids), IN_CHUNK):
        chunk = list(ids[start:start + IN_CHUNK])
        for code, name, n in session.execute(
                select(D.logisticsCode, D.logisticsName, func.count())
                .where(D.id.in_(chunk)).group_by(D.logisticsCode, D.logisticsName)):
            counts[(code, name)] = counts.get((code, name), 0) + int(n)
    by_code: dict[str | None, LogisticsShare] = {}
    for (code, name), n in counts.items():  # one company may be spelt two ways: by code
        seen = by_code.get(code)
        by_code[code] = LogisticsShare(code, (seen.name if seen else None) or name,
                                       n + (seen.count if seen else 0))
    return tuple(sorted(by_code.values(), key=lambda s: (-s.count, s.code or "")))


def split_by_direction(session: Session, ids: Sequence[int]) -> dict[str, list[int]]:
    """`ids` by direction: "I" (import, also when unset) and "E" (export), each sorted; a
    batch takes one kind only."""
    out: dict[str, list[int]] = {}
    for start in range(0, len(ids), IN_CHUNK):
        chunk = list(ids[start:start + IN_CHUNK])
        for decl_id, flag in session.execute(select(D.id, D.ieFlag).where(D.id.in_(chunk))):
            out.setdefault("E" if flag == "E" else "I", []).append(int(decl_id))
    return {flag: sorted(found) for flag, found in out.items()}


def batch_candidates(session: Session, actor: Actor, flt: DeclarationFilter | None = None,
                     *, limit: int | None = None) -> BatchCandidates:
    """The ready declarations under `flt` (the grid's filter) that a new batch would take."""
    require(actor, Permission.BATCH)
    where = (flt or DeclarationFilter()).where()
    ids = tuple(int(i) for i in session.execute(
        select(D.id).where(where, D.status == S.READY, D.id.not_in(_WEIGHT_HELD)).order_by(D.id)
        .limit(min(limit or MAX_BATCH, MAX_BATCH))).scalars())
    return BatchCandidates(ids, logistics_shares(session, ids))


@dataclass(frozen=True)
class BlockedDeclaration:
    id: int
    copNo: str | None
    status: str
    reason: Message


@dataclass(frozen=True)
class TransportData:
    """Transport details applied to every declaration of a batch (CEB names)."""

    billNo: str | None = None
    trafMode: str | None = None
    trafNo: str | None = None
    trafName: str | None = None
    voyageNo: str | None = None
    portCode: str | None = None
    ieDate: str | None = None
    loctNo: str | None = None
    bagNos: str | None = None

    def head_values(self, ie_flag: str) -> dict[str, Any]:
        """Declaration attributes to set: only the fields given, and only those of the
        message type (trafNo is import-only; trafName and bag numbers export-only)."""
        out: dict[str, Any] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if value in (None, ""):
                continue
            if f.name == "bagNos":
                if ie_flag == "E":
                    out["totalPackageNo"] = value
            elif f.name == "trafNo" and ie_flag == "E":
                out.setdefault("trafName", value)
            elif f.name == "trafName" and ie_flag == "I":
                continue
            else:
                out[f.name] = value
        return out

    def batch_values(self) -> dict[str, Any]:
        return {"bill_no": self.billNo, "traf_mode": self.trafMode, "traf_no": self.trafNo,
                "traf_name": self.trafName, "voyage_no": self.voyageNo,
                "port_code": self.portCode, "ie_date": self.ieDate, "loct_no": self.loctNo,
                "bag_nos": self.bagNos}


@dataclass(frozen=True)
class BatchSummary:
    id: int
    batch_no: str
    ie_flag: str
    state: str
    declarations: int
    bill_no: str | None
    traf_mode: str | None
    traf_no: str | None
    voyage_no: str | None
    created_at: datetime | None
    created_by: str | None
    messages: int = 0
    pending_messages: int = 0
    status_counts: tuple[tuple[str, int], ...] = ()
    bags: tuple[str, ...] = ()  # bag numbers (总包) holding its parcels

    def as_dict(self) -> dict[str, Any]:
        data = {f.name: getattr(self, f.name) for f in fields(self)}
        data["status_counts"] = dict(self.status_counts)
        return data


def _next_batch_no(session: Session, now: datetime) -> str:
    """The day's next batch number. The caller holds the audit turn (see create_batch), so
    two workstations never read the same highest number."""
    site = site_code(session)  # two sites never issue the same batch (and message) number
    prefix = f"B{now:%Y%m%d}-" + (f"{site}-" if site else "")
    taken = session.execute(
        select(Batch.batch_no).where(Batch.batch_no.like(prefix + "%"))).scalars()
    n = max((int(t[len(prefix):]) for t in taken if t[len(prefix):].isdigit()), default=0) + 1
    return f"{prefix}{n:03d}"


def create_batch(session: Session, actor: Actor, *, ids: Sequence[int] | None = None,
                 status: str | None = None, limit: int | None = None,
                 transport: TransportData | None = None,
                 now: datetime | None = None, mixed_logistics: bool = False,
                 direction: str | None = None) -> BatchSummary:
    """A new batch of the given declarations (`ids`) or of up to `limit` `status` ones.

    The candidates are pre-checked again first and only those that pass now are batched
    (the others become `invalid` with their problems stored). Raises BatchBlockedError
    listing declarations that are not ready (or all fail the re-check), ValidationError
    when nothing is selected or import and export are mixed, MixedLogisticsError when the
    declarations belong to several logistics companies and `mixed_logistics` is not set.
    Without `ids`, `direction` ("I" import, "E" export) takes only that kind; when the ready
    ones are of both kinds and no direction is given, ValidationError asks for one.
    """
    require(actor, Permission.BATCH)
    transport = transport or TransportData()
    when = now or beijing_now()
    if ids:
        wanted = sorted(set(ids))
        # Locked: a workstation batching the same declarations at once waits, then sees
        # them queued ("already in a batch") instead of batching them twice.
        rows = session.execute(
            select(D.id, D.copNo, D.status, D.ieFlag).where(D.id.in_(wanted))
            .order_by(D.id).with_for_update()
        ).all()
        found = {r.id for r in rows}
        blocked = [BlockedDeclaration(i, None, "missing", Message(N_("No such declaration")))
                   for i in wanted if i not in found]
        blocked += [
            BlockedDeclaration(r.id, r.copNo, r.status, _why_not(r.status, r.id))
            for r in rows if r.status != S.READY
        ]
        ready_ids = [r.id for r in rows if r.status == S.READY]
        held: set[int] = set()
        for start in range(0, len(ready_ids), IN_CHUNK):
            held.update(session.scalars(_WEIGHT_HELD.where(
                ParcelWeighing.declaration_id.in_(ready_ids[start:start + IN_CHUNK]))))
        blocked += [BlockedDeclaration(r.id, r.copNo, r.status, Message(N_(
            "Held at the station: the measured weight is outside the tolerance; a "
            "supervisor must release it."))) for r in rows if r.id in held]
        if blocked:
            raise BatchBlockedError(blocked)
    else:
        if status not in (None, S.READY):
            raise ValidationError(N_("Only ready declarations can go into a batch."))
        q = (select(D.id, D.copNo, D.status, D.ieFlag)
             .where(D.status == S.READY, D.id.not_in(_WEIGHT_HELD)).order_by(D.id))
        if direction is not None:
            q = q.where(func.coalesce(D.ieFlag, "I") == direction)
        # On PostgreSQL, ready declarations another workstation is batching right now are
        # skipped (not waited for, not reported as blocked): each gets its own.
        rows = session.execute(q.limit(min(limit or MAX_BATCH, MAX_BATCH))
                               .with_for_update(skip_locked=True)).all()
    if not rows:
        raise ValidationError(N_("There are no ready declarations to put in a batch."))
    # After the row locks, before the re-check's audit events: the batch number is read
    # and written inside the audit turn (row locks, then the turn, as every save does).
    take_turns(session.connection(), AUDIT_TURN)
    flags = {r.ieFlag or "I" for r in rows}
    if len(flags) > 1 and not ids:
        raise ValidationError(N_(
            "The ready declarations are both import and export, which cannot share a batch: "
            "select one kind (on the command line: --direction import or export)."))
    if len(flags) > 1:
        raise ValidationError(
            N_("Import and export declarations cannot share a batch; select one kind."))
    ie_flag = flags.pop()
    check_transport(session, transport, ie_flag, when.date())
    if not mixed_logistics:
        shares = logistics_shares(session, [r.id for r in rows])
        if len(shares) > 1:
            raise MixedLogisticsError(shares)
    decl_ids = _passing_now(session, actor, [r.id for r in rows], when)
    if not decl_ids:  # every candidate failed the re-check: say why, as for non-ready ones
        raise BatchBlockedError([
            BlockedDeclaration(r.id, r.copNo, S.INVALID, _why_not(S.INVALID, r.id))
            for r in rows], stale=[r.id for r in rows])
    batch = Batch(batch_no=_next_batch_no(session, when), ie_flag=ie_flag, state=OPEN,
                  created_by=actor.name, **transport.batch_values())
    session.add(batch)
    session.flush()
    # The state machine moves ready → queued (and audits each declaration); then the batch
    # and its transport data are attached to exactly the declarations it moved.
    change_status(session, actor, decl_ids, Event(EventKind.BATCHED))
    _attach(session, decl_ids, batch.id, transport.head_values(ie_flag))
    record_events(session, actor, [
        AuditRecord("batch.create", "batch", str(batch.id),
                    details={"batch": batch.batch_no, "declarations": len(decl_ids)}),
    ])
    return get_batch(session, actor, batch.batch_no)


def check_transport(session: Session, transport: TransportData, ie_flag: str,
                    day: date) -> None:
    """Refuse transport data the pre-check would refuse on every declaration of the batch
    (a transport mode or port not in the code tables, an impossible date, a master bill too
    long): the same rules, run on the transport fields alone before anything is written — a
    typo in the batch dialog must not turn a whole batch of ready parcels invalid. Raises
    ValidationError naming the first field and why."""
    values = transport.head_values(ie_flag)
    if not values:
        return
    ctx = CheckContext(ref=reference_in_force(session, day), today=day)
    for problem in check_record({**values, "ieFlag": ie_flag, "items": []}, ctx).problems:
        if problem.field in values and problem.is_error and problem.code != RuleCode.REQUIRED:
            raise ValidationError(problem.message.msgid, **problem.message.params)


def store_recheck(session: Session, actor: Actor, error: BatchBlockedError) -> None:
    """Store the re-check that blocked a batch (see BatchBlockedError.stale); caller commits."""
    if error.stale:
        check_declarations(session, actor, list(error.stale), report=False)


def _passing_now(session: Session, actor: Actor, candidates: list[int],
                 when: datetime) -> list[int]:
    """The candidates that still pass the pre-check, re-run now.

    A stored `ready` may be stale: a field changed behind the pre-check's back (another
    program, a direct database edit) or reference data changed since. Re-checking stores the
    fresh problems and moves failing declarations to `invalid`, so they stay out of the
    batch and show up in the grid with the reason.
    """
    check_declarations(session, actor, candidates, today=when.date(), report=False)
    ready: list[int] = []
    for start in range(0, len(candidates), IN_CHUNK):
        part = candidates[start:start + IN_CHUNK]
        ready += session.execute(select(D.id).where(D.id.in_(part), D.status == S.READY)
                                 ).scalars()
    return sorted(ready)


def _why_not(status: str, decl_id: int) -> Message:
    reasons: dict[S, str] = {
        S.DRAFT: N_("Not checked yet: run the pre-check first."),
        S.INVALID: N_("The pre-check found errors: fix them first."),
        S.QUEUED: N_("Already in a batch."),
        S.REJECTED: N_("Rejected by customs: fix it and run the pre-check again."),
        S.CANCELLED: N_("Cancelled."),
    }
    return Message(reasons.get(S(status), N_("Already sent to customs.")))


def _attach(session: Session, decl_ids: Sequence[int], batch_id: int,
            head_values: dict[str, Any]) -> None:
    for i in range(0, len(decl_ids), 900):
        chunk = decl_ids[i:i + 900]
        result = session.execute(
            update(D).where(D.id.in_(chunk), D.status == S.QUEUED)
            .values(batch_id=batch_id, version=D.version + 1, **head_values)
            .execution_options(synchronize_session=False)
        )
        if result.rowcount != len(chunk):  # type: ignore[attr-defined]
            raise ConflictError(
                N_("Some declarations changed while the batch was being made; try again."))


def _load(session: Session, batch_ref: str | int, *, lock: bool = False) -> Batch:
    """The batch by id or number; `lock`ed (FOR UPDATE), a workstation submitting the same
    batch at once waits and then reads its new state instead of failing half-way."""
    q = select(Batch)
    if lock:
        q = q.with_for_update().execution_options(populate_existing=True)
    if isinstance(batch_ref, int) or str(batch_ref).isdigit():
        q = q.where((Batch.id == int(batch_ref)) | (Batch.batch_no == str(batch_ref)))
    else:
        q = q.where(Batch.batch_no == str(batch_ref))
    batch = session.execute(q).scalars().first()
    if batch is None:
        raise NotFoundError(N_("No batch {batch}."), batch=str(batch_ref))
    return batch


def load_batch(session: Session, batch_ref: str | int, *, lock: bool = False) -> Batch:
    """The batch by id or number (NotFoundError when there is none); `lock` as in submit."""
    return _load(session, batch_ref, lock=lock)


def _summary(session: Session, batch: Batch) -> BatchSummary:
    counts = session.execute(
        select(D.status, func.count()).where(D.batch_id == batch.id).group_by(D.status)
        .order_by(D.status)
    ).all()
    msgs = session.execute(
        select(OutboundMessage.state, func.count()).where(OutboundMessage.batch_id == batch.id)
        .group_by(OutboundMessage.state)
    ).all()
    msg_counts = {s: int(n) for s, n in msgs}
    return BatchSummary(
        id=batch.id, batch_no=batch.batch_no, ie_flag=batch.ie_flag, state=batch.state,
        declarations=sum(int(n) for _, n in counts), bill_no=batch.bill_no,
        traf_mode=batch.traf_mode, traf_no=batch.traf_no or batch.traf_name,
        voyage_no=batch.voyage_no, created_at=batch.created_at, created_by=batch.created_by,
        messages=sum(msg_counts.values()), pending_messages=msg_counts.get("pending", 0),
        status_counts=tuple((s, int(n)) for s, n in counts),
        bags=tuple(b.bag_no for b in bags_of_batch(session, batch.id)),
    )


def get_batch(session: Session, actor: Actor, batch_ref: str | int) -> BatchSummary:
    require(actor, Permission.VIEW)
    return _summary(session, _load(session, batch_ref))


def list_batches(session: Session, actor: Actor, *, limit: int = 200,
                 include_dissolved: bool = False) -> list[BatchSummary]:
    require(actor, Permission.VIEW)
    q = select(Batch).order_by(Batch.id.desc()).limit(limit)
    if not include_dissolved:
        q = q.where(Batch.state != DISSOLVED)
    return [_summary(session, b) for b in session.execute(q).scalars()]


def batch_declaration_ids(session: Session, batch_id: int) -> list[int]:
    return list(session.execute(
        select(D.id).where(D.batch_id == batch_id).order_by(D.id)).scalars())


def edit_batch(session: Session, actor: Actor, batch_ref: str | int,
               transport: TransportData) -> BatchSummary:
    """Change an unsent batch's transport data (applied again to its declarations)."""
    require(actor, Permission.BATCH)
    batch = _load(session, batch_ref)
    _require_open(batch)
    check_transport(session, transport, batch.ie_flag, beijing_today())
    for key, value in transport.batch_values().items():
        if value not in (None, ""):
            setattr(batch, key, value)
    values = transport.head_values(batch.ie_flag)
    if values:
        session.execute(update(D).where(D.batch_id == batch.id, D.status == S.QUEUED)
                        .values(version=D.version + 1, **values)
                        .execution_options(synchronize_session=False))
    record_events(session, actor, [AuditRecord("batch.edit", "batch", str(batch.id),
                                               details={"changes": values})])
    session.flush()
    return _summary(session, batch)


def dissolve_batch(session: Session, actor: Actor, batch_ref: str | int) -> int:
    """Release an unsent batch: its declarations return to `ready`. Returns how many."""
    require(actor, Permission.BATCH)
    batch = _load(session, batch_ref)
    _require_open(batch)
    ids = batch_declaration_ids(session, batch.id)
    change_status(session, actor, ids, Event(EventKind.BATCH_DISSOLVED))
    session.execute(update(D).where(D.batch_id == batch.id)
                    .values(batch_id=None, version=D.version + 1)
                    .execution_options(synchronize_session=False))
    batch.state = DISSOLVED
    record_events(session, actor, [
        AuditRecord("batch.dissolve", "batch", str(batch.id),
                    details={"batch": batch.batch_no, "declarations": len(ids)}),
    ])
    return len(ids)


def _require_open(batch: Batch) -> None:
    if batch.state != OPEN:
        raise ConflictError(
            N_("Batch {batch} has already been submitted and can no longer be changed."),
            batch=batch.batch_no)
