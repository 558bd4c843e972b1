"""Print labels, customs forms and manifests: pre-flight, reprint control, print log, audit.

A parcel whose label (or customs form) was printed before is only printed again with a
reason; every print is one PrintLog row per parcel, counted on the declaration, and one
audit event per run (plus one per reprinted parcel, carrying the reason).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from app.db.models import Batch, Declaration, PrintLog
from app.documents.cn23 import write_customs_forms
from app.documents.fonts import MissingGlyph, preflight
from app.documents.labels import write_labels
from app.documents.manifest import write_manifest
from app.documents.models import DocumentResult, LabelData
from app.documents.profiles import get_profile
from app.domain.errors import ConflictError, ValidationError
from app.domain.status import DeclarationStatus
from app.i18n import N_
from app.jobs.base import CancelToken
from app.security.audit import AuditRecord, record_event, record_events
from app.security.context import Actor, Permission, require
from app.services.print_sources import (
    CHUNK,
    load_context,
    manifest_header,
    resolve_ids,
    stream_labels,
    stream_manifest_rows,
)
from app.station.weighing import held_ids

LABEL = "label"
CUSTOMS = "cn22"
MANIFEST = "manifest"
Progress = Callable[[int, int, str], None]


class ReprintReasonRequired(ConflictError):
    """Some parcels were printed before: the clerk must confirm and give a reason."""

    def __init__(self, already: Sequence[int]) -> None:
        super().__init__(
            N_("{count} parcel(s) were already printed (ids {ids}); give a reason to print again"),
            count=len(already), ids=", ".join(str(i) for i in already[:10]),
        )
        self.already = tuple(already)


# A label is for a parcel that customs has taken in: these statuses are asked about first.
HELD_STATUSES: tuple[str, ...] = (
    DeclarationStatus.REJECTED, DeclarationStatus.CANCELLED, DeclarationStatus.DRAFT,
    DeclarationStatus.INVALID, DeclarationStatus.READY, DeclarationStatus.QUEUED,
    DeclarationStatus.SENT,
)


class HeldParcelsError(ConflictError):
    """Labels were asked for rejected, cancelled or not yet accepted parcels."""

    def __init__(self, held: dict[str, tuple[int, ...]]) -> None:
        listed = "; ".join(f"{status}: {', '.join(str(i) for i in ids[:10])}"
                           + (" …" if len(ids) > 10 else "") for status, ids in held.items())
        super().__init__(
            N_("{count} parcel(s) are rejected, cancelled or not yet accepted by customs "
               "({listed}); print them anyway with --force"),
            count=sum(len(ids) for ids in held.values()), listed=listed,
        )
        self.held = held


class WeightHeldError(ConflictError):
    """Labels were asked for parcels the station holds for their measured weight; only a
    supervisor's release lets them go on (--force does not)."""

    def __init__(self, ids: Sequence[int]) -> None:
        super().__init__(
            N_("{count} parcel(s) are held for their measured weight (ids {ids}); a "
               "supervisor must release them first (cleardesk station release ID)"),
            count=len(ids), ids=", ".join(str(i) for i in ids[:10]))
        self.ids = tuple(ids)


@dataclass(frozen=True)
class Selection:
    """What to print: explicit ids in selection/scan order, or a whole batch."""

    ids: tuple[int, ...] = ()
    batch_no: str | None = None


@dataclass(frozen=True)
class PrintCheck:
    """The pre-flight: how many, which were printed before, which characters won't print."""

    document: str
    ids: tuple[int, ...]
    already_printed: tuple[int, ...]
    missing_glyphs: tuple[MissingGlyph, ...]
    held: dict[str, tuple[int, ...]] = field(default_factory=dict)  # status → ids (labels)
    unknown_destinations: tuple[int, ...] = ()  # addresses that could not be read


@dataclass(frozen=True)
class PrintOutcome:
    file: str
    pages: int
    records: int
    reprinted: int
    missing_glyphs: tuple[MissingGlyph, ...]
    unknown_destinations: tuple[int, ...] = ()  # labels saying "address not recognised"

    def as_json(self, count_key: str = "labels") -> dict[str, object]:
        return {
            "unknown_destinations": list(self.unknown_destinations),
            "file": self.file,
            "pages": self.pages,
            count_key: self.records,
            "reprinted": self.reprinted,
            "missing_glyphs": [{"id": m.record_id, "char": m.char} for m in self.missing_glyphs],
        }


def already_printed(session: Session, ids: Sequence[int], document: str) -> list[int]:
    """Those of `ids` with a PrintLog entry for `document`, in the order of `ids`."""
    printed: set[int] = set()
    for start in range(0, len(ids), CHUNK):
        chunk = list(ids[start : start + CHUNK])
        printed.update(
            i for i in session.scalars(
                select(PrintLog.declaration_id).distinct()
                .where(PrintLog.document == document, PrintLog.declaration_id.in_(chunk))
            ) if i is not None
        )
    return [i for i in ids if i in printed]


def check_print(session: Session, actor: Actor, selection: Selection, document: str = LABEL
                ) -> PrintCheck:
    """Pre-flight before printing labels or customs forms; nothing is written."""
    require(actor, Permission.PRINT)
    ids = resolve_ids(session, selection.ids, selection.batch_no)
    ctx = load_context(session)
    unknown: list[int] = []

    def texts(label: LabelData) -> tuple[str, Iterator[tuple[str, str]]]:
        if not label.destination_known:
            unknown.append(int(label.record_id))
        return label.record_id, label.texts()

    missing = preflight(texts(label) for label in stream_labels(session, ids, ctx))
    held = held_parcels(session, ids) if document == LABEL else {}
    return PrintCheck(document, tuple(ids), tuple(already_printed(session, ids, document)),
                      tuple(missing), held, tuple(unknown) if document == LABEL else ())


def held_parcels(session: Session, ids: Sequence[int]) -> dict[str, tuple[int, ...]]:
    """Those of `ids` in a HELD_STATUSES status, by status (in HELD_STATUSES order)."""
    found: dict[str, list[int]] = {}
    for start in range(0, len(ids), CHUNK):
        chunk = list(ids[start : start + CHUNK])
        for decl_id, status in session.execute(
            select(Declaration.id, Declaration.status)
            .where(Declaration.id.in_(chunk), Declaration.status.in_(HELD_STATUSES))
        ):
            found.setdefault(status, []).append(decl_id)
    order = {decl_id: n for n, decl_id in enumerate(ids)}
    return {status: tuple(sorted(found[status], key=order.__getitem__))
            for status in HELD_STATUSES if status in found}


def print_labels(
    session: Session, actor: Actor, selection: Selection, target: str | Path, *,
    profile: str | None = None, reprint_reason: str | None = None,
    custom_profiles: dict[str, dict[str, str]] | None = None,
    progress: Progress | None = None, cancel: CancelToken | None = None,
    today: dt.date | None = None, invariant: bool = False, force: bool = False,
) -> PrintOutcome:
    """Write one label per parcel in order; log the print. The caller commits.

    Raises HeldParcelsError when a parcel is rejected, cancelled or not yet accepted and
    `force` is not set; ReprintReasonRequired when a parcel was printed before and no reason
    is given.
    """
    require(actor, Permission.PRINT)
    ids = resolve_ids(session, selection.ids, selection.batch_no)
    weight_held = held_ids(session, ids)
    if weight_held:
        raise WeightHeldError(weight_held)
    if not force:
        held = held_parcels(session, ids)
        if held:
            raise HeldParcelsError(held)
    return _print_parcels(session, actor, selection, target, LABEL, profile, reprint_reason,
                          custom_profiles, progress, cancel, today, invariant)


def print_customs_forms(
    session: Session, actor: Actor, selection: Selection, target: str | Path, *,
    reprint_reason: str | None = None, progress: Progress | None = None,
    cancel: CancelToken | None = None, today: dt.date | None = None,
) -> PrintOutcome:
    """CN22 (≤ 300 SDR) / CN23 forms for the postal (S10) parcels of the selection."""
    require(actor, Permission.PRINT)
    return _print_parcels(session, actor, selection, target, CUSTOMS, None, reprint_reason,
                          None, progress, cancel, today, False)


def _print_parcels(
    session: Session, actor: Actor, selection: Selection, target: str | Path, document: str,
    profile: str | None, reprint_reason: str | None,
    custom_profiles: dict[str, dict[str, str]] | None, progress: Progress | None,
    cancel: CancelToken | None, today: dt.date | None, invariant: bool,
) -> PrintOutcome:
    ids = resolve_ids(session, selection.ids, selection.batch_no)
    if not ids:
        raise ValidationError("Nothing to print")
    reprints = already_printed(session, ids, document)
    reason = (reprint_reason or "").strip()
    if reprints and not reason:
        raise ReprintReasonRequired(reprints)
    ctx = load_context(session, today)
    step = _step(progress, cancel, len(ids), document)
    unknown: list[int] = []
    labels = _noting_unknown(stream_labels(session, ids, ctx), unknown)
    result: DocumentResult
    if document == LABEL:
        printer = get_profile(profile or ctx.profile, custom_profiles)
        result = write_labels(labels, target, printer, ctx.sdr_rate, invariant, step)
    else:
        result = write_customs_forms(labels, target, ctx.sdr_rate, invariant, step)
        if result.records == 0:
            Path(target).unlink(missing_ok=True)
            raise ValidationError("None of the parcels is a postal item (S10 waybill number)")
    _log(session, actor, document, ids, reprints, reason, selection, result)
    return PrintOutcome(result.file, result.pages, result.records, len(reprints),
                        result.missing_glyphs,
                        tuple(unknown) if document == LABEL else ())


def _noting_unknown(labels: Iterator[LabelData], unknown: list[int]) -> Iterator[LabelData]:
    for label in labels:
        if not label.destination_known:
            unknown.append(int(label.record_id))
        yield label


def print_manifest(
    session: Session, actor: Actor, batch_no: str, target: str | Path, *, lang: str = "zh_CN",
    progress: Progress | None = None, cancel: CancelToken | None = None,
    today: dt.date | None = None,
) -> PrintOutcome:
    """The batch manifest, rows streamed from the database; logged, reprints flagged."""
    require(actor, Permission.PRINT)
    ctx = load_context(session, today)
    header = manifest_header(session, batch_no, ctx)
    ids = resolve_ids(session, batch_no=batch_no)
    step = _step(progress, cancel, len(ids), MANIFEST)
    result = write_manifest(header, stream_manifest_rows(session, ids), target, lang,
                            progress=step)
    batch_id = session.scalar(select(Batch.id).where(Batch.batch_no == batch_no))
    before = session.scalar(
        select(PrintLog.id).where(PrintLog.batch_id == batch_id, PrintLog.document == MANIFEST)
        .limit(1)
    )
    session.execute(insert(PrintLog).values(
        declaration_id=None, batch_id=batch_id, document=MANIFEST, reprint=before is not None,
        user_name=actor.name,
    ))
    record_event(session, actor, "print.manifest", entity="batch", entity_id=batch_no,
                 details={"file": result.file, "pages": result.pages, "rows": result.records})
    return PrintOutcome(result.file, result.pages, result.records, int(before is not None),
                        result.missing_glyphs)


def _step(progress: Progress | None, cancel: CancelToken | None, total: int, document: str
          ) -> Callable[[int], None]:
    def step(done: int) -> None:
        if cancel is not None:
            cancel.raise_if_cancelled()
        if progress is not None and (done % 50 == 0 or done == total):
            progress(done, total, document)

    return step


def _log(session: Session, actor: Actor, document: str, ids: Sequence[int],
         reprints: Sequence[int], reason: str, selection: Selection,
         result: DocumentResult) -> None:
    reprinted = set(reprints)
    printed = list(_printed_ids(document, ids, result))
    for start in range(0, len(printed), CHUNK):
        chunk = printed[start : start + CHUNK]
        session.execute(insert(PrintLog), [
            {"declaration_id": i, "document": document, "reprint": i in reprinted,
             "reason": reason if i in reprinted else None, "user_name": actor.name}
            for i in chunk
        ])
        session.execute(
            update(Declaration).where(Declaration.id.in_(chunk))
            .values(printed_count=Declaration.printed_count + 1)
            .execution_options(synchronize_session=False)
        )
    record_event(session, actor, f"print.{document}", entity="print",
                 entity_id=selection.batch_no,
                 details={"file": result.file, "pages": result.pages,
                          "count": result.records, "reprinted": len(reprints)})
    record_events(session, actor, [
        AuditRecord("print.reprint", "declaration", str(i), i, {"document": document}, reason)
        for i in reprints
    ])


def _printed_ids(document: str, ids: Sequence[int], result: DocumentResult) -> Sequence[int]:
    if document == LABEL:
        return ids
    # Customs forms skip non-postal parcels: log only those that got a form.
    return [int(i) for i in result.record_ids]
