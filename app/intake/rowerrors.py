"""Row-level import errors: where (row, column, field), what (value) and why (a Message)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from app.i18n import Message, render


@dataclass(frozen=True)
class RowError:
    """One problem with one cell (or one row when `column` is empty) of the imported file.

    `row` is the 1-based row number as the clerk sees it in Excel (or the line/record number
    for CSV and JSON), `column` the header text in the file, `field` the CEB field name,
    `order_no` the order the row belongs to (empty when the row has none), so a clerk finds
    the refused order in the platform's back-end without counting rows.
    """

    row: int
    column: str
    field: str
    value: str
    message: Message
    order_no: str = ""

    def to_json(self, lang: str = "en") -> dict[str, Any]:
        return {
            "row": self.row,
            "orderNo": self.order_no,
            "column": self.column,
            "field": self.field,
            "value": self.value,
            "message": render(self.message, lang),
        }


def cell_text(value: object) -> str:
    """How a raw cell value is shown back to the clerk in an error report."""
    if value is None:
        return ""
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return repr(value)
    return str(value)
