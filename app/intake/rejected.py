"""“Save rejected rows…”: the rejected rows as an XLSX the clerk fixes and imports again."""

from __future__ import annotations

import datetime as dt
import os
import tempfile
from collections.abc import Iterable, Sequence
from pathlib import Path

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font, PatternFill

from app.i18n import N_, render, translate
from app.intake.rowerrors import RowError

ERROR_COLUMN = N_("Import errors")
ROW_COLUMN = N_("Original row")
SHEET_NAME = N_("Rejected rows")
_ILLEGAL = {i for i in range(32) if i not in (9, 10, 13)}


def write_rejected_rows(path: Path, headers: Sequence[str],
                        rows: Iterable[tuple[int, Sequence[object]]],
                        errors: Iterable[RowError], lang: str = "zh_CN") -> int:
    """Write the original headers and rows plus an error column; returns the rows written.

    Values are written as text where they are identifiers, so Excel does not mangle them
    again; the file appears atomically (temp file in the target folder, then rename).
    """
    by_row: dict[int, list[str]] = {}
    for e in errors:
        where = f"{e.column}: " if e.column else ""
        by_row.setdefault(e.row, []).append(where + render(e.message, lang))
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(translate(SHEET_NAME, lang))
    bold = Font(bold=True)
    header_cells = []
    for text in (*headers, translate(ERROR_COLUMN, lang), translate(ROW_COLUMN, lang)):
        cell = WriteOnlyCell(ws, value=_clean(text))
        cell.font = bold
        header_cells.append(cell)
    ws.append(header_cells)
    fill = PatternFill("solid", fgColor="FFF2CC")
    count = 0
    for number, values in sorted(rows, key=lambda r: r[0]):
        out: list[object] = [_cell_value(ws, v) for v in values]
        err = WriteOnlyCell(ws, value=_clean("; ".join(by_row.get(number, []))))
        err.fill = fill
        out += [err, number]
        ws.append(out)
        count += 1
    fd, tmp = tempfile.mkstemp(prefix=".rejected-", suffix=".xlsx", dir=path.parent)
    os.close(fd)
    try:
        wb.save(tmp)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return count


def _clean(text: str) -> str:
    return "".join(ch for ch in text if ord(ch) not in _ILLEGAL)


def _cell_value(ws: object, value: object) -> object:
    if isinstance(value, str):
        cell = WriteOnlyCell(ws, value=_clean(value))  # type: ignore[arg-type]
        cell.number_format = "@"
        return cell
    if isinstance(value, float) and abs(value) >= 1e15:
        return repr(value)
    if isinstance(value, dt.time | dt.timedelta):
        return str(value)
    return value
