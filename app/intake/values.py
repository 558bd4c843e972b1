"""Parsing one cell into the value a field needs: text, Decimal, integer, date or time.

Every parser raises `BadValue(message)` for a value that cannot be used; the row normaliser
turns that into a RowError naming the row and column.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation

from app.domain.fields import DECIMAL_PLACES
from app.i18n import N_, Message

MSG_NOT_A_NUMBER = N_("Not a number")
MSG_TOO_MANY_DECIMALS = N_("More than {places} decimal places")
MSG_NOT_WHOLE = N_("Not a whole number")
MSG_NOT_A_DATE = N_("Not a date (use YYYY-MM-DD)")
MSG_NOT_A_TIME = N_("Not a date and time (use YYYY-MM-DD hh:mm:ss)")
MSG_EXCEL_NUMBER = N_(
    "Excel turned this number into {shown} and lost digits; format the column as Text in "
    "Excel and enter the value again"
)
MSG_TOO_LONG = N_("Longer than {max} characters")

QUANTUM = Decimal(1).scaleb(-DECIMAL_PLACES)
_MAX_DECIMAL = Decimal(10) ** 14  # N19,5: 14 integer digits
_SCIENTIFIC = re.compile(r"^[+-]?\d+(\.\d+)?[eE][+-]?\d+$")
_THOUSANDS = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d+)?$")
_CURRENCY_WORDS = ("人民币", "rmb", "cny", "元", "yuan", "¥", "$", "usd", "hkd")
_WEIGHT_WORDS = {"kg": "kg", "kgs": "kg", "千克": "kg", "公斤": "kg", "g": "g", "克": "g"}


class BadValue(Exception):
    """A cell value that cannot be used; `message` says why."""

    def __init__(self, message: Message) -> None:
        super().__init__(message.msgid)
        self.message = message


def bad(msgid: str, **params: object) -> BadValue:
    return BadValue(Message(msgid, params))


def clean_text(value: object) -> str:
    """Free text (names, addresses, goods names): trimmed, internal line breaks kept as spaces.

    Not NFKC-normalised: a goods name must stay exactly as the platform sent it in its own
    order message, full-width brackets included.
    """
    if value is None:
        return ""
    s = _scalar_text(value)
    return " ".join(s.replace("\u3000", " ").split())


def clean_code(value: object) -> str:
    """Codes, numbers and IDs: NFKC (full-width digits and letters), no spaces at all.

    Raises BadValue when Excel has turned a long number into a float or scientific notation.
    """
    if value is None:
        return ""
    if isinstance(value, float):
        return _float_code(value)
    s: str = value if isinstance(value, str) else _scalar_text(value)
    if not s.isascii():  # ASCII is its own NFKC form
        s = unicodedata.normalize("NFKC", s)
    if not s.isalnum():
        s = "".join(s.split())
    if ("e" in s or "E" in s) and _SCIENTIFIC.match(s):
        raise bad(MSG_EXCEL_NUMBER, shown=s)
    if s.endswith(".0") and s[:-2].isdigit():
        s = s[:-2]  # "3304990000.0" from a CSV written by a script
    return s


def _float_code(value: float) -> str:
    if value != value or value in (float("inf"), float("-inf")):
        raise bad(MSG_NOT_A_NUMBER)
    if abs(value) < 1e15:
        return str(int(value)) if value.is_integer() else repr(value)
    # 16+ digits: Excel keeps 15 significant digits, the rest are already gone.
    raise bad(MSG_EXCEL_NUMBER, shown=f"{value:.5E}")


def _scalar_text(value: object) -> str:
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value).strip()


def parse_decimal(value: object, field_unit: str | None = None,
                  column_unit: str | None = None) -> Decimal | None:
    """A Decimal with at most 5 places from a cell, or None for an empty cell.

    Accepts "¥1,234.50", "12.5元", "RMB 30", "1.5kg", "500g". `field_unit` is the unit the
    field is stored in ("kg" or "yuan"); a unit written in the cell ("500g") or else
    `column_unit` (from the header or the mapping: "g", "fen") is converted to it.
    Excel float noise (0.30000000000000004) is rounded to 5 places; typed text with more
    places is refused rather than silently rounded.
    """
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise bad(MSG_NOT_A_NUMBER)
    if isinstance(value, int | float):
        if isinstance(value, float) and (value != value or abs(value) == float("inf")):
            raise bad(MSG_NOT_A_NUMBER)
        d = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
        if _places(d) > DECIMAL_PLACES:
            d = d.quantize(QUANTUM, rounding=ROUND_HALF_EVEN)
        return _check_range(_convert(d, column_unit, field_unit))
    s = unicodedata.normalize("NFKC", str(value)).strip().casefold().replace(" ", "")
    if not s:
        return None
    for word in _CURRENCY_WORDS:
        s = s.replace(word, "")
    unit = column_unit
    for word, wunit in sorted(_WEIGHT_WORDS.items(), key=lambda kv: -len(kv[0])):
        if s.endswith(word) and s[: -len(word)][-1:].isdigit():
            s, unit = s[: -len(word)], wunit
            break
    if _THOUSANDS.match(s):
        s = s.replace(",", "")
    if not re.fullmatch(r"[+-]?(\d+(\.\d*)?|\.\d+)", s):
        raise bad(MSG_NOT_A_NUMBER)
    try:
        d = Decimal(s)
    except InvalidOperation as exc:
        raise bad(MSG_NOT_A_NUMBER) from exc
    d = _convert(d, unit, field_unit)
    if _places(d) > DECIMAL_PLACES:
        raise bad(MSG_TOO_MANY_DECIMALS, places=DECIMAL_PLACES)
    return _check_range(d)


def _places(d: Decimal) -> int:
    exponent = d.as_tuple().exponent
    return -exponent if isinstance(exponent, int) and exponent < 0 else 0


def _convert(d: Decimal, unit: str | None, field_unit: str | None) -> Decimal:
    """Grams to kilograms, fen to yuan; exact (Decimal division by powers of ten)."""
    if field_unit == "kg" and unit == "g":
        d = d / 1000
    elif field_unit == "yuan" and unit == "fen":
        d = d / 100
    else:
        return d
    return d.normalize() if _places(d.normalize()) <= DECIMAL_PLACES else d


def _check_range(d: Decimal) -> Decimal:
    if abs(d) >= _MAX_DECIMAL:
        raise bad(MSG_NOT_A_NUMBER)
    return d


def parse_int(value: object) -> int | None:
    d = parse_decimal(value)
    if d is None:
        return None
    if d != d.to_integral_value():
        raise bad(MSG_NOT_WHOLE)
    return int(d)


_DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y%m%d", "%Y年%m月%d日", "%d/%m/%Y")
_TIME_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y/%m/%d %H:%M:%S", "%Y/%m/%d %H:%M",
                 "%Y%m%d%H%M%S", "%Y-%m-%dT%H:%M:%S", "%Y.%m.%d %H:%M:%S",
                 "%Y年%m月%d日 %H:%M:%S", "%Y年%m月%d日%H:%M:%S", "%Y-%m-%dT%H:%M:%S.%f")
_EXCEL_EPOCH = dt.datetime(1899, 12, 30)


def parse_date8(value: object) -> str | None:
    """YYYYMMDD from a date cell, an Excel serial number or the usual written forms."""
    when = _parse_when(value, _DATE_FORMATS + _TIME_FORMATS, MSG_NOT_A_DATE)
    return when.strftime("%Y%m%d") if when else None


def parse_time14(value: object) -> str | None:
    """YYYYMMDDhhmmss from a date-time cell, a serial number or the usual written forms."""
    when = _parse_when(value, _TIME_FORMATS + _DATE_FORMATS, MSG_NOT_A_TIME)
    return when.strftime("%Y%m%d%H%M%S") if when else None


def _parse_when(value: object, formats: tuple[str, ...], msg: str) -> dt.datetime | None:
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value
    if isinstance(value, dt.date):
        return dt.datetime(value.year, value.month, value.day)
    if isinstance(value, int | float) and not isinstance(value, bool):
        if float(value).is_integer() and 19000101 <= value <= 99991231:
            value = str(int(value))  # 20240501 typed into a number cell
        elif 1 <= value < 2958466:  # Excel serial day numbers up to 9999-12-31
            return _EXCEL_EPOCH + dt.timedelta(days=float(value))
        else:
            raise bad(msg)
    s = unicodedata.normalize("NFKC", str(value)).strip()
    if s.endswith("Z"):
        s = s[:-1]
    for fmt in formats:
        try:
            when = dt.datetime.strptime(s, fmt)
        except ValueError:
            continue
        if 1900 <= when.year <= 9999:
            return when
    raise bad(msg)
