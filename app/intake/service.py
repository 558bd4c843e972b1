"""The import job: one file → declarations in one transaction, with row errors recorded.

`import_file` runs inside the caller's transaction (the caller commits; a crash, kill or
Cancel leaves the database as it was). The declaration writes happen in a SAVEPOINT so that
`all_or_nothing` can drop them while still recording the refused job and its row errors.
"""

from __future__ import annotations

import hashlib
import itertools
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session

from app.db.engine import take_turns
from app.db.models import ImportJob
from app.db.types import utcnow
from app.domain.fields import HEAD_BY_NAME
from app.i18n import N_, Message
from app.intake.codes import CodeLookup, reference_lookup
from app.intake.grouping import OrderGroup
from app.intake.legal_qty import METHODS, MODEL_SIZE, NET_WEIGHT, SAME_UNIT
from app.intake.limits import DEFAULT_LIMITS, ReadLimits
from app.intake.mapping import MappingSpec
from app.intake.pipeline import OrderStream, open_orders
from app.intake.profile_store import get_profile, save_profile
from app.intake.readers import file_kind
from app.intake.rowerrors import RowError
from app.intake.writer import DeclarationWriter
from app.jobs.base import CancelToken, Progress, cyclic_gc_paused, no_progress
from app.precheck.built import BuiltDeclarations
from app.reference.store import reference_from_db
from app.reference.tables import shipped_reference_tables
from app.security.audit import record_event
from app.security.context import Actor, Permission, require
from app.services.settings import all_settings

if TYPE_CHECKING:
    from app.precheck.service import CheckSummary

CHUNK = 5000
IMPORT_TURN = "declaration_import"  # see take_turns
MSG_WEIGHTS_SUMMED = N_("Weights: the gross and net weights of each order's lines were added "
                        "up ({n} orders with several lines).")
MSG_CATALOGUE_FILLED = N_("Goods catalogue: {n} goods line(s) filled (HS code, units, legal "
                          "quantities or country the file did not give).")
MSG_WEIGHTS_AGREE = N_("Weights: taken as each order's weight (the lines of one order must "
                       "agree).")
MSG_DEFAULT_USED = N_("{label} ({field}) not in file: {value} used for {n} declarations.")
MSG_DERIVED = N_("Legal quantities derived: {total} ({same} same unit, {net} net weight, "
                 "{size} model size).")

# Called with the ids of the declarations created or updated, inside the import's
# transaction. The pre-check (issue 5) plugs in here; see `run_after_import`.
AfterImport = Callable[[Session, Actor, Sequence[int]], None]


@dataclass(frozen=True)
class ImportRequest:
    path: Path
    mapping: MappingSpec | None = None
    profile: str | None = None
    save_profile: str | None = None
    all_or_nothing: bool = False
    sheet: str | int | None = None
    # "I" or "E": import or export declarations, overriding the mapping's (None: the mapping's)
    direction: str | None = None
    limits: ReadLimits = DEFAULT_LIMITS
    window: int = 10_000  # rows kept open for grouping (see grouping.py)
    precheck: bool = True  # pre-check the imported declarations in the same transaction


@dataclass(frozen=True)
class ImportSummary:
    """What happened to one file (frozen: handed to the CLI and the GUI)."""

    file: str
    job_id: int
    rows: int
    declarations: int
    items: int
    updated: int
    duplicates: int
    rejected_rows: int
    errors: tuple[RowError, ...]
    refused: bool = False
    headers: tuple[str, ...] = ()
    rejected: tuple[tuple[int, tuple[Any, ...]], ...] = ()
    declaration_ids: tuple[int, ...] = field(default=(), repr=False)
    line_weights: str = "agree"  # how weights on the lines of one order were read
    summed_orders: int = 0  # orders whose lines' weights were added up ("sum")
    more_errors: int = 0  # problems beyond the first `ReadLimits.max_errors`, not kept
    # Head fields the file has no column for, filled with the office default: (field, value)
    # in every declaration written (see app.intake.rows.ABSENT_COLUMN_DEFAULTS).
    defaults_used: tuple[tuple[str, str], ...] = ()
    # Legal quantities the pre-check filled, by method (app.intake.legal_qty.METHODS).
    derived: Mapping[str, int] = field(default_factory=dict)

    @property
    def written(self) -> int:
        """Declarations created or updated."""
        return self.declarations + self.updated
    catalogue_filled: int = 0  # goods lines that got values from the goods catalogue

    @property
    def nothing_imported(self) -> bool:
        """No row made it in: every row rejected, the file refused, or no rows at all."""
        return self.refused or self.rows == 0 or self.rejected_rows >= self.rows

    def weights_note(self) -> Message:
        """What was done with the weights on the lines of an order, for the summary."""
        if self.line_weights == "sum":
            return Message(MSG_WEIGHTS_SUMMED, {"n": self.summed_orders})
        return Message(MSG_WEIGHTS_AGREE)

    def notes(self) -> list[Message]:
        """What the import filled in by itself: defaults for absent columns, legal
        quantities derived (for the summary, after the weights note)."""
        out = [Message(MSG_DEFAULT_USED, {"label": Message(HEAD_BY_NAME[name].label_en),
                                          "field": name, "value": value, "n": self.written})
               for name, value in self.defaults_used if self.written]
        if self.derived:
            out.append(Message(MSG_DERIVED, {
                "total": sum(self.derived.values()), "same": self.derived.get(SAME_UNIT, 0),
                "net": self.derived.get(NET_WEIGHT, 0),
                "size": self.derived.get(MODEL_SIZE, 0)}))
        return out
    def catalogue_note(self) -> Message:
        """How many goods lines the goods catalogue filled, for the summary."""
        return Message(MSG_CATALOGUE_FILLED, {"n": self.catalogue_filled})

    def to_json(self, lang: str) -> dict[str, Any]:
        data = {"file": self.file, "rows": self.rows, "declarations": self.declarations,
                "items": self.items, "updated": self.updated, "duplicates": self.duplicates,
                "rejected_rows": self.rejected_rows, "line_weights": self.line_weights,
                "summed_orders": self.summed_orders,
                "errors": [e.to_json(lang) for e in self.errors],
                "defaults_used": [{"field": name, "value": value, "declarations": self.written}
                                  for name, value in self.defaults_used],
                "legal_quantities_derived": {"total": sum(self.derived.values()),
                                             **{m: self.derived.get(m, 0) for m in METHODS}}}
        if self.more_errors:
            data["more_errors"] = self.more_errors
        if self.catalogue_filled:
            data["catalogue_filled"] = self.catalogue_filled
        return data


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _chunked(groups: Iterable[OrderGroup], size: int) -> Iterator[list[OrderGroup]]:
    it = iter(groups)
    while chunk := list(itertools.islice(it, size)):
        yield chunk


def db_lookup(session: Session) -> CodeLookup:
    """Code lookup over the database's reference tables (the shipped ones if none loaded)."""
    tables = reference_from_db(session)
    if not tables.tables:
        tables = shipped_reference_tables()
    return reference_lookup(tables)


def import_file(session: Session, actor: Actor, request: ImportRequest, *,
                lookup: CodeLookup | None = None, progress: Progress = no_progress,
                cancel: CancelToken | None = None,
                after_import: AfterImport | None = None) -> ImportSummary:
    """Import one order file. Raises UserFacingError when the file cannot be read at all and
    Cancelled when `cancel` is set (the caller's rollback then undoes everything)."""
    require(actor, Permission.IMPORT)
    # Imports write one at a time, as on SQLite (one writer): an import must see the orders
    # and waybills another workstation's import just committed, or both would create them.
    # Taken first, before any row or the audit turn, so it cannot close a cycle of waits.
    take_turns(session.connection(), IMPORT_TURN)
    cancel = cancel or CancelToken()
    path = request.path
    file_kind(path, request.limits)  # clear errors for missing / unsupported files first
    spec = request.mapping
    if spec is None and request.profile:
        spec = get_profile(session, request.profile)
    if request.direction is not None:
        spec = replace(spec or MappingSpec(), direction=request.direction)
    settings = all_settings(session)
    lookup = lookup or db_lookup(session)

    def open_stream(held: Mapping[str, int]) -> OrderStream:
        return open_orders(path, spec, lookup=lookup, settings=settings, limits=request.limits,
                           sheet=request.sheet, window=request.window, held=held)

    stream = open_stream({})
    job = ImportJob(file_name=path.name[:255], sha256=sha256_file(path),
                    file_format=stream.table.kind[:10], user_name=actor.name,
                    profile_name=request.save_profile or request.profile, status="running")
    session.add(job)
    session.flush()
    if request.save_profile:
        save_profile(session, actor, request.save_profile,
                     _profile_spec(stream, spec), stream.table.headers)
    # Orders whose rows lie far apart in the file are written part by part. When a later
    # part is rejected after an earlier one was written, the whole pass is undone and the
    # file read again, this time keeping those orders whole until their last row, so the
    # order is rejected as a whole (all its rows), like an order whose rows are together.
    held: dict[str, int] = {}
    # The pre-check takes the new declarations from memory, as written (not read back).
    from_memory = request.precheck and after_import is None and actor.can(Permission.CHECK)
    while True:
        built = BuiltDeclarations() if from_memory else None
        writer = DeclarationWriter(session, actor, job.id, stream, built)
        nested = session.begin_nested()
        try:
            rejected = _write_stream(stream, writer, progress, cancel)
            cancel.raise_if_cancelled()
            again = {k: r for k, r in writer.split_rejected.items() if k not in held}
            refused = request.all_or_nothing and stream.counts.rejected_rows > 0
            if again or refused:
                nested.rollback()
            else:
                nested.commit()
        except BaseException:
            if nested.is_active:
                nested.rollback()
            raise
        if not again:
            break
        held.update(again)
        stream = open_stream(held)
    counts = stream.counts
    ids = () if refused else tuple(writer.created_ids + writer.updated_ids)
    summary = ImportSummary(
        file=path.name, job_id=job.id, rows=counts.rows,
        declarations=0 if refused else len(writer.created_ids),
        items=0 if refused else writer.items,
        updated=0 if refused else len(writer.updated_ids),
        duplicates=0 if refused else writer.duplicates,
        rejected_rows=counts.rejected_rows, errors=tuple(stream.errors), refused=refused,
        headers=stream.table.headers, rejected=tuple(rejected), declaration_ids=ids,
        line_weights="sum" if stream.sum_weights else "agree",
        summed_orders=0 if refused else stream.summed_orders,
        more_errors=stream.more_errors,
        defaults_used=tuple((name, format(value) if isinstance(value, Decimal) else str(value))
                            for name, value in stream.normaliser.absent_defaults.items()),
        catalogue_filled=0 if refused else writer.catalogue_filled)
    _finish_job(session, actor, job, summary)
    if ids and request.precheck:
        checked = run_after_import(session, actor, ids, after_import, progress, cancel,
                                   built=built)
        if checked is not None and checked.derived:
            summary = replace(summary, derived=dict(checked.derived))
    return summary


def _write_stream(stream: OrderStream, writer: DeclarationWriter, progress: Progress,
                  cancel: CancelToken) -> list[tuple[int, tuple[Any, ...]]]:
    """Write every group of `stream`; returns the rejected rows (number, cells as read)."""
    rejected: list[tuple[int, tuple[Any, ...]]] = []
    with cyclic_gc_paused():
        for chunk in _chunked(stream.groups(), CHUNK):
            cancel.raise_if_cancelled()
            writer.write(chunk)
            for g in chunk:
                if g.rejected:
                    rejected.extend((n, tuple(raw)) for n, raw in g.raw_rows)
                g.raw_rows = []
            pos = stream.table.position
            # No message: the GUI's dialog shows its own translated title.
            progress(pos.done, pos.total, "")
    return rejected


def run_after_import(session: Session, actor: Actor, ids: Sequence[int],
                     hook: AfterImport | None, progress: Progress = no_progress,
                     cancel: CancelToken | None = None, *,
                     built: BuiltDeclarations | None = None) -> CheckSummary | None:
    """The single call site for work on freshly imported declarations: the pre-check
    (issue 5), unless a test or caller passes its own hook. `built` holds the rows of the
    declarations the import created, checked from memory. Returns the pre-check's summary
    (None when a hook ran instead or the actor may not check)."""
    if hook is not None:
        hook(session, actor, ids)
        return None
    if not actor.can(Permission.CHECK):
        return None  # the declarations stay drafts until someone allowed to check runs it
    from app.precheck.service import check_built, check_declarations

    if built is None:
        return check_declarations(session, actor, ids, progress=progress, cancel=cancel,
                                  report=False)
    try:
        return check_built(session, actor, ids, built, progress=progress, cancel=cancel,
                           report=False)
    finally:
        built.clear()


def _profile_spec(stream: OrderStream, spec: MappingSpec | None) -> MappingSpec:
    base = spec or MappingSpec()
    return MappingSpec(columns=stream.plan.mapped(), sheet=base.sheet,
                       header_row=base.header_row, encoding=base.encoding,
                       defaults=base.defaults, units=base.units,
                       line_weights=base.line_weights, direction=base.direction)


def _finish_job(session: Session, actor: Actor, job: ImportJob, s: ImportSummary) -> None:
    from app.intake.store import record_row_errors

    job.status = "refused" if s.refused else "done"
    job.rows, job.declarations, job.items = s.rows, s.declarations, s.items
    job.updated, job.duplicates, job.rejected_rows = s.updated, s.duplicates, s.rejected_rows
    job.finished_at = utcnow()
    record_row_errors(session, job.id, s.errors)
    record_event(session, actor, "import.file", entity="import_job", entity_id=job.id,
                 details={"file": s.file, "sha256": job.sha256, "rows": s.rows,
                          "declarations": s.declarations, "items": s.items,
                          "updated": s.updated, "duplicates": s.duplicates,
                          "rejected_rows": s.rejected_rows, "refused": s.refused})
    session.flush()
