"""Export parcels scanned in at the supervised site: the arrival report (CEB507) from the scans.

At the site the clerk picks the export batch whose waybills were sent and scans its parcels as
they come off the truck. Each scan is recorded (who, when, where) for that batch; a parcel of
another batch, an import parcel or an unknown number is refused with the reason and nothing is
recorded. When every parcel still waiting for its arrival report has been scanned, the arrival
report (CEB507, app.submission.export_flow) is recorded at once, pending for the outbox; or
the clerk confirms the parcels scanned so far (`confirm_arrival`) and the rest follow in a
later report. A report that cannot be made yet (the site operator not set, say) leaves the
scan recorded and says why.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from app.db.models import Batch, Declaration, SiteArrival
from app.domain.errors import ConflictError, UserFacingError
from app.domain.export_stage import ExportStage, rank
from app.domain.status import DeclarationStatus
from app.i18n import N_, Message
from app.security.audit import record_event
from app.security.context import Actor, Permission, require
from app.services.scanning import normalise_code
from app.submission import batches as B
from app.submission import export_flow as F

D = Declaration
ARRIVED, AGAIN, OTHER_BATCH, NOT_EXPORT, NOT_READY, UNKNOWN = (
    "arrived", "again", "other_batch", "not_export", "not_ready", "unknown")


@dataclass(frozen=True)
class ArrivalProgress:
    """Where the scanning of a batch stands: parcels still waiting for their arrival report,
    how many of them were scanned, and the ones not scanned yet (copNo, waybill)."""

    batch: str
    expected: int
    scanned: int
    unscanned: tuple[tuple[str, str], ...]

    @property
    def complete(self) -> bool:
        return self.expected > 0 and self.scanned == self.expected

    def as_dict(self) -> dict[str, Any]:
        return {"batch": self.batch, "expected": self.expected, "scanned": self.scanned,
                "unscanned": [{"copNo": c, "logisticsNo": n} for c, n in self.unscanned]}


@dataclass(frozen=True)
class ArrivalScan:
    code: str
    outcome: str  # ARRIVED, AGAIN, OTHER_BATCH, NOT_EXPORT, NOT_READY, UNKNOWN
    message: Message
    progress: ArrivalProgress
    cop_no: str = ""
    report: F.StepResult | None = None  # the arrival report recorded by this scan
    report_error: Message | None = None  # why it could not be recorded yet

    def as_dict(self, lang: str) -> dict[str, Any]:
        return {"code": self.code, "outcome": self.outcome, "copNo": self.cop_no,
                "message": self.message.text(lang), "progress": self.progress.as_dict(),
                "report": self.report.as_dict() if self.report else None,
                "report_error": self.report_error.text(lang) if self.report_error else None}


def arrival_batches(session: Session, actor: Actor) -> list[str]:
    """Submitted export batches with parcels whose waybills were sent and that have not
    arrived yet (newest first): the batches the site may scan in."""
    require(actor, Permission.VIEW)
    q = (select(Batch.batch_no).join(D, D.batch_id == Batch.id)
         .where(Batch.ie_flag == "E", Batch.state.not_in((B.OPEN, B.DISSOLVED)),
                D.export_stage == ExportStage.WAYBILL_SENT.value,
                D.status.not_in(sorted(F.INACTIVE)))
         .group_by(Batch.id, Batch.batch_no).order_by(Batch.id.desc()))
    return [str(b) for b in session.execute(q).scalars()]


def arrival_progress(session: Session, actor: Actor, batch_ref: str | int) -> ArrivalProgress:
    """The scanning of `batch_ref` so far (read only)."""
    require(actor, Permission.VIEW)
    batch = B.load_batch(session, batch_ref)
    return _progress(session, batch)


def _waiting(session: Session, batch: Batch) -> list[tuple[int, str, str]]:
    """(id, copNo, waybill) of the batch's parcels still waiting for an arrival report."""
    covered = F.covered_parcels(session, batch.id, F.ARRIVAL)
    q = (select(D.id, D.copNo, D.logisticsNo, D.status, D.export_stage)
         .where(D.batch_id == batch.id).order_by(D.id))
    return [(int(i), c or "", n or "") for i, c, n, status, stage in session.execute(q)
            if status not in F.INACTIVE and i not in covered
            and rank(stage) < rank(ExportStage.ARRIVED.value)]


def scanned_waiting(session: Session, batch_ref: str | int) -> set[int]:
    """The parcels of the batch scanned in at the site and still waiting for their arrival
    report (what `confirm_arrival` reports)."""
    batch = B.load_batch(session, batch_ref)
    return _scanned(session, batch.id) & {i for i, _c, _n in _waiting(session, batch)}


def _scanned(session: Session, batch_id: int) -> set[int]:
    return {int(i) for i in session.execute(select(SiteArrival.declaration_id)
                                            .where(SiteArrival.batch_id == batch_id)).scalars()}


def _progress(session: Session, batch: Batch) -> ArrivalProgress:
    waiting = _waiting(session, batch)
    scanned = _scanned(session, batch.id)
    return ArrivalProgress(batch.batch_no, len(waiting),
                           sum(1 for i, _c, _n in waiting if i in scanned),
                           tuple((c, n) for i, c, n in waiting if i not in scanned))


def scan_parcel(session: Session, actor: Actor, batch_ref: str | int, raw_code: str,
                settings: Mapping[str, Any], *, station: str = "",
                now: datetime | None = None) -> ArrivalScan:
    """Record one parcel of `batch_ref` scanned in at the site (its waybill, copNo or order
    number); when it was the last one waiting, record the arrival report too.

    Raises PermissionDeniedError, NotFoundError (no such batch) or ConflictError (an import
    batch, one not submitted yet). A wrong parcel is an outcome, not an error.
    """
    require(actor, Permission.SUBMIT)
    batch = F._export_batch(session, batch_ref, need_submitted=True)
    code = normalise_code(raw_code)
    row = session.execute(
        select(D.id, D.batch_id, D.ieFlag, D.status, D.export_stage, D.copNo)
        .where(or_(D.logisticsNo == code, D.copNo == code, D.orderNo == code))
        .order_by(D.id.desc()).limit(1)).first()

    def result(outcome: str, message: Message, cop_no: str = "") -> ArrivalScan:
        return ArrivalScan(code, outcome, message, _progress(session, batch), cop_no)

    if row is None:
        return result(UNKNOWN, Message(N_("No parcel has the number {code}."), {"code": code}))
    decl_id, batch_id, ie_flag, status, stage, cop_no = row
    cop_no = cop_no or code
    if ie_flag != "E":
        return result(NOT_EXPORT, Message(
            N_("{code} is an import parcel, not an export parcel of batch {batch}: put it "
               "aside."), {"code": code, "batch": batch.batch_no}), cop_no)
    if batch_id != batch.id:
        other = session.get(Batch, batch_id) if batch_id is not None else None
        return result(OTHER_BATCH, Message(
            N_("{code} belongs to batch {other}, not to batch {batch}: put it aside."),
            {"code": code, "batch": batch.batch_no,
             "other": other.batch_no if other is not None else Message(N_("no batch"))}),
            cop_no)
    if status in F.INACTIVE or rank(stage) < rank(ExportStage.WAYBILL_SENT.value):
        return result(NOT_READY, Message(
            N_("{code} cannot arrive: its waybill has not been sent or the parcel was "
               "withdrawn ({status})."),
            {"code": code, "status": Message(DeclarationStatus(status).label)}), cop_no)
    if int(decl_id) in _scanned(session, batch.id) or rank(stage) >= rank(
            ExportStage.ARRIVED.value):
        return result(AGAIN, Message(N_("{code} was scanned in already."), {"code": code}),
                      cop_no)
    session.add(SiteArrival(declaration_id=int(decl_id), batch_id=batch.id,
                            scanned_by=actor.name, station=station[:60] or None))
    session.flush()
    record_event(session, actor, "export.site_arrival", entity="declaration",
                 entity_id=str(decl_id), declaration_id=int(decl_id),
                 details={"batch": batch.batch_no, "copNo": cop_no, "logisticsNo": code})
    progress = _progress(session, batch)
    scan = ArrivalScan(code, ARRIVED, Message(N_("{code} arrived at the site ({scanned} of "
                                                 "{expected})."),
                                              {"code": code, "scanned": progress.scanned,
                                               "expected": progress.expected}),
                       progress, cop_no)
    if not progress.complete:
        return scan
    try:
        with session.begin_nested():
            report = F.report_arrival(session, actor, batch.id, settings, now=now)
    except UserFacingError as exc:
        return ArrivalScan(code, ARRIVED, scan.message, progress, cop_no,
                           report_error=exc.message)
    return ArrivalScan(code, ARRIVED, scan.message, _progress(session, batch), cop_no, report)


def confirm_arrival(session: Session, actor: Actor, batch_ref: str | int,
                    settings: Mapping[str, Any], **options: Any) -> F.StepResult:
    """Record the arrival report (CEB507) of the parcels of `batch_ref` scanned in so far;
    the parcels not scanned stay waiting for a later report. `options`: those of
    export_flow.report_arrival (site operator, truck, now).

    Raises ConflictError when no parcel waiting for its report has been scanned, and what
    export_flow.report_arrival raises.
    """
    require(actor, Permission.SUBMIT)
    batch = F._export_batch(session, batch_ref, need_submitted=True)
    scanned = scanned_waiting(session, batch.id)
    if not scanned:
        raise ConflictError(N_("No parcel of batch {batch} waiting for its arrival report has "
                               "been scanned in yet."), batch=batch.batch_no)
    return F.report_arrival(session, actor, batch.id, settings, only=scanned, **options)
