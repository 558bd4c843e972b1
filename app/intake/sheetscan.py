"""How big a sheet really is, found from the file before a reader lays it out in memory.

A spreadsheet reader builds a dense grid from the top-left to the bottom-right cell it finds,
so one cell at XFD1048576 asks for 17 billion cells from a 5 KB file, and an ODS row repeated a
million times does the same from 1 KB. The declared size (`<dimension ref>`) can lie or be
absent, so the scan streams the sheet's XML and reads the cell positions (XLSX) or sums the
repeat counts (ODS) itself, with bounded memory, stopping as soon as a limit is passed.
"""

from __future__ import annotations

import posixpath
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO
from xml.etree import ElementTree

import defusedxml.ElementTree as SafeET
from defusedxml import DefusedXmlException

from app.domain.errors import ValidationError
from app.i18n import N_
from app.intake.limits import ReadLimits

CHUNK = 1 << 20
MAX_META_PART = 8 * 1024 * 1024  # workbook.xml and its relationships: small in any real file

MSG_TOO_WIDE = N_(
    "“{name}”, sheet “{sheet}”: cells reach row {rows} and column {columns}, beyond the limit "
    "of {max_rows} rows and {max_columns} columns; it was not opened. Delete the stray cells "
    "far below or to the right of the orders, or split the file."
)
MSG_TOO_MANY_ROWS = N_(
    "“{name}”, sheet “{sheet}” reaches row {rows}: more than {limit} rows; it was not opened. "
    "Split it into smaller files or raise the row limit."
)
MSG_TOO_MANY_CELLS = N_(
    "“{name}”, sheet “{sheet}”: {rows} rows × {columns} columns are {cells} cells, more than "
    "the limit of {limit}; it was not opened. Delete unused rows and columns, or split the file."
)

_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
_PKG_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}Relationship"

# The reference at the start of a cell's attributes; cells are probed with patterns built by
# `_cells_beyond` so that in a normal file each 1 MB chunk costs a few C-level searches.
_REF_AT = re.compile(rb' r="[A-Z]{1,4}([0-9]{1,10})"')
_DIMENSION = re.compile(rb'<(?:\w+:)?dimension\b[^>]*?\sref="([^"]{1,40})"')
_REF = re.compile(r"^\$?([A-Z]{1,4})\$?([0-9]{1,10})$")

# ODS: table, row and cell tags with their attributes (`table:` is the prefix every writer
# uses; a file using another one skips this scan and meets the reader's memory limit).
_ODS_TAG = re.compile(
    rb"<(/?)table:(table-row|table-cell|covered-table-cell|table)(\s[^>]*?)?(/?)>"
)
_ODS_NAME = re.compile(rb'table:name="([^"]{0,200})"')
_ODS_ROWS = re.compile(rb'table:number-rows-repeated="([0-9]{1,12})"')
_ODS_COLS = re.compile(rb'table:number-columns-repeated="([0-9]{1,12})"')
_ODS_VALUE = re.compile(rb"office:value-type=")


@dataclass(frozen=True)
class SheetSize:
    """Rows and columns of the grid a reader would build (1-based extents)."""

    rows: int
    columns: int


def column_number(letters: str) -> int:
    """A1-style column letters to their 1-based number (A → 1, XFD → 16384)."""
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n


def column_letters(number: int) -> str:
    out = ""
    while number > 0:
        number, rem = divmod(number - 1, 26)
        out = chr(65 + rem) + out
    return out


def check_size(name: str, sheet: str, size: SheetSize, limits: ReadLimits) -> None:
    """Refuse a sheet whose grid passes the row, column or cell limit (ValidationError)."""
    if size.rows > limits.max_rows and size.columns <= limits.max_columns:
        raise ValidationError(MSG_TOO_MANY_ROWS, name=name, sheet=sheet, rows=size.rows,
                              limit=limits.max_rows)
    if size.rows > limits.max_rows or size.columns > limits.max_columns:
        raise ValidationError(MSG_TOO_WIDE, name=name, sheet=sheet, rows=size.rows,
                              columns=size.columns, max_rows=limits.max_rows,
                              max_columns=limits.max_columns)
    cells = size.rows * size.columns
    if cells > limits.max_cells:
        raise ValidationError(MSG_TOO_MANY_CELLS, name=name, sheet=sheet, rows=size.rows,
                              columns=size.columns, cells=cells, limit=limits.max_cells)


def _chunks(fh: IO[bytes], after: bytes = b">") -> Iterator[bytes]:
    """The stream cut after `after` (by default any tag end) so no tag or attribute (or
    element ending in `after`) is split between two chunks."""
    rest = b""
    while block := fh.read(CHUNK):
        data = rest + block
        cut = data.rfind(after) + len(after)
        if cut < len(after):
            cut = 0
        if cut == 0 and len(data) > 16 * CHUNK:
            cut = len(data)  # no such end in 16 MB: cut anyway, memory stays bounded
        rest = data[cut:]
        if cut:
            yield data[:cut]
    if rest:
        yield rest


# --- XLSX ---------------------------------------------------------------------------------

def xlsx_sheet_part(zf: zipfile.ZipFile, sheet: str) -> str | None:
    """The zip member holding worksheet `sheet`, from workbook.xml and its relationships."""
    try:
        workbook = _small_xml(zf, "xl/workbook.xml")
        rels = _small_xml(zf, "xl/_rels/workbook.xml.rels")
    except (KeyError, ElementTree.ParseError, DefusedXmlException):
        return None
    rid = None
    for el in workbook.iter(f"{_MAIN}sheet"):
        if el.get("name") == sheet:
            rid = el.get(_REL)
            break
    for el in rels.iter(_PKG_REL):
        if el.get("Id") == rid:
            target = el.get("Target") or ""
            part = target.lstrip("/") if target.startswith("/") else \
                posixpath.normpath(posixpath.join("xl", target))
            return part if part in zf.NameToInfo else None
    return None


def _small_xml(zf: zipfile.ZipFile, member: str) -> ElementTree.Element:
    info = zf.getinfo(member)
    if info.file_size > MAX_META_PART:
        raise ElementTree.ParseError(member)
    return SafeET.fromstring(zf.read(info))  # type: ignore[no-any-return]


def scan_xlsx(path: Path, sheet: str, limits: ReadLimits) -> SheetSize:
    """The grid of worksheet `sheet` as calamine would build it (up to the last non-empty
    cell). Raises ValidationError as soon as the declared dimension or any cell passes a
    limit; returns (0, 0) when the sheet part cannot be found (the reader then reports)."""
    name = path.name
    with zipfile.ZipFile(path) as zf:
        part = xlsx_sheet_part(zf, sheet)
        if part is None:
            return SheetSize(0, 0)
        with zf.open(part) as fh:
            return _scan_sheet_xml(fh, name, sheet, limits)


def _scan_sheet_xml(fh: IO[bytes], name: str, sheet: str, limits: ReadLimits) -> SheetSize:
    rows = columns = counted = 0
    first = True
    for chunk in _chunks(fh):
        if first:
            first = False
            # The declared size may lie either way; a too-large one is refused here, a
            # too-small one is overtaken by the cells below.
            declared_rows, declared_columns = _declared(chunk)
            check_size(name, sheet, SheetSize(declared_rows, declared_columns), limits)
        # Rows: the row of the chunk's last cell with content (cells come in row order in
        # any file a program wrote; one placed out of order is caught just below). Row
        # elements alone, formatted but empty, are not laid out by the reader. Cells without
        # a reference are counted by their rows.
        last = _last_cell_row(chunk)
        if last is None:
            counted += chunk.count(b"<row ") + chunk.count(b"<row>")
            last = counted if b"<c>" in chunk else 0
        rows = max(rows, last)
        # Cells placed beyond every row element, or right of the widest column so far:
        # in a normal file the pattern matches nothing after the first chunk.
        beyond = _cells_beyond(rows, columns).findall(chunk)
        if beyond:
            cells = [(c1 or c2, r1 or r2) for c1, r1, c2, r2 in beyond]
            rows = max(rows, max(int(n) for _, n in cells))
            columns = max(columns, max(column_number(c.decode()) for c in {c for c, _ in cells}))
        check_size(name, sheet, SheetSize(rows, columns), limits)
    return SheetSize(rows, columns)


def _last_cell_row(chunk: bytes) -> int | None:
    """The row of the last cell in `chunk` that is not closed at once (`</c>`, `</x:c>`);
    None when the chunk has no such cell with a reference."""
    end = max(chunk.rfind(b"</c>"), chunk.rfind(b":c>"))
    while end > 0:
        start = chunk.rfind(b' r="', 0, end)
        if start < 0:
            return None
        match = _REF_AT.match(chunk, start)
        if match:
            return int(match.group(1))
        end = start
    return None


def _cells_beyond(rows: int, columns: int) -> re.Pattern[bytes]:
    """Cells (not empty self-closing ones) below row `rows` or right of column `columns`."""
    col = _greater(column_letters(columns), "A-Z", 4)
    row = _greater(str(rows), "0-9", 10)
    return re.compile(
        f' r="(?:({col})([0-9]{{1,10}})|([A-Z]{{1,4}})({row}))"[^>/]*>'.encode())


def _greater(value: str, alphabet: str, longest: int) -> str:
    """A regex for the strings over `alphabet` ("A-Z" or "0-9", no leading zero or empty
    value) that come after `value` in numeric / column order."""
    lo, hi = alphabet[0], alphabet[-1]
    first = "1" if alphabet == "0-9" else "A"
    if not value or value == "0":
        return f"[{first}-{hi}][{alphabet}]{{0,{longest - 1}}}"
    parts = [f"[{first}-{hi}][{alphabet}]{{{len(value)},{max(len(value), longest - 1)}}}"]
    for i, ch in enumerate(value):
        if ch < hi:
            rest = len(value) - i - 1
            parts.append(re.escape(value[:i]) + f"[{chr(ord(ch) + 1)}-{hi}]"
                         + (f"[{alphabet}]{{{rest}}}" if rest else ""))
    del lo
    return "(?:" + "|".join(parts) + ")"


def _declared(head: bytes) -> tuple[int, int]:
    match = _DIMENSION.search(head)
    if not match:
        return 0, 0
    corner = match.group(1).decode("ascii", "replace").split(":")[-1]
    ref = _REF.match(corner)
    if not ref:
        return 0, 0
    return int(ref.group(2)), column_number(ref.group(1))


# --- ODS ----------------------------------------------------------------------------------

def scan_ods(path: Path, limits: ReadLimits) -> None:
    """Sum the repeat counts of every table in content.xml the way the reader expands them
    (trailing empty cells and rows are not laid out). Raises ValidationError on the first
    table that passes a limit."""
    name = path.name
    with zipfile.ZipFile(path) as zf:
        try:
            fh = zf.open("content.xml")
        except KeyError:
            return
        with fh:
            _scan_ods_xml(fh, name, limits)


class _OdsTable:
    def __init__(self, name: str) -> None:
        self.name = name
        self.rows = 0  # rows so far, empty ones included
        self.used_rows = 0  # rows up to the last one with a value
        self.columns = 0  # widest row up to its last value
        self.row_repeat = 1
        self.row_cells = 0
        self.row_used = 0


_ROW_END = b"</table:table-row>"


def _scan_ods_xml(fh: IO[bytes], name: str, limits: ReadLimits) -> None:
    state: list[_OdsTable | None] = [None]
    for chunk in _chunks(fh, _ROW_END):
        table = state[0]
        if table is None or b"repeated" in chunk or b"table:table " in chunk or \
                b"</table:table>" in chunk:
            _scan_ods_tags(chunk, state, name, limits)
            continue
        # Whole rows without repeats inside one table (the common case): C-level counts.
        table.rows += chunk.count(b"<table:table-row")  # a row group counts too: harmless
        if b"office:value-type" in chunk or b"<text:p" in chunk:
            table.used_rows = table.rows
            rows = chunk.split(_ROW_END)
            widest = max(r.count(b"<table:table-cell") for r in rows)
            if b"covered-table-cell" in chunk:
                widest = max(r.count(b"<table:table-cell") + r.count(b"<table:covered-table-cell")
                             for r in rows)
            table.columns = max(table.columns, widest)
            check_size(name, table.name, SheetSize(table.used_rows, table.columns), limits)


def _scan_ods_tags(xml: bytes, state: list[_OdsTable | None], name: str,
                   limits: ReadLimits) -> None:
    """Every table, row and cell tag of `xml`, repeat counts and all."""
    table = state[0]
    for closing, tag, attrs, selfclosing in _ODS_TAG.findall(xml):
        if tag == b"table":
            if closing:
                table = None
            elif not selfclosing:
                m = _ODS_NAME.search(attrs)
                table = _OdsTable(m.group(1).decode("utf-8", "replace") if m else "")
            continue
        if table is None:
            continue
        if tag == b"table-row":
            if not closing:
                m = _ODS_ROWS.search(attrs)
                table.row_repeat = max(1, int(m.group(1))) if m else 1
                table.row_cells = table.row_used = 0
            if closing or selfclosing:
                _end_row(table, name, limits)
            continue
        if closing:
            continue
        m = _ODS_COLS.search(attrs)
        repeat = max(1, int(m.group(1))) if m else 1
        table.row_cells += repeat
        # A cell with a value type, or with content (not closed at once), is laid out.
        if _ODS_VALUE.search(attrs) or not selfclosing:
            table.row_used = table.row_cells
    state[0] = table


def _end_row(table: _OdsTable, name: str, limits: ReadLimits) -> None:
    table.rows += table.row_repeat
    if table.row_used:
        table.used_rows = table.rows
        table.columns = max(table.columns, table.row_used)
        check_size(name, table.name, SheetSize(table.used_rows, table.columns), limits)
    table.row_repeat = 1
    table.row_cells = table.row_used = 0
