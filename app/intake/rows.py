"""Turning one raw row into typed head and item values, with row errors for bad cells."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal
from typing import Any

from app.domain.errors import ValidationError
from app.domain.fields import FieldSpec
from app.i18n import N_, Message
from app.intake.codes import CODE_TABLE_OF, CodeLookup, no_lookup
from app.intake.headers import ADDRESS_PART, spec_of
from app.intake.mapping import MONEY_FIELDS, WEIGHT_FIELDS, ColumnPlan
from app.intake.rowerrors import RowError, cell_text
from app.intake.values import (
    MSG_TOO_LONG,
    BadValue,
    clean_code,
    clean_text,
    parse_date8,
    parse_decimal,
    parse_int,
    parse_time14,
)

Value = str | Decimal | int

MSG_UNKNOWN_CODE = N_("Unknown {table} “{value}”: use the code or a name from the code table")
MSG_NO_KEY = N_("Missing order number and waybill number")
MSG_NO_GOODS = N_("No goods on this row (goods name, HS code or SKU)")
MSG_BAD_DEFAULT = N_("The default for {field} is invalid: {reason}.")
TABLE_LABELS: dict[str, str] = {
    "unit": N_("unit of measure"), "country": N_("country"), "currency": N_("currency"),
    "tradeMode": N_("trade mode"), "trafMode": N_("transport mode"),
    "wrapType": N_("wrap type"), "idType": N_("ID type"),
}

# Free text keeps its exact characters (it must match the platform's own messages);
# everything else is a code, number or identifier and is NFKC-normalised without spaces.
TEXT_FIELDS = frozenset({"gname", "gmodel", "itemName", "note", "item.note", "consigneeAddress",
                         "consignee", "buyerName", "payerName", "trafName"})

# Filled when neither the file, the mapping defaults nor the broker settings give them.
FIXED_DEFAULTS: dict[str, Value] = {"ieFlag": "I", "buyerIdType": "1", "currency": "142",
                                    "packNo": 1, "appType": "1"}
FIXED_ITEM_DEFAULTS: dict[str, Value] = {"currency": "142"}
# The same for an export file (CEB603): no buyer ID; freight and insurance given as totals
# (flag 3) in RMB; simplified declaration (statisticsFlag A) unless the mapping says B
# (汇总申报, for the monthly summary); a line without a barcode says so (“无”, as CEB603 asks).
EXPORT_FIXED_DEFAULTS: dict[str, Value] = {
    "ieFlag": "E", "currency": "142", "packNo": 1, "appType": "1", "statisticsFlag": "A",
    "fCurrency": "142", "fFlag": "3", "iCurrency": "142", "iFlag": "3"}
EXPORT_FIXED_ITEM_DEFAULTS: dict[str, Value] = {"currency": "142", "barCode": "无"}
# Export head fields taken from another field of the row when the file has none:
# the internal number is the order number, the owner (生产销售单位) the e-commerce company.
EXPORT_DERIVED: dict[str, str] = {"copNo": "orderNo", "ownerCode": "ebcCode",
                                  "ownerName": "ebcName"}
# Head fields filled only when the file has no column for them, from the office setting named
# (else the value given): an empty cell in a column the file has stays empty, so the
# pre-check reports it. Mirrors app.services.settings.IMPORT_DEFAULT_KEYS (CEB: "无则填0").
ABSENT_COLUMN_DEFAULTS: dict[str, tuple[str, str]] = {
    "freight": ("defaultFreight", "0"), "insuredFee": ("defaultInsuredFee", "0")}

_SUMMARY_WORDS = ("合计", "总计", "小计", "total")
_MISSING: Any = object()
_EMPTY: Any = object()  # a cell that converts to nothing (empty after cleaning)


class NormalisedRow:
    """A row's typed values. `columns` tells which header each field came from (for errors);
    `raw` keeps the cells as read, for "Save rejected rows…"."""

    __slots__ = ("columns", "errors", "head", "item", "key", "raw", "row", "skipped")

    def __init__(self, row: int, raw: Sequence[object] = (),
                 columns: dict[str, str] | None = None) -> None:
        self.row = row
        self.raw = raw
        self.columns: dict[str, str] = {} if columns is None else columns
        self.head: dict[str, Value] = {}
        self.item: dict[str, Value] = {}
        self.errors: list[RowError] = []
        self.skipped = False
        # The declaration this row belongs to (platform + order number, else the waybill);
        # set by the normaliser once the row is complete.
        self.key: str | None = None


def row_key(head: Mapping[str, Value]) -> str | None:
    order = head.get("orderNo")
    if order:
        return f"o\x1f{head.get('ebpCode', '')}\x1f{order}"
    waybill = head.get("logisticsNo")
    return f"w\x1f{waybill}" if waybill else None


def is_text_field(target: str) -> bool:
    return target in TEXT_FIELDS or target.endswith("Name")


class _Column:
    """One mapped column, with a cache of converted values for columns that repeat them
    and, for the others, the last cell converted (the rows of one order repeat it)."""

    __slots__ = ("cache", "convert", "header", "index", "is_item", "last_raw", "last_value",
                 "misses", "name", "target", "unit")

    def __init__(self, index: int, target: str, header: str, unit: str | None) -> None:
        self.index = index
        self.target = target
        self.header = header
        self.unit = unit
        self.name = target.removeprefix("item.")
        self.is_item = target.startswith("item.") or _is_item(target)
        self.cache: dict[object, Any] | None = {}
        self.misses = 0
        self.convert: Callable[[object], Value | None] = lambda raw: None
        self.last_raw: object = _MISSING
        self.last_value: Any = None


_CACHE_PROBE = 2000
_CACHE_MAX = 20_000


class RowNormaliser:
    """Applies a ColumnPlan to raw rows.

    `defaults` (from the mapping) and `settings` (the broker's own codes) fill fields the file
    leaves empty, in that order of precedence. `direction` "E" reads an export file: ieFlag
    "E" on every row and the export defaults (EXPORT_FIXED_DEFAULTS, EXPORT_DERIVED, ieDate
    `today`). Raises ValidationError at construction when a default value itself is invalid.
    """

    def __init__(self, plan: ColumnPlan, lookup: CodeLookup = no_lookup,
                 defaults: Mapping[str, Any] | None = None,
                 settings: Mapping[str, Any] | None = None, *, direction: str = "I",
                 today: str | None = None) -> None:
        self.plan = plan
        self.direction = "E" if direction == "E" else "I"
        self.lookup = lookup
        self._columns = [_Column(i, t, plan.headers[i], plan.units[i])
                         for i, t in enumerate(plan.targets) if t and t != ADDRESS_PART]
        self._address_parts = [i for i, t in enumerate(plan.targets) if t == ADDRESS_PART]
        self._rows = 0
        for col in self._columns:
            col.convert = self.converter(col.target, col.unit)
        names = [c.target for c in self._columns]
        # (index, field, is item, several columns feed it, column) — read once per cell.
        self._fast = [(c.index, c.name, c.is_item, names.count(c.target) > 1, c)
                      for c in self._columns]
        # Which header each field came from, for error reports (first column feeding it).
        self._sources: dict[str, str] = {}
        for col in self._columns:
            self._sources.setdefault(col.target, col.header)
        fill: dict[str, Value] = {}
        fixed: dict[str, Value] = FIXED_DEFAULTS
        if self.direction == "E":
            fixed = {**EXPORT_FIXED_DEFAULTS, **({"ieDate": today} if today else {})}
        for source in (fixed, settings or {}, defaults or {}):
            for target, raw in source.items():
                if raw in (None, ""):
                    continue
                try:
                    spec_of(target)
                    value = self.parse(target, raw, None)
                except KeyError:
                    continue  # a broker setting that is no declaration field (exchangeDir …)
                except BadValue as exc:
                    raise ValidationError(MSG_BAD_DEFAULT, field=target,
                                          reason=exc.message) from exc
                if value not in (None, ""):
                    fill[target] = value
        # Fields without a column in this file, filled by their import default (see
        # ABSENT_COLUMN_DEFAULTS): {field: value}, for the import summary.
        self.absent_defaults: dict[str, Value] = {}
        mapped = set(plan.targets)
        for target, (key, fallback) in ABSENT_COLUMN_DEFAULTS.items():
            if target in mapped or target in fill:  # a column, or the mapping's own default
                continue
            raw = (settings or {}).get(key) or fallback
            try:
                value = self.parse(target, raw, None)
            except BadValue as exc:
                raise ValidationError(MSG_BAD_DEFAULT, field=target,
                                      reason=exc.message) from exc
            if value is not None and value != "":
                fill[target] = self.absent_defaults[target] = value
        self._head_fill = [(t, v) for t, v in fill.items()
                           if not (t.startswith("item.") or _is_item(t))]
        self._item_fill = [(t.removeprefix("item."), v) for t, v in fill.items()
                           if t.startswith("item.") or _is_item(t)]
        item_fixed = EXPORT_FIXED_ITEM_DEFAULTS if self.direction == "E" else FIXED_ITEM_DEFAULTS
        for name, value in item_fixed.items():
            if name not in dict(self._item_fill):
                self._item_fill.append((name, value))
        # The direction is the file's, whatever a column or a default says.
        self._head_fill = [(t, v) for t, v in self._head_fill if t != "ieFlag"]
        self._derived = tuple(EXPORT_DERIVED.items()) if self.direction == "E" else ()

    def converter(self, target: str, unit: str | None) -> Callable[[object], Value | None]:
        """A function parsing one cell for `target`, the same as `parse(target, raw, unit)`
        but with every per-field decision taken once per column."""
        spec = spec_of(target)
        name = target.removeprefix("item.")
        if spec.kind == "dec":
            field_unit = "kg" if name in WEIGHT_FIELDS else "yuan" if name in MONEY_FIELDS else None
            return lambda raw: parse_decimal(raw, field_unit, unit)
        if spec.kind == "int":
            return parse_int
        if spec.kind == "date8":
            return parse_date8
        if spec.kind == "time14":
            return parse_time14
        limit = max(spec.max_len or 0, spec.length or 0)
        if is_text_field(target):
            def text(raw: object) -> str:
                value = clean_text(raw)
                if limit and len(value) > limit:
                    raise BadValue(Message(MSG_TOO_LONG, {"max": limit}))
                return value

            return text
        upper = target == "buyerIdNumber"
        table = CODE_TABLE_OF.get(target)
        lookup = self._code

        def code(raw: object) -> str:
            value = clean_code(raw)
            if upper:
                value = value.upper()
            if table and value:
                value = lookup(table, value, spec)
            if limit and len(value) > limit:
                raise BadValue(Message(MSG_TOO_LONG, {"max": limit}))
            return value

        return code

    def parse(self, target: str, raw: object, unit: str | None) -> Value | None:
        """The typed value of one cell for `target`; raises BadValue."""
        spec = spec_of(target)
        name = target.removeprefix("item.")
        if spec.kind == "dec":
            field_unit = "kg" if name in WEIGHT_FIELDS else "yuan" if name in MONEY_FIELDS else None
            return parse_decimal(raw, field_unit, unit)
        if spec.kind == "int":
            return parse_int(raw)
        if spec.kind == "date8":
            return parse_date8(raw)
        if spec.kind == "time14":
            return parse_time14(raw)
        if is_text_field(target):
            text = clean_text(raw)
        else:
            text = clean_code(raw)
            if target == "buyerIdNumber":
                text = text.upper()
            table = CODE_TABLE_OF.get(target)
            if table and text:
                text = self._code(table, text, spec)
        limit = max(spec.max_len or 0, spec.length or 0)
        if limit and len(text) > limit:
            raise BadValue(Message(MSG_TOO_LONG, {"max": limit}))
        return text

    def _code(self, table: str, text: str, spec: FieldSpec) -> str:
        code = self.lookup(table, text)
        if code is not None:
            return code
        if text.isalnum() and text.isascii() and len(text) == (spec.length or len(text)):
            return text  # looks like a code; an unknown one is the pre-check's business
        label = Message(TABLE_LABELS.get(table, table))
        raise BadValue(Message(MSG_UNKNOWN_CODE, {"table": label, "value": text}))

    def _convert(self, col: _Column, raw: object) -> Value | BadValue | None:
        try:
            value: Value | BadValue | None = col.convert(raw)
        except BadValue as exc:
            value = exc
        if value is None or (value.__class__ is str and not value):
            value = _EMPTY
        cache = col.cache
        if cache is not None and raw.__class__ is not bool:  # True must not answer for 1
            col.misses += 1
            if len(cache) >= _CACHE_MAX:
                cache.clear()
            cache[raw] = value
            # Columns of values unique to an order (order numbers, IDs, phones) gain nothing
            # from a cache; the last-cell memo in `normalise` catches an order's repeats.
            if self._rows >= _CACHE_PROBE and col.misses * 2 > self._rows:
                col.cache = None
        return value

    def normalise(self, number: int, cells: Sequence[object]) -> NormalisedRow:
        self._rows += 1
        out = NormalisedRow(number, raw=cells, columns=self._sources)
        head, item = out.head, out.item
        for index, name, is_item, shared, col in self._fast:
            raw = cells[index]
            if raw is None or raw == "":
                continue
            bucket = item if is_item else head
            if shared and name in bucket:
                continue  # first non-empty column wins when two feed one field
            cache = col.cache
            if cache is not None and raw.__class__ is not bool:  # True must not answer for 1
                value = cache.get(raw, _MISSING)
                if value is _MISSING:
                    value = self._convert(col, raw)
                if value is _EMPTY:
                    continue
            else:
                # Columns of values unique to an order: converted inline, unless the cell is
                # the same as the column's previous one (the order's previous row).
                last = col.last_raw
                if raw.__class__ is last.__class__ and raw == last:
                    value = col.last_value
                else:
                    try:
                        value = col.convert(raw)
                    except BadValue as exc:
                        value = exc
                    col.last_raw, col.last_value = raw, value
                if value is None or value == "":
                    continue
            if value.__class__ is BadValue:
                out.errors.append(RowError(number, col.header, col.target, cell_text(raw),
                                           value.message))
                continue
            bucket[name] = value
        if self._address_parts:
            parts = [clean_text(cells[i]) for i in self._address_parts if cells[i]]
            if parts:
                _join_address(out, parts)
        self._complete(out, cells)
        return out

    def _complete(self, out: NormalisedRow, cells: Sequence[object]) -> None:
        head, item = out.head, out.item
        for name, value in self._head_fill:
            if name not in head:
                head[name] = value
        for name, value in self._item_fill:
            if name not in item:
                item[name] = value
        head["ieFlag"] = self.direction
        for name, source in self._derived:
            if name not in head and source in head:
                head[name] = head[source]
        if "buyerName" not in head and "consignee" in head:
            head["buyerName"] = head["consignee"]
        if "buyerTelephone" not in head and "consigneeTelephone" in head:
            head["buyerTelephone"] = head["consigneeTelephone"]
        if "totalPrice" not in item:
            qty, price = item.get("qty"), item.get("price")
            if isinstance(qty, Decimal) and isinstance(price, Decimal):
                item["totalPrice"] = qty * price
        key = out.key = row_key(head)
        if _is_summary(head, key, cells):
            out.skipped = True  # a totals line under the table
            return
        if key is None and not out.errors:
            out.errors.append(RowError(out.row, "", "orderNo", "", Message(MSG_NO_KEY)))
        if not out.errors and not ("gname" in item or "gcode" in item or "itemNo" in item
                                   or "itemName" in item):
            out.errors.append(RowError(out.row, "", "gname", "", Message(MSG_NO_GOODS)))


def _is_summary(head: Mapping[str, Value], key: str | None, cells: Sequence[object]) -> bool:
    if key is not None:
        # Cheap first test: every summary word contains 计, t or T.
        if "计" not in key and "t" not in key and "T" not in key:
            return False
        values = [v for v in (head.get("orderNo"), head.get("logisticsNo")) if v]
        return all(_summary_word(v) for v in values)
    return any(_summary_word(c) for c in cells if c)


def _summary_word(value: object) -> bool:
    text = str(value).casefold()
    return any(w in text for w in _SUMMARY_WORDS)


def _is_item(target: str) -> bool:
    try:
        return spec_of(target).scope == "item"
    except KeyError:
        return False


def _join_address(out: NormalisedRow, parts: list[str]) -> None:
    """省/市/区 columns in front of the address, each once: a municipality's province and
    city (上海 | 上海市) make one part, and parts the address already starts with are not
    added again (浦东新区 | 浦东新区世纪大道1号)."""
    joined: list[str] = []
    for part in parts:
        if joined and joined[-1].startswith(part):
            continue
        if joined and part.startswith(joined[-1]):
            joined[-1] = part
            continue
        joined.append(part)
    detail = str(out.head.get("consigneeAddress", ""))
    for k in range(len(joined)):
        if detail.startswith("".join(joined[k:])):
            del joined[k:]
            break
    out.head["consigneeAddress"] = "".join(joined) + detail
