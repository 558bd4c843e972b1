"""Cell values that are safe to hand to Excel: formula injection neutralised (CWE-1236).

A text cell that starts with `=`, `+`, `-`, `@`, a tab or a carriage return (or their
full-width forms, which some Excel locales also treat as formula starts) would be evaluated as
a formula when the file is opened, or — for openpyxl — even written as one. Such text gets a
leading apostrophe, as OWASP recommends; numbers and dates are never touched.
"""

from __future__ import annotations

import re
from datetime import datetime
from decimal import Decimal
from typing import Any

from app.domain.clock import to_beijing

FORMULA_STARTS = frozenset("=+-@\t\r\uff1d\uff0b\uff0d\uff20")

# XML 1.0 forbids these control characters; openpyxl refuses them with an exception.
_ILLEGAL_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def neutralise(text: str) -> str:
    """`text` made inert for spreadsheets: `=1+1` → `'=1+1`; anything else unchanged."""
    if text and text[0] in FORMULA_STARTS:
        return "'" + text
    return text


def xlsx_text(text: str) -> str:
    """Text for an XLSX cell: neutralised, and without characters XML cannot hold."""
    if text and text[0] in FORMULA_STARTS:
        text = "'" + text
    if _ILLEGAL_XML.search(text):
        text = _ILLEGAL_XML.sub("\ufffd", text)
    return text


_INTEGER_CODE = re.compile(r"-?\d{1,15}")


def code_value(code: str | None) -> str | int | None:
    """A customs code such as returnStatus `-621005` or `800` as a number when it is one, so it
    is written as a numeric cell (never a text cell starting with `-`)."""
    if code is not None and _INTEGER_CODE.fullmatch(code):
        return int(code)
    return code


def naive_beijing(value: datetime) -> datetime:
    """Excel has no time zones: datetimes are written as naive Beijing time (the business clock,
    app.domain.clock); naive input is UTC, as the database stores it."""
    return to_beijing(value).replace(tzinfo=None)


def csv_value(value: Any) -> str:
    """One CSV field: text neutralised, Decimal in plain notation, datetimes ISO-like."""
    if value is None:
        return ""
    if isinstance(value, str):
        return neutralise(value)
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, datetime):
        return naive_beijing(value).strftime("%Y-%m-%d %H:%M:%S")
    return str(value)


# Number formats used across the workbooks.
FMT_INT = "#,##0"
FMT_MONEY = "#,##0.00"
FMT_WEIGHT = "#,##0.000"
FMT_PERCENT = "0.0%"
FMT_HOURS = "#,##0.0"
FMT_DATE = "yyyy-mm-dd"
FMT_DATETIME = "yyyy-mm-dd hh:mm:ss"
