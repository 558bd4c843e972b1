"""REQUIRED, TOO_LONG and BAD_FORMAT: driven by the FieldSpec metadata (XSD lengths, kinds,
minOccurs) plus the fixed values and trade-mode requirements of the CEB spec."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from functools import lru_cache, partial
from typing import Any

from app.domain.fields import HEAD_FIELDS, ITEM_FIELDS, FieldSpec
from app.i18n import N_
from app.rules.coderules import missing_legal_quantity
from app.rules.context import (
    CheckContext,
    Chunk,
    Record,
    columns,
    dec,
    gnum_of,
    is_import,
    items_of,
    items_with_owners,
    label,
    text,
)
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
MAX_INT_DIGITS = 14  # N19,5
MAX_DECIMALS = 5


@dataclass(frozen=True)
class _Check:
    spec: FieldSpec
    required: bool
    name: str = ""
    kind: str = ""
    limit: int = 0  # max characters (str fields), 0 = unlimited
    exact: int = 0  # exact length (Cn fields), 0 = any

    @classmethod
    def of(cls, spec: FieldSpec, required: bool) -> _Check:
        return cls(spec, required, spec.name, spec.kind, spec.max_len or spec.length or 0,
                   spec.length or 0)


def _plan(fields: tuple[FieldSpec, ...], imp: bool) -> tuple[_Check, ...]:
    plan = []
    for spec in fields:
        if not (spec.in_i if imp else spec.in_e):
            continue
        req = (spec.required_i if imp else spec.required_e)
        plan.append(_Check.of(spec, req and spec.name not in GENERATED_AT_SUBMISSION))
    return tuple(plan)


# Rows unpacked in the hot loop: (name, kind, limit, exact, required, check).
_Row = tuple[str, str, int, int, bool, _Check]


def _rows(plan: tuple[_Check, ...]) -> tuple[_Row, ...]:
    return tuple((c.name, c.kind, c.limit, c.exact, c.required, c) for c in plan)


_HEAD_PLAN = {imp: _rows(_plan(HEAD_FIELDS, imp)) for imp in (True, False)}
_ITEM_PLAN = {imp: _rows(_plan(ITEM_FIELDS, imp)) for imp in (True, False)}


def _number_problem(value: Decimal) -> bool:
    sign, digits, exponent = value.as_tuple()
    assert isinstance(exponent, int)
    decimals = -exponent if exponent < 0 else 0
    integer_digits = len(digits) - decimals if exponent < 0 else len(digits) + exponent
    return bool(sign) or decimals > MAX_DECIMALS or integer_digits > MAX_INT_DIGITS


@lru_cache(maxsize=4096)  # declaration dates repeat across a run
def _date_ok(value: str) -> bool:
    """YYYYMMDD or YYYYMMDDhhmmss (digits already checked) is a real calendar moment."""
    try:
        parts = [int(value[:4])] + [int(value[i:i + 2]) for i in range(4, len(value), 2)]
        datetime(*parts)  # type: ignore[arg-type]  # 3 or 6 ints: y m d [h m s]
    except ValueError:
        return False
    return True


_MAX_NUMBER = Decimal(10) ** MAX_INT_DIGITS
_QUANTUM = Decimal(1).scaleb(-MAX_DECIMALS)  # 0.00001: what loaders build from scaled ints
_ZERO = Decimal(0)


@lru_cache(maxsize=8192)
def _required(name: str, scope: str, gnum: int | None) -> Problem:
    """The REQUIRED problem of an empty field: the same for every record (problems are
    immutable, so records share it; a run without the office's codes has a dozen a parcel)."""
    return error(RuleCode.REQUIRED, name, N_("{field} is required."), gnum,
                 field=label(name, scope))


def _field(check: _Check, raw: object, scope: str, gnum: int | None) -> Iterator[Problem]:
    spec = check.spec
    value = text(raw)
    if not value:
        if check.required:
            yield _required(spec.name, scope, gnum)
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
        if len(value) != 8 or not value.isdigit() or not _date_ok(value):
            yield error(RuleCode.BAD_FORMAT, spec.name, N_("{field} must be a date YYYYMMDD "
                        "(got {value})."), gnum, field=label(spec.name, scope), value=value)
    elif kind == "time14" and (len(value) != 14 or not value.isdigit()
                               or not _date_ok(value)):
        yield error(RuleCode.BAD_FORMAT, spec.name, N_("{field} must be a time "
                    "YYYYMMDDhhmmss (got {value})."), gnum, field=label(spec.name, scope),
                    value=value)


def _fixed(name: str, expected: str, raw: object, scope: str,
           gnum: int | None) -> Iterator[Problem]:
    value = text(raw)
    if value and value != expected:
        yield error(RuleCode.BAD_FORMAT, name, N_("{field} must be {expected} (got {value})."),
                    gnum, field=label(name, scope), expected=expected, value=value)


def _scan(plan: tuple[_Row, ...], get: Callable[[str], object], scope: str,
          gnum: int | None) -> Iterator[Problem]:
    # Inlined fast path: most values are fine, so only a bad one pays for _field().
    for name, kind, limit, exact, required, check in plan:
        raw = get(name)
        if raw is None:
            if required:
                yield _required(name, scope, gnum)
            continue
        cls = type(raw)
        if cls is str:
            if (kind == "str" and raw and (not limit or len(raw) <= limit)  # type: ignore[arg-type]
                    and (not exact or len(raw) == exact)  # type: ignore[arg-type]
                    and not raw[0].isspace() and not raw[-1].isspace()):  # type: ignore[index]
                continue
        elif cls is Decimal:
            if (kind == "dec" and raw.is_finite()  # type: ignore[attr-defined]
                    and _ZERO <= raw < _MAX_NUMBER):  # type: ignore[operator]
                # Loaded amounts all have exactly 5 places: same_quantum says so without
                # building as_tuple()'s digit tuple.
                if raw.same_quantum(_QUANTUM):  # type: ignore[attr-defined]
                    continue
                exponent = raw.as_tuple().exponent  # type: ignore[attr-defined]
                if isinstance(exponent, int) and exponent >= -MAX_DECIMALS:
                    continue
        elif cls is int and kind == "int" and 0 <= raw < 10**9:  # type: ignore[operator]
            continue
        yield from _field(check, raw, scope, gnum)


_COLUMN_TYPES: dict[str, type] = {"str": str, "dec": Decimal, "int": int}
_NONE = type(None)


def _column_fine(values: Sequence[object], kind: str, limit: int, exact: int,
                 required: bool) -> bool:
    """True when `_scan` can find nothing in any of `values` (one field of many records),
    decided with a few passes of C builtins; False means "look at each value"."""
    want = _COLUMN_TYPES.get(kind)
    if want is None:  # dates and times: always looked at value by value
        return False
    types = set(map(type, values))
    some_none = _NONE in types  # (cheaper than `None in values`: no comparisons)
    if some_none:
        if required:
            return False
        types.discard(_NONE)
        if not types:
            return True
    if types != {want}:
        return False
    if kind == "str":
        present: Sequence[Any] = list(filter(None, values))  # None and "" (not required: fine)
        if required and len(present) != len(values):
            return False
        if not present:
            return True
        if limit or exact:
            lengths = list(map(len, present))
            if limit and max(lengths) > limit:
                return False
            if exact and not min(lengths) == max(lengths) == exact:
                return False
        # strip() hands back the very same string when there is nothing to strip
        return list(map(str.strip, present)) == present
    present = [v for v in values if v is not None] if some_none else values
    try:
        low, high = min(present), max(present)  # type: ignore[type-var]
        if kind == "int":
            return bool(low >= 0 and high < 10**9)
        return bool(low >= _ZERO and high < _MAX_NUMBER
                    and all(map(_QUANTUM.same_quantum, present)))
    except ArithmeticError:  # a NaN
        return False


def _bad_positions(values: Sequence[object], row: _Row, scope: str) -> list[int]:
    """Positions of `values` where `_scan` finds something, each distinct value scanned
    once."""
    plan, name = (row,), row[0]
    verdicts: dict[tuple[type, object], bool] = {}
    bad = []
    for position, value in enumerate(values):
        key = (type(value), value)
        try:
            fine = verdicts.get(key)
        except TypeError:  # unhashable (not from the database)
            fine = key = None  # type: ignore[assignment]
        if fine is None:
            fine = next(_scan(plan, {name: value}.get, scope, None), None) is None
            if key is not None:
                verdicts[key] = fine
        if not fine:
            bad.append(position)
    return bad


# The fields of one record where the per-field scan finds something: (head rows, the rows of
# each of its items in order); the scan of these alone finds what the whole scan finds.
ScanPlan = tuple[tuple[_Row, ...], list[tuple[_Row, ...]]]


@dataclass(frozen=True)
class FieldScreen:
    """Which records of a chunk `check_fields` may find something in: `scan` those where the
    per-field scan does (they need `check_fields`, and it need scan only the fields named),
    `extras` those where only the rest may (`check_field_extras` suffices). Any other record:
    nothing to find."""

    scan: dict[int, ScanPlan]
    extras: set[int]


def _within(owners: Sequence[int]) -> list[int]:
    """For items listed with their owners' indices: each item's position in its record."""
    positions: list[int] = []
    previous, k = None, 0
    for owner in owners:
        k = k + 1 if owner == previous else 0
        previous = owner
        positions.append(k)
    return positions


def screen_fields(chunk: Chunk) -> FieldScreen:
    """Decide `FieldScreen` field by field over all the records at once."""
    heads: dict[int, list[_Row]] = {}
    bad_items: dict[int, dict[int, list[_Row]]] = {}
    extras: set[int] = set()
    records = chunk.records
    for imp in (True, False):
        chosen = [i for i, r in enumerate(records) if is_import(r) is imp]
        if not chosen:
            continue
        if len(chosen) == len(records):  # the usual chunk: all import (or all export)
            owners, head_values, item_values = chunk.owners, chunk.heads, chunk.item_values
        else:
            owners, items = items_with_owners(records, chosen)
            head_values = partial(columns, [records[i] for i in chosen])
            item_values = partial(columns, items)
        plan = _HEAD_PLAN[imp]
        for row, values in zip(plan, head_values([r[0] for r in plan]), strict=True):
            if not _column_fine(values, row[1], row[2], row[3], row[4]):
                for p in _bad_positions(values, row, "head"):
                    heads.setdefault(chosen[p], []).append(row)
        plan = _ITEM_PLAN[imp]
        within = None
        for row, values in zip(plan, item_values([r[0] for r in plan]), strict=True):
            if not _column_fine(values, row[1], row[2], row[3], row[4]):
                within = within or _within(owners)
                for p in _bad_positions(values, row, "item"):
                    bad_items.setdefault(owners[p], {}).setdefault(within[p], []).append(row)
        extras.update(owners[p] for p in _item_extras(item_values, imp))
        if imp:
            extras.update(chosen[p] for p in _head_extras(head_values))
    scan: dict[int, ScanPlan] = {}
    for index in sorted({*heads, *bad_items}):
        bad = bad_items.get(index, {})
        scan[index] = (tuple(heads.get(index, ())),
                       [tuple(bad.get(k, ())) for k in range(len(items_of(records[index])))])
    extras.difference_update(scan)
    return FieldScreen(scan, extras)


ColumnsOf = Callable[[Sequence[str]], list[Sequence[object]]]


def _item_extras(values_of: ColumnsOf, imp: bool) -> Iterator[int]:
    """Positions of the items where `_fields(scan=False)` may find something."""
    gcodes, units2, qtys2 = values_of(("gcode", "unit2", "qty2"))
    for p, (gcode, unit2, qty2) in enumerate(zip(gcodes, units2, qtys2, strict=True)):
        if ((type(gcode) is str and len(gcode) == 10 and not gcode.isdigit())
                or ((unit2 or qty2 is not None) and _units2_disagree(unit2, qty2))):
            yield p
    if imp:
        for name, expected in FIXED_IMPORT_ITEM.items():
            yield from _not_fixed(values_of((name,))[0], expected, as_text=False)


def _units2_disagree(unit2: object, qty2: object) -> bool:
    """Second unit without a second quantity above 0, or the other way round."""
    number = dec(qty2)
    return bool(text(unit2)) != (number is not None and number > 0)


def _head_extras(values_of: ColumnsOf) -> Iterator[int]:
    names = (*FIXED_IMPORT_HEAD, "guid")
    for name, values in zip(names, values_of(names), strict=True):
        expected = FIXED_IMPORT_HEAD.get(name)
        if expected is None:  # guid
            yield from (p for p, v in enumerate(values) if v)
        else:
            yield from _not_fixed(values, expected, as_text=True)


def _not_fixed(values: Sequence[object], expected: str, *, as_text: bool) -> Iterator[int]:
    """Positions of values neither empty (None) nor `expected` (nor, `as_text`, a value
    whose str() is `expected`, like the number 1 for "1")."""
    try:
        odd = set(values) - {None, expected}
    except TypeError:  # unhashable (not from the database)
        odd = None
    if odd is not None and as_text:
        odd = {v for v in odd if str(v) != expected}
    if odd is not None and not odd:
        return
    yield from (p for p, v in enumerate(values) if v is not None and v != expected
                and not (as_text and str(v) == expected))


def check_fields(record: Record, ctx: CheckContext) -> Iterator[Problem]:
    """REQUIRED / TOO_LONG / BAD_FORMAT for every head and item field."""
    return _fields(record, scan=True, ctx=ctx)


def check_field_extras(record: Record, ctx: CheckContext) -> Iterator[Problem]:
    """What `check_fields` finds besides the per-field scan (digits of `gcode`, second unit and
    quantity together, fixed values, `guid`): all it can find in a record `screen_fields`
    cleared."""
    return _fields(record, scan=False)


def check_screened_fields(plans: Mapping[int, ScanPlan], record: Record,
                          ctx: CheckContext) -> Iterator[Problem]:
    """`check_fields` for a record of a chunk `screen_fields` flagged, scanning only the fields
    it found something in (`plans` by the record's `id()`): the same problems."""
    return _fields(record, scan=True, ctx=ctx, plan=plans[id(record)])


def _fields(record: Record, *, scan: bool, ctx: CheckContext | None = None,
            plan: ScanPlan | None = None) -> Iterator[Problem]:
    imp = is_import(record)
    get = record.get
    if plan is None:
        head_plan, item_plans = _HEAD_PLAN[imp], None
    else:
        head_plan, item_plans = plan
    if scan and head_plan:
        yield from _scan(head_plan, get, "head", None)
    item_plan = _ITEM_PLAN[imp]
    for index, item in enumerate(items_of(record)):
        gnum = gnum_of(item, index)
        iget = item.get
        if item_plans is not None:
            item_plan = item_plans[index]
        if scan and item_plan:
            for problem in _scan(item_plan, iget, "item", gnum):
                if (ctx is not None and problem.field == "qty1"
                        and problem.code is RuleCode.REQUIRED):
                    # Say which legal quantity, and what to record to get it.
                    problem = missing_legal_quantity(item, ctx, gnum)
                yield problem
        gcode = iget("gcode")
        if type(gcode) is str and len(gcode) == 10 and not gcode.isdigit():
            yield error(RuleCode.BAD_FORMAT, "gcode", N_("{field} must be 10 digits (got "
                        "{value})."), gnum, field=label("gcode", "item"), value=gcode)
        unit2, qty2 = iget("unit2"), iget("qty2")
        if (unit2 or qty2 is not None) and _units2_disagree(unit2, qty2):
            yield error(RuleCode.BAD_FORMAT, "qty2", N_("Second quantity and second unit "
                        "must both be given (quantity above 0) or both be empty."), gnum)
        if imp:
            for name, expected in FIXED_IMPORT_ITEM.items():
                value = iget(name)
                if value is not None and value != expected:
                    yield from _fixed(name, expected, value, "item", gnum)
    if not imp:
        return
    for name, expected in FIXED_IMPORT_HEAD.items():
        value = get(name)
        if value is not None and value != expected and str(value) != expected:
            yield from _fixed(name, expected, value, "head", None)
    guid = get("guid")
    if guid and not _GUID.match(text(guid)):
        yield error(RuleCode.BAD_FORMAT, "guid", N_("{field} must be an upper-case UUID."),
                    field=label("guid"))


def check_trade_mode_fields(record: Record, ctx: CheckContext) -> Iterator[Problem]:
    """Fields a trade mode requires beyond the XSD (9610 transport data once batched; 1210
    account book, zone enterprise and item record numbers)."""
    mode = text(record.get("tradeMode"))
    if not is_import(record) or mode not in TRADE_MODE_HEAD:
        return
    if mode == "1210" and text(record.get("country")) not in ("", "142"):
        yield error(RuleCode.BAD_FORMAT, "country", N_("{field} must be {expected} for trade "
                    "mode {mode} (got {value})."), field=label("country"), expected="142",
                    mode=mode, value=text(record.get("country")))
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


def screen_no_items(chunk: Chunk, ctx: CheckContext) -> set[int]:
    return {i for i, r in enumerate(chunk.records) if not items_of(r)}


def screen_trade_mode_fields(chunk: Chunk, ctx: CheckContext) -> set[int]:
    """Records `check_trade_mode_fields` may find something in: a trade mode with extra
    requirements (9610 only once batched)."""
    modes: dict[tuple[type, object], str] = {}
    suspects = set()
    for i, (raw, batch) in enumerate(zip(*chunk.heads(("tradeMode", "batchId")), strict=True)):
        key = (type(raw), raw)
        try:
            mode = modes[key]
        except KeyError:
            mode = modes[key] = text(raw)
        except TypeError:
            mode = text(raw)
        if mode in TRADE_MODE_HEAD and (mode != "9610" or batch):
            suspects.add(i)
    return suspects
