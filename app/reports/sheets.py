"""Shared layout of the summary sheets: styled header, typed rows, totals, filter, print setup."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from app.reports import cells

HEADER_FONT = Font(bold=True, color="FFFFFF")
HEADER_FILL = PatternFill("solid", fgColor="305496")
TOTAL_FONT = Font(bold=True)
TOTAL_BORDER = Border(top=Side(style="thin"), bottom=Side(style="double"))
TITLE_FONT = Font(bold=True, size=14)


@dataclass(frozen=True)
class Col:
    heading: str  # already translated
    fmt: str | None = None
    width: float = 14


def print_setup(ws: Worksheet, title_rows: str) -> None:
    """Landscape, fit to one page wide, header rows repeated on every page."""
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_title_rows = title_rows
    ws.print_options.gridLines = False


def write_table(ws: Worksheet, top: int, cols: Sequence[Col], rows: Sequence[Sequence[Any]],
                total: Sequence[Any] | None = None, *, first_col: int = 1,
                filter_and_freeze: bool = True) -> int:
    """Write a header at row `top`, then `rows`, then an optional bold totals row.

    Returns the row number of the last data row (the totals row excluded). The header row is
    frozen and gets the autofilter (one per sheet) unless `filter_and_freeze` is False.
    """
    for j, col in enumerate(cols):
        c = ws.cell(top, first_col + j, cells.xlsx_text(col.heading))
        c.font, c.fill = HEADER_FONT, HEADER_FILL
        c.alignment = Alignment(vertical="center", wrap_text=True)
        letter = get_column_letter(first_col + j)
        ws.column_dimensions[letter].width = max(ws.column_dimensions[letter].width or 0,
                                                 col.width)
    r = top
    for row in rows:
        r += 1
        _write_row(ws, r, cols, row, first_col)
    last = r
    if total is not None:
        r += 1
        _write_row(ws, r, cols, total, first_col)
        for j in range(len(cols)):
            c = ws.cell(r, first_col + j)
            c.font, c.border = TOTAL_FONT, TOTAL_BORDER
    if filter_and_freeze:
        first, end = get_column_letter(first_col), get_column_letter(first_col + len(cols) - 1)
        ws.auto_filter.ref = f"{first}{top}:{end}{max(last, top)}"
        ws.freeze_panes = ws.cell(top + 1, 1).coordinate
    return last


def _write_row(ws: Worksheet, r: int, cols: Sequence[Col], row: Sequence[Any],
               first_col: int) -> None:
    for j, (col, value) in enumerate(zip(cols, row, strict=True)):
        if isinstance(value, str):
            value = cells.xlsx_text(value)
        c = ws.cell(r, first_col + j, value)
        if col.fmt and value is not None and not isinstance(value, str):
            c.number_format = col.fmt
