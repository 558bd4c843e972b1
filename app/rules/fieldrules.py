"""REQUIRED, TOO_LONG and BAD_FORMAT: driven by the FieldSpec metadata (XSD lengths, kinds,
minOccurs) plus the fixed values and trade-mode requirements of the CEB spec."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from app.domain.fields import HEAD_FIELDS, ITEM_FIELDS, FieldSpec
from app.i18n import N_
from app.rules.context import CheckContext, Record, dec, gnum_of, is_import, items_of, label, text
from app.rules.problem import Problem, RuleCode, error

# Filled by ClearDesk when the message is built, so not the clerk's concern before batching.
GENERATED_AT_SUBMISSION = frozenset({"guid", "appType", "appTime", "appStatus", "declTime",
                                     "gnum"})
# Required by trade mode (spec §2.5). 9610 transport data only once the parcel is batched.
TRADE_MODE_HEAD = {"9610": ("trafNo", "voyageNo", "billNo"),
                   "1210": ("emsNo", "areaCode", "areaName")}
TRADE_MODE_ITEM = {"1210": ("itemRecordNo",)}
# Fixed values (import): name → (value, message)
FIXED_IMPORT_HEAD = {"packNo": "1", "currency": "142", "buyerIdType": "1", "ieFlag": "I"}
FIXED_IMPORT_ITEM = {"currency": "142"}
_GUID = re.compile(r"^[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}$")
_GCODE = re.compile(r"^\d{10}$")
MAX_INT_DIGITS = 14  # N19,5
MAX_DECIMALS = 5


@dataclass(frozen=True)
class _Check:
    spec: FieldSpec
    required: bool


def _plan(fields: tuple[FieldSpec, ...], imp: bool) -> tuple[_Check, ...]:
    plan = []
    for spec in fields:
        if not (spec.in_i if imp else spec.in_e):
            continue
        req = (spec.required_i if imp else spec.required_e)
        plan.append(_Check(spec, req and spec.name not in GENERATED_AT_SUBMISSION))
    return tuple(plan)


_HEAD_PLAN = {True: _plan(HEAD_FIELDS, True), False: _plan(HEAD_FIELDS, False)}
_ITEM_PLAN = {True: _plan(ITEM_FIELDS, True), False: _plan(ITEM_FIELDS, False)}


def _number_problem(value: Decimal) -> bool:
    sign, digits, exponent = value.as_tuple()
    assert isinstance(exponent, int)
    decimals = -exponent if exponent < 0 else 0
    integer_digits = len(digits) - decimals if exponent < 0 else len(digits) + exponent
    return bool(sign) or decimals > MAX_DECIMALS or integer_digits > MAX_INT_DIGITS


def _date_ok(value: str, fmt: str) -> bool:
    try:
        datetime.strptime(value, fmt)
    except ValueError:
        return False
    return True


def _field(check: _Check, raw: object, scope: str, gnum: int | None) -> Iterator[Problem]:
    spec = check.spec
    value = text(raw)
    if not value:
        if check.required:
            yield error(RuleCode.REQUIRED, spec.name, N_("{field} is required."), gnum,
                        field=label(spec.name, scope))
        return
    kind = spec.kind
    if kind == "str":
        limit = spec.max_len or spec.length
        if limit is not None and len(value) > limit:
            yield error(RuleCode.TOO_LONG, spec.name,
                        N_("{field} is {length} characters long; at most {limit} allowed."),
                        gnum, field=label(spec.name, scope), length=len(value), limit=limit)
        elif spec.length is not None and len(value) != spec.length:
            yield error(RuleCode.BAD_FORMAT, spec.name,
                        N_("{field} must be exactly {limit} characters."), gnum,
                        field=label(spec.name, scope), limit=spec.length)
        return
    if kind == "dec":
        number = dec(raw)
        if number is None or _number_problem(number):
            yield error(RuleCode.BAD_FORMAT, spec.name,
                        N_("{field} must be a non-negative number with at most 14 digits "
                           "before and 5 after the decimal point (got {value})."),
                        gnum, field=label(spec.name, scope), value=value)
    elif kind == "int":
        if not value.isdigit() or len(value) > 9:
            yield error(RuleCode.BAD_FORMAT, spec.name, N_("{field} must be a whole number "
                        "(got {value})."), gnum, field=label(spec.name, scope), value=value)
    elif kind == "date8":
        if len(value) != 8 or not value.isdigit() or not _date_ok(value, "%Y%m%d"):
            yield error(RuleCode.BAD_FORMAT, spec.name, N_("{field} must be a date YYYYMMDD "
                        "(got {value})."), gnum, field=label(spec.name, scope), value=value)
    elif kind == "time14" and (len(value) != 14 or not value.isdigit()
                               or not _date_ok(value, "%Y%m%d%H%M%S")):
        yield error(RuleCode.BAD_FORMAT, spec.name, N_("{field} must be a time "
                    "YYYYMMDDhhmmss (got {value})."), gnum, field=label(spec.name, scope),
                    value=value)


def _fixed(name: str, expected: str, raw: object, scope: str,
           gnum: int | None) -> Iterator[Problem]:
    value = text(raw)
    if value and value != expected:
        yield error(RuleCode.BAD_FORMAT, name, N_("{field} must be {expected} (got {value})."),
                    gnum, field=label(name, scope), expected=expected, value=value)


def check_fields(record: Record, ctx: CheckContext) -> Iterator[Problem]:
    """REQUIRED / TOO_LONG / BAD_FORMAT for every head and item field."""
    imp = is_import(record)
    get = record.get
    for check in _HEAD_PLAN[imp]:
        raw = get(check.spec.name)
        if raw is None and not check.required:
            continue
        yield from _field(check, raw, "head", None)
    for index, item in enumerate(items_of(record)):
        gnum = gnum_of(item, index)
        iget = item.get
        for check in _ITEM_PLAN[imp]:
            raw = iget(check.spec.name)
            if raw is None and not check.required:
                continue
            yield from _field(check, raw, "item", gnum)
        gcode = text(iget("gcode"))
        if gcode and len(gcode) == 10 and not _GCODE.match(gcode):
            yield error(RuleCode.BAD_FORMAT, "gcode", N_("{field} must be 10 digits (got "
                        "{value})."), gnum, field=label("gcode", "item"), value=gcode)
        has_unit2, has_qty2 = bool(text(iget("unit2"))), dec(iget("qty2"))
        if has_unit2 != (has_qty2 is not None and has_qty2 > 0):
            yield error(RuleCode.BAD_FORMAT, "qty2", N_("Second quantity and second unit must "
                        "both be given (quantity above 0) or both be empty."), gnum)
        if imp:
            for name, expected in FIXED_IMPORT_ITEM.items():
                yield from _fixed(name, expected, iget(name), "item", gnum)
    if not imp:
        return
    for name, expected in FIXED_IMPORT_HEAD.items():
        yield from _fixed(name, expected, get(name), "head", None)
    guid = text(get("guid"))
    if guid and not _GUID.match(guid):
        yield error(RuleCode.BAD_FORMAT, "guid", N_("{field} must be an upper-case UUID."),
                    field=label("guid"))


def check_trade_mode_fields(record: Record, ctx: CheckContext) -> Iterator[Problem]:
    """Fields a trade mode requires beyond the XSD (9610 transport data once batched; 1210
    account book, zone enterprise and item record numbers)."""
    mode = text(record.get("tradeMode"))
    if not is_import(record) or mode not in TRADE_MODE_HEAD:
        return
    if mode == "9610" and not record.get("batchId"):
        return
    for name in TRADE_MODE_HEAD[mode]:
        if not text(record.get(name)):
            yield error(RuleCode.REQUIRED, name, N_("{field} is required for trade mode "
                        "{mode}."), field=label(name), mode=mode)
    for index, item in enumerate(items_of(record)):
        for name in TRADE_MODE_ITEM.get(mode, ()):
            if not text(item.get(name)):
                yield error(RuleCode.REQUIRED, name, N_("{field} is required for trade mode "
                            "{mode}."), gnum_of(item, index), field=label(name, "item"),
                            mode=mode)


def check_no_items(record: Record, ctx: CheckContext) -> Iterator[Problem]:
    if not items_of(record):
        yield error(RuleCode.REQUIRED, "gnum", N_("The declaration has no items."))
