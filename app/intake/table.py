"""The shape every reader produces: headers plus a stream of numbered rows."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field

from app.domain.errors import ValidationError
from app.i18n import N_
from app.intake.headers import detect_header
from app.intake.limits import ReadLimits

CellValue = str | int | float | bool | dt.date | dt.datetime | dt.time | dt.timedelta | None
Row = list[CellValue]

_MSG_NO_HEADER = N_("No header row found in “{name}”: the sheet is empty or has no column names.")
_MSG_TOO_MANY_ROWS = N_(
    "“{name}” has more than {limit} rows; split it into smaller files or raise the row limit."
)
_MSG_TOO_MANY_COLUMNS = N_("“{name}” has {count} columns; at most {limit} are allowed.")
_MSG_HEADER_ROW_OUT = N_("Header row {row} is beyond the end of “{name}”.")


@dataclass
class ReadPosition:
    """How far a reader has got, in units of its choice (bytes for CSV, rows otherwise)."""

    done: int = 0
    total: int = 0

    @property
    def fraction(self) -> float:
        return min(1.0, self.done / self.total) if self.total else 0.0


@dataclass
class Table:
    """An opened sheet: where its header is and an iterator over the data rows after it.

    `rows` yields (row number as the clerk sees it, cell values aligned with `headers`) once.
    """

    name: str
    kind: str
    headers: tuple[str, ...]
    header_row: int  # 1-based; 0 for JSON
    rows: Iterator[tuple[int, Row]]
    sheet: str | None = None
    sheet_names: tuple[str, ...] = ()
    encoding: str | None = None
    delimiter: str | None = None
    position: ReadPosition = field(default_factory=ReadPosition)


def locate_header(name: str, raw_rows: Iterable[Row], limits: ReadLimits,
                  header_row: int | None = None,
                  merged_above: frozenset[tuple[int, int]] = frozenset(),
                  first_row_number: int = 1, position: ReadPosition | None = None,
                  ) -> tuple[tuple[str, ...], int, Iterator[tuple[int, Row]]]:
    """Scan the first rows for the header and return (headers, header row, data rows).

    Data rows are numbered from `first_row_number` (the number of the first raw row), blank
    rows are skipped, and the row and column caps of `limits` are enforced while streaming.
    """
    it = iter(raw_rows)
    scan = max(limits.header_scan_rows, header_row or 0)
    head = list(itertools.islice(it, scan))
    loc = detect_header(head, header_row, merged_above)
    if header_row is not None and loc.row_index >= len(head):
        raise ValidationError(_MSG_HEADER_ROW_OUT, row=header_row, name=name)
    headers = _dedupe(loc.headers)
    if not any(headers):
        raise ValidationError(_MSG_NO_HEADER, name=name)
    if len(headers) > limits.max_columns:
        raise ValidationError(_MSG_TOO_MANY_COLUMNS, name=name, count=len(headers),
                              limit=limits.max_columns)
    start = loc.row_index + 1
    rest = itertools.chain(head[start:], it)
    return headers, loc.row_index + first_row_number, _data_rows(
        name, rest, len(headers), start + first_row_number, limits, position)


def _data_rows(name: str, rows: Iterable[Row], width: int, first: int,
               limits: ReadLimits, position: ReadPosition | None,
               ) -> Iterator[tuple[int, Row]]:
    for number, row in enumerate(rows, start=first):
        if position is not None and not number & 1023:
            position.done = number
        if number > limits.max_rows:
            raise ValidationError(_MSG_TOO_MANY_ROWS, name=name, limit=limits.max_rows)
        if not any(row) and all(v is None or v == "" for v in row):
            continue  # blank row (any() first: the cheap test for the common case)
        if len(row) < width:
            row = [*row, *([None] * (width - len(row)))]
        elif len(row) > width:
            row = row[:width]
        yield number, row


def _dedupe(headers: Sequence[str]) -> tuple[str, ...]:
    # Two columns called "备注" must stay distinguishable in mappings and error reports.
    seen: dict[str, int] = {}
    out: list[str] = []
    for h in headers:
        h = h.strip()
        if h and h in seen:
            seen[h] += 1
            out.append(f"{h} ({seen[h]})")
        else:
            seen[h] = 1
            out.append(h)
    return tuple(out)
