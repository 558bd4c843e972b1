"""Mapping files/profiles and the column plan that says which column feeds which field.

Mapping file (JSON)::

    {"columns": {"<header>": "<field>", …}, "sheet": "Sheet1" | 1, "header_row": 3,
     "encoding": "gbk", "defaults": {"<field>": value, …},
     "units": {"grossWeight": "g" | "kg", "price": "yuan" | "fen"},
     "line_weights": "agree" | "sum", "direction": "import" | "export"}

`defaults` are the values for columns the file lacks (the wizard's "values for missing
columns"): applied to every row whose cell is empty. `line_weights` says what the weights on
the lines of one order are: the order's weight repeated ("agree", the default: lines that
differ reject the order) or each line's own weight ("sum": added up into the declaration).
`direction` says what the file's orders are: import declarations (CEB621, the default) or
export ones (9610 B2C export, CEB603: ieFlag "E", no buyer ID).

Fields are CEB names; `item.country`, `item.currency` and `item.note` name the item fields that
share a name with a head field. A column mapped to "" or null is ignored. Columns the file has
but `columns` does not name are matched automatically through the synonym table.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from app.domain.errors import ValidationError
from app.domain.fields import HEAD_FIELDS, ITEM_FIELDS
from app.i18n import N_
from app.intake.headers import (
    ADDRESS_PART,
    canonical_target,
    header_unit,
    is_target,
    match_header,
    normalise_header,
    spec_of,
)

WEIGHT_FIELDS = frozenset({"grossWeight", "netWeight"})
MONEY_FIELDS = frozenset({"freight", "insuredFee", "price", "totalPrice", "goodsValue",
                          "discount", "taxTotal", "acturalPaid", "amountPaid",
                          "waybillFreight"})
UNIT_CHOICES = {**{f: ("kg", "g") for f in WEIGHT_FIELDS},
                **{f: ("yuan", "fen") for f in MONEY_FIELDS}}
LINE_WEIGHTS = ("agree", "sum")
# A profile's "direction" → the declarations' ieFlag.
DIRECTIONS = {"import": "I", "export": "E"}

_MSG_BAD_MAPPING = N_("The mapping file “{name}” is not valid JSON: {detail}.")
_MSG_MAPPING_SHAPE = N_("The mapping “{name}” must be a JSON object with a “columns” object.")
_MSG_UNKNOWN_FIELD = N_("The mapping names an unknown field “{field}” (for column “{column}”).")
_MSG_BAD_UNIT = N_("Unit “{unit}” for {field} must be one of: {choices}.")
_MSG_BAD_KEY = N_("The mapping has an invalid “{key}” value.")


@dataclass(frozen=True)
class MappingSpec:
    """A mapping file or saved profile: explicit column choices plus reading options."""

    columns: Mapping[str, str | None] = field(default_factory=dict)
    sheet: str | int | None = None  # name, or 1-based number in the file format
    header_row: int | None = None
    encoding: str | None = None
    defaults: Mapping[str, Any] = field(default_factory=dict)
    units: Mapping[str, str] = field(default_factory=dict)
    line_weights: str = "agree"  # see the module doc
    direction: str = "I"  # ieFlag of the declarations: "I" import, "E" export

    @property
    def sum_weights(self) -> bool:
        return self.line_weights == "sum"

    @classmethod
    def from_dict(cls, data: object, name: str = "mapping") -> MappingSpec:
        """Validate and build a spec. Raises ValidationError naming the problem."""
        if not isinstance(data, dict) or not isinstance(data.get("columns", {}), dict):
            raise ValidationError(_MSG_MAPPING_SHAPE, name=name)
        columns: dict[str, str | None] = {}
        for column, target in data.get("columns", {}).items():
            if target in (None, ""):
                columns[str(column)] = None
                continue
            if not isinstance(target, str) or not is_target(target):
                raise ValidationError(_MSG_UNKNOWN_FIELD, field=str(target), column=column)
            columns[str(column)] = canonical_target(target)
        defaults = data.get("defaults", {}) or {}
        if not isinstance(defaults, dict):
            raise ValidationError(_MSG_BAD_KEY, key="defaults")
        for target in defaults:
            if not is_target(target) or target == ADDRESS_PART:
                raise ValidationError(_MSG_UNKNOWN_FIELD, field=target, column="defaults")
        units = data.get("units", {}) or {}
        if not isinstance(units, dict):
            raise ValidationError(_MSG_BAD_KEY, key="units")
        for target, unit in units.items():
            choices = UNIT_CHOICES.get(target)
            if choices is None:
                raise ValidationError(_MSG_UNKNOWN_FIELD, field=target, column="units")
            if unit not in choices:
                raise ValidationError(_MSG_BAD_UNIT, unit=str(unit), field=target,
                                      choices=", ".join(choices))
        sheet = data.get("sheet")
        if isinstance(sheet, bool) or (sheet is not None and not isinstance(sheet, str | int)):
            raise ValidationError(_MSG_BAD_KEY, key="sheet")
        header_row = data.get("header_row")
        if header_row is not None and (not isinstance(header_row, int) or header_row < 1
                                       or isinstance(header_row, bool)):
            raise ValidationError(_MSG_BAD_KEY, key="header_row")
        encoding = data.get("encoding")
        if encoding is not None and not isinstance(encoding, str):
            raise ValidationError(_MSG_BAD_KEY, key="encoding")
        line_weights = data.get("line_weights") or "agree"
        if line_weights not in LINE_WEIGHTS:
            raise ValidationError(_MSG_BAD_KEY, key="line_weights")
        direction = data.get("direction") or "import"
        if direction not in DIRECTIONS:
            raise ValidationError(_MSG_BAD_KEY, key="direction")
        return cls(columns=columns, sheet=sheet, header_row=header_row, encoding=encoding,
                   defaults={canonical_target(k): v for k, v in defaults.items()
                             if v not in (None, "") and canonical_target(k) != "ieFlag"},
                   units=dict(units), line_weights=line_weights,
                   direction=DIRECTIONS[direction])

    @classmethod
    def load(cls, path: Path) -> MappingSpec:
        try:
            data = json.loads(path.read_text(encoding="utf-8-sig"))
        except FileNotFoundError as exc:
            raise ValidationError(_MSG_BAD_MAPPING, name=path.name, detail="not found") from exc
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise ValidationError(_MSG_BAD_MAPPING, name=path.name, detail=str(exc)) from exc
        return cls.from_dict(data, path.name)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"columns": dict(self.columns)}
        if self.sheet is not None:
            out["sheet"] = self.sheet
        if self.header_row is not None:
            out["header_row"] = self.header_row
        if self.encoding:
            out["encoding"] = self.encoding
        if self.defaults:
            out["defaults"] = dict(self.defaults)
        if self.units:
            out["units"] = dict(self.units)
        if self.line_weights != "agree":
            out["line_weights"] = self.line_weights
        if self.direction == "E":
            out["direction"] = "export"
        return out

    @property
    def sheet_index_or_name(self) -> str | int | None:
        """The sheet for the reader: a name, or a 0-based index."""
        if isinstance(self.sheet, int):
            return self.sheet - 1
        return self.sheet


@dataclass(frozen=True)
class ColumnPlan:
    """Which field each column of the file feeds (None: ignored) and in which unit."""

    headers: tuple[str, ...]
    targets: tuple[str | None, ...]
    units: tuple[str | None, ...]
    auto: tuple[bool, ...]  # matched through the synonym table, not named by the mapping

    def mapped(self) -> dict[str, str]:
        """{header: field} for the columns in use (a profile's "columns")."""
        return {h: t for h, t in zip(self.headers, self.targets, strict=True) if t}

    def fields(self) -> set[str]:
        return {t for t in self.targets if t and t != ADDRESS_PART}


def plan_columns(headers: Sequence[str], spec: MappingSpec | None = None) -> ColumnPlan:
    """Decide each column's field: the mapping's choice, else the synonym table.

    A field gets at most one column, except the address, whose parts (省/市/区) are joined.
    """
    spec = spec or MappingSpec()
    explicit = {normalise_header(h): t for h, t in spec.columns.items()}
    targets: list[str | None] = []
    auto: list[bool] = []
    taken = {t for t in spec.columns.values() if t}
    for h in headers:
        if h in spec.columns or normalise_header(h) in explicit:
            t = spec.columns[h] if h in spec.columns else explicit[normalise_header(h)]
            targets.append(t)
            auto.append(False)
            continue
        m = match_header(h) if h else None
        if m and m != ADDRESS_PART and m in taken:
            m = None
        if m:
            taken.add(m)
        targets.append(m)
        auto.append(m is not None)
    units = tuple(_unit_for(t, h, spec) for h, t in zip(headers, targets, strict=True))
    return ColumnPlan(tuple(headers), tuple(targets), units, tuple(auto))


def _unit_for(target: str | None, header: str, spec: MappingSpec) -> str | None:
    if target is None:
        return None
    name = target.removeprefix("item.")
    if name in spec.units:
        return spec.units[name]
    found = header_unit(header)
    choices = UNIT_CHOICES.get(name)
    return found if choices and found in choices else None


def required_fields(direction: str = "I") -> tuple[str, ...]:
    """Fields a CEB621 import (CEB603 export: `direction` "E") declaration must have, as
    mapping targets."""
    imp = direction != "E"
    out = [f.name for f in HEAD_FIELDS if (f.required_i if imp else f.required_e)]
    out += [f"item.{f.name}" if f.name in ("country", "currency") else f.name
            for f in ITEM_FIELDS if (f.required_i if imp else f.required_e)]
    return tuple(out)


def field_label(target: str, lang: str) -> str:
    """The field's label in `lang` for mapping tables and error reports."""
    if target == ADDRESS_PART:
        return ("地址组成部分（省/市/区）" if lang == "zh_CN"
                else "Part of the address (province/city/district)")
    return spec_of(target).label(lang)
