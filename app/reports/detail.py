"""Detail export of declarations: streamed XLSX (openpyxl write-only) or CSV (UTF-8 + BOM).

Rows come from SQL in chunks and go straight to the file, so memory stays flat whatever the
row count. Past Excel's row limit the XLSX continues on a new sheet. Personal data is masked
unless the actor may unmask, and every text cell is neutralised against formula injection.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.db.models import Batch, Declaration
from app.domain.status import DeclarationStatus
from app.i18n import N_, translate
from app.jobs.base import CancelToken, Progress, no_progress
from app.reports import cells
from app.reports.atomic import atomic_path, check_target
from app.reports.columns import DETAIL_COLUMNS, ExportColumn
from app.reports.pii import export_masking, masker
from app.security.audit import record_event
from app.security.context import Actor, Permission, require
from app.security.masking import PiiKind
from app.services.queries import DeclarationFilter

EXCEL_MAX_ROWS = 1_048_576
CHUNK = 2_000
HEADER_FONT = Font(bold=True, color="FFFFFF")
HEADER_FILL = PatternFill("solid", fgColor="305496")


@dataclass(frozen=True)
class SheetCount:
    name: str
    rows: int


@dataclass(frozen=True)
class ExportResult:
    path: Path
    format: str  # "xlsx" | "csv"
    rows: int
    sheets: tuple[SheetCount, ...]


def _converters(masked: frozenset[PiiKind], columns: Sequence[ExportColumn], lang: str
                ) -> list[tuple[int, Callable[[Any], Any]]]:
    """(column index, converter) for every column whose SQL value needs changing."""
    out: list[tuple[int, Callable[[Any], Any]]] = []
    labels = {s.value: translate(s.label, lang) for s in DeclarationStatus}
    for i, col in enumerate(columns):
        m = masker(col.key, masked)
        if m is not None:
            out.append((i, m))
        elif col.kind == "status":
            out.append((i, lambda v: labels.get(v, v)))
        elif col.kind == "code":
            out.append((i, cells.code_value))
        elif col.kind == "datetime":
            out.append((i, lambda v: None if v is None else cells.naive_beijing(v)))
    return out


def iter_rows(session: Session, flt: DeclarationFilter, masked: frozenset[PiiKind], *,
              columns: Sequence[ExportColumn] = DETAIL_COLUMNS, lang: str = "en",
              cancel: CancelToken | None = None) -> Iterator[list[list[Any]]]:
    """Chunks of display rows (masked, statuses translated, naive datetimes), in id order."""
    convs = _converters(masked, columns, lang)
    stmt = (select(*[c.expr for c in columns]).select_from(Declaration)
            .outerjoin(Batch, Batch.id == Declaration.batch_id)
            .where(flt.where()).order_by(Declaration.id))
    # Core execution on the session's connection: the ORM result layer adds nothing for plain
    # columns but costs ~5% of the whole export.
    result = session.connection().execute(stmt.execution_options(yield_per=CHUNK))
    for part in result.partitions():
        if cancel is not None:
            cancel.raise_if_cancelled()
        rows = [list(r) for r in part]
        for i, conv in convs:
            for r in rows:
                r[i] = conv(r[i])
        yield rows


def export_declarations(
    session: Session,
    actor: Actor,
    flt: DeclarationFilter,
    target: Path,
    *,
    lang: str = "en",
    columns: Sequence[ExportColumn] = DETAIL_COLUMNS,
    progress: Progress = no_progress,
    cancel: CancelToken | None = None,
    max_rows_per_sheet: int = EXCEL_MAX_ROWS - 1,
    unmask_reason: str | None = None,
    audit: bool = True,
) -> ExportResult:
    """Write the declarations matching `flt` to `target` (.xlsx or .csv).

    Identity numbers and phones are masked unless `unmask_reason` is given and the actor
    may unmask (the unmask is audited). Records an `export.declarations` audit event unless
    `audit` is False (the caller's transaction commits it). Raises PermissionDeniedError
    without the export permission, ValidationError for a bad target, Cancelled when `cancel`
    is set (the target is then left untouched).
    """
    require(actor, Permission.EXPORT)
    path = check_target(target, (".xlsx", ".csv"))
    total = int(session.execute(
        select(func.count()).select_from(Declaration).where(flt.where())).scalar_one())
    masked = export_masking(session, actor, unmask_reason, total)
    progress(0, total, translate(N_("Exporting declarations…"), lang))
    chunks = iter_rows(session, flt, masked, columns=columns, lang=lang, cancel=cancel)
    headings = [translate(c.heading, lang) for c in columns]
    with atomic_path(path) as temp:
        sheets: tuple[SheetCount, ...]
        if path.suffix.lower() == ".csv":
            sheets = (SheetCount(path.name, _write_csv(temp, headings, chunks, total, progress)),)
            fmt = "csv"
        else:
            sheets = _write_xlsx(temp, headings, columns, chunks, total, progress, lang,
                                 max_rows_per_sheet)
            fmt = "xlsx"
        rows = sum(s.rows for s in sheets)
        if audit:
            record_event(session, actor, "export.declarations", entity="file",
                         entity_id=path.name, details={"rows": rows, "format": fmt,
                                                       "masked": sorted(k.value for k in masked)})
    return ExportResult(path, fmt, rows, sheets)


def _write_csv(temp: Path, headings: list[str], chunks: Iterator[list[list[Any]]], total: int,
               progress: Progress) -> int:
    done = 0
    # utf-8-sig writes the BOM Excel needs to read Chinese text correctly.
    with temp.open("w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow([cells.neutralise(h) for h in headings])
        value = cells.csv_value
        for rows in chunks:
            writer.writerows([[value(v) for v in r] for r in rows])
            done += len(rows)
            progress(done, total, "")
    return done


class _SheetWriter:
    """Appends rows to the current sheet, opening a new one at the row limit."""

    def __init__(self, wb: Workbook, headings: list[str], columns: Sequence[ExportColumn],
                 base_name: str, max_rows: int) -> None:
        self.wb, self.headings, self.columns = wb, headings, columns
        self.base_name, self.max_rows = base_name, max(max_rows, 1)
        self.counts: list[SheetCount] = []
        self.ws: WriteOnlyWorksheet | None = None
        self.rows_in_sheet = 0

    def _open(self) -> WriteOnlyWorksheet:
        self._close()
        n = len(self.counts) + 1
        ws = self.wb.create_sheet(self.base_name if n == 1 else f"{self.base_name} ({n})")
        ws.freeze_panes = "A2"
        ws.print_title_rows = "1:1"
        ws.page_setup.orientation = "landscape"
        ws.page_setup.fitToWidth = 1
        ws.page_setup.fitToHeight = 0
        ws.sheet_properties.pageSetUpPr.fitToPage = True
        for i, col in enumerate(self.columns, 1):
            ws.column_dimensions[get_column_letter(i)].width = col.width
        header = []
        for text in self.headings:
            c = WriteOnlyCell(ws, cells.xlsx_text(text))
            c.font, c.fill = HEADER_FONT, HEADER_FILL
            c.alignment = Alignment(vertical="center", wrap_text=True)
            header.append(c)
        ws.append(header)
        self.counts.append(SheetCount(ws.title, 0))
        self.ws, self.rows_in_sheet = ws, 0
        return ws

    def _close(self) -> None:
        if self.ws is not None:
            last = get_column_letter(len(self.columns))
            self.ws.auto_filter.ref = f"A1:{last}{self.rows_in_sheet + 1}"
            self.counts[-1] = SheetCount(self.counts[-1].name, self.rows_in_sheet)

    def write(self, rows: list[list[Any]]) -> None:
        # Values go in plain: a styled cell per value costs openpyxl's write-only path an
        # exception and a new cell object each, nearly doubling the time. Numbers keep Excel's
        # General format; datetimes get openpyxl's date format automatically.
        ws = self.ws or self._open()
        text = cells.xlsx_text
        for r in rows:
            if self.rows_in_sheet >= self.max_rows:
                ws = self._open()
            for i, v in enumerate(r):
                if v.__class__ is str:
                    r[i] = text(v)
            ws.append(r)
            self.rows_in_sheet += 1

    def finish(self) -> tuple[SheetCount, ...]:
        if self.ws is None:
            self._open()
        self._close()
        return tuple(self.counts)


def _write_xlsx(temp: Path, headings: list[str], columns: Sequence[ExportColumn],
                chunks: Iterator[list[list[Any]]], total: int, progress: Progress, lang: str,
                max_rows: int) -> tuple[SheetCount, ...]:
    wb = Workbook(write_only=True)
    writer = _SheetWriter(wb, headings, columns, translate(N_("Declaration list"), lang),
                           max_rows)
    done = 0
    for rows in chunks:
        writer.write(rows)
        done += len(rows)
        progress(done, total, "")
    sheets = writer.finish()
    wb.save(temp)
    return sheets


def export_time_stamp(now: datetime) -> str:
    """`20261126-0930`: the suffix of suggested export file names."""
    return now.strftime("%Y%m%d-%H%M")
