"""XLSX / XLS / ODS through python-calamine: sheet choice, bomb checks, header location.

Formulas are never evaluated: calamine returns the value Excel cached when it saved the file
(an empty cell when there is none). The workbook is opened in a memory-limited child process
(`sheetworker.py`) after its real size was checked (`sheetscan.py`); `sheet_frames` and
`name_frames` are what the child runs, and what runs here when `isolate_reader` is off.
"""

from __future__ import annotations

import sys
import zipfile
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import python_calamine as pc

from app.domain.errors import ValidationError
from app.i18n import N_
from app.intake.limits import ReadLimits
from app.intake.sheetscan import SheetSize, check_size, scan_ods, scan_xlsx
from app.intake.table import ReadPosition, Row, Table, locate_header

_MSG_UNREADABLE = N_("“{name}” could not be read as a spreadsheet ({detail}).")
_MSG_PASSWORD = N_("“{name}” is password-protected. Remove the password in Excel and try again.")
_MSG_BOMB = N_(
    "“{name}” would unpack to more than {limit} MB, which is more than any order file needs; "
    "it was not opened."
)
_MSG_RATIO = N_("“{name}” is compressed suspiciously well (a “zip bomb”); it was not opened.")
_MSG_NO_SHEET = N_("“{name}” has no sheet “{sheet}”. Sheets: {sheets}.")
_MSG_NO_SHEETS = N_("“{name}” has no worksheets.")
_MSG_TOO_MANY_ROWS = N_(
    "“{name}” has more than {limit} rows; split it into smaller files or raise the row limit."
)


def check_zip(path: Path, limits: ReadLimits) -> None:
    """Refuse zip bombs before any XML is inflated: cap total size and compression ratio."""
    name = path.name
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise ValidationError(_MSG_UNREADABLE, name=name, detail=str(exc)[:200]) from exc
    total = sum(i.file_size for i in infos)
    packed = sum(i.compress_size for i in infos)
    if total > limits.max_uncompressed_bytes:
        raise ValidationError(_MSG_BOMB, name=name,
                              limit=limits.max_uncompressed_bytes // (1024 * 1024))
    if total > 10 * 1024 * 1024 and total > packed * limits.max_compression_ratio:
        raise ValidationError(_MSG_RATIO, name=name)


def sheet_names(path: Path, limits: ReadLimits) -> tuple[str, ...]:
    """Visible worksheet names, in workbook order."""
    for frame in _frames(path, "names", {}, limits):
        return tuple(frame[1])
    return ()


def name_frames(path: Path, args: dict[str, Any], limits: ReadLimits) -> Iterator[Any]:
    """("names", visible sheet names), ("end",)."""
    with _open(path, limits) as wb:
        names = _visible_sheets(wb)
    yield ("names", list(names))
    yield ("end",)


def _frames(path: Path, job: str, args: dict[str, Any], limits: ReadLimits) -> Iterator[Any]:
    if limits.isolate_reader and sys.executable:
        from app.intake.sheetworker import run_isolated

        try:
            return run_isolated(path, job, args, limits)
        except OSError:  # no interpreter to start (an embedded build): read here
            pass
    jobs = {"names": name_frames, "sheet": sheet_frames}
    return jobs[job](path, args, limits)


def _visible_sheets(wb: Any) -> tuple[str, ...]:
    names = []
    for meta in wb.sheets_metadata:
        if meta.typ == pc.SheetTypeEnum.WorkSheet and meta.visible == pc.SheetVisibleEnum.Visible:
            names.append(meta.name)
    return tuple(names) or tuple(wb.sheet_names)


class _Workbook:
    def __init__(self, path: Path, limits: ReadLimits) -> None:
        if zipfile.is_zipfile(path):
            check_zip(path, limits)
            if path.suffix.lower() == ".ods":
                _scan(path, lambda: scan_ods(path, limits))  # calamine lays out all tables
        try:
            self.wb = pc.CalamineWorkbook.from_path(str(path))
        except pc.PasswordError as exc:
            raise ValidationError(_MSG_PASSWORD, name=path.name) from exc
        except Exception as exc:  # calamine raises several unrelated types for broken files
            raise ValidationError(_MSG_UNREADABLE, name=path.name,
                                  detail=str(exc)[:200]) from exc

    def __enter__(self) -> Any:
        return self.wb

    def __exit__(self, *exc: object) -> None:
        self.wb.close()


def _open(path: Path, limits: ReadLimits) -> _Workbook:
    return _Workbook(path, limits)


def read_excel(path: Path, limits: ReadLimits, sheet: str | int | None = None,
               header_row: int | None = None) -> Table:
    """Open one sheet of a workbook and locate its header.

    `sheet` is a name or a 0-based index; by default the first visible worksheet.
    Raises ValidationError for broken, protected or oversized workbooks, and for a reader
    that ran out of memory or time.
    """
    name = path.name
    frames = _frames(path, "sheet", {"sheet": sheet}, limits)
    try:
        _, names, chosen, merged, first, height = next(frames)
    except StopIteration as exc:
        raise ValidationError(_MSG_UNREADABLE, name=name, detail="no sheet") from exc
    position = ReadPosition(0, height)
    rows = _rows(_unchunk(frames), name)
    covered = frozenset((int(r), int(c)) for r, c in merged)
    headers, hrow, data = locate_header(name, rows, limits, header_row, covered, first,
                                        position)
    return Table(name=name, kind=path.suffix.lower().lstrip("."), headers=headers,
                 header_row=hrow, rows=data, sheet=chosen, sheet_names=tuple(names),
                 position=position)


def sheet_frames(path: Path, args: dict[str, Any], limits: ReadLimits) -> Iterator[Any]:
    """("meta", sheet names, chosen sheet, merged cells, first row number, height), then
    ("rows", [row, …]) chunks, then ("end",)."""
    name = path.name
    with _open(path, limits) as wb:
        names = _visible_sheets(wb)
        if not names:
            raise ValidationError(_MSG_NO_SHEETS, name=name)
        chosen = _choose_sheet(wb, name, names, args.get("sheet"))
        if path.suffix.lower() != ".ods" and zipfile.is_zipfile(path):
            _scan(path, lambda: scan_xlsx(path, chosen, limits))
        try:
            ws = wb.get_sheet_by_name(chosen)
            if ws.total_height > limits.max_rows:
                raise ValidationError(_MSG_TOO_MANY_ROWS, name=name, limit=limits.max_rows)
            check_size(name, chosen, SheetSize(ws.height, ws.width), limits)
            merged = _merged_cells(ws)
            first = ws.start[0] + 1 if ws.start else 1
            yield ("meta", list(names), chosen, list(merged), first, ws.height)
            chunk: list[Row] = []
            for row in ws.iter_rows():
                chunk.append(row)
                if len(chunk) >= 2000:
                    yield ("rows", chunk)
                    chunk = []
            yield ("rows", chunk)
        except ValidationError:
            raise
        except MemoryError:
            raise
        except Exception as exc:
            raise ValidationError(_MSG_UNREADABLE, name=name, detail=str(exc)[:200]) from exc
    yield ("end",)


def _scan(path: Path, scan: Callable[[], object]) -> None:
    try:
        scan()
    except ValidationError:
        raise
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        raise ValidationError(_MSG_UNREADABLE, name=path.name, detail=str(exc)[:200]) from exc


def _unchunk(frames: Iterable[Any]) -> Iterator[Row]:
    for frame in frames:
        if frame[0] == "end":
            return
        yield from frame[1]


def _choose_sheet(wb: Any, name: str, names: tuple[str, ...], sheet: str | int | None) -> str:
    if isinstance(sheet, int):
        if 0 <= sheet < len(names):
            return names[sheet]
        raise ValidationError(_MSG_NO_SHEET, name=name, sheet=str(sheet + 1),
                              sheets=", ".join(names))
    if sheet:
        if sheet in wb.sheet_names:
            return sheet
        raise ValidationError(_MSG_NO_SHEET, name=name, sheet=sheet, sheets=", ".join(names))
    return names[0]


def _merged_cells(ws: Any) -> frozenset[tuple[int, int]]:
    """Cells covered by a merged region but not its top-left (where the value is)."""
    try:
        ranges = ws.merged_cell_ranges or []
    except Exception:  # older files or formats without merge info
        return frozenset()
    r0, c0 = ws.start if ws.start else (0, 0)
    out: set[tuple[int, int]] = set()
    for (top, left), (bottom, right) in ranges:
        if (bottom - top + 1) * (right - left + 1) > 10_000:
            continue
        for r in range(top, bottom + 1):
            for c in range(left, right + 1):
                if (r, c) != (top, left):
                    out.add((r - r0, c - c0))
    return frozenset(out)


def _rows(rows: Iterator[list[Any]], name: str) -> Iterator[Row]:
    try:
        yield from rows
    except ValidationError:
        raise
    except Exception as exc:
        raise ValidationError(_MSG_UNREADABLE, name=name, detail=str(exc)[:200]) from exc
