"""Legal quantities (法定数量) derived from what a goods line already says.

Customs wants each line's quantity in the legal units of its HS code (`unit1`, `unit2`).
Platforms send the trade quantity and unit (3 瓶), a name and a model text. Without a goods
catalogue entry the legal quantity can still be derived, in this order:

- the legal unit is the declared unit: the declared quantity (`same_unit`);
- the legal unit is 千克 and the declaration has one goods line: its net weight
  (`net_weight`);
- the model text or the goods name gives a size (`50ml`, `3×100g`, `1.5公斤`) in the
  legal unit's dimension: size × declared quantity (`model_size`).

Otherwise the quantity stays empty and the pre-check says what to record. Values already on
the line are never replaced. Pure functions, no database: the import and save paths (via the
pre-check) and the goods catalogue call `derive_line` / `derive_lines`.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import Any

SAME_UNIT = "same_unit"
NET_WEIGHT = "net_weight"
MODEL_SIZE = "model_size"
METHODS = (SAME_UNIT, NET_WEIGHT, MODEL_SIZE)

KG = "035"
# Legal unit code → (dimension, how many base units one of it holds): grams, millilitres.
UNIT_SCALE: dict[str, tuple[str, Decimal]] = {
    "035": ("mass", Decimal(1000)),  # 千克
    "036": ("mass", Decimal(1)),  # 克
    "070": ("mass", Decimal(1_000_000)),  # 吨
    "095": ("volume", Decimal(1000)),  # 升
    "096": ("volume", Decimal(1)),  # 毫升
    "063": ("volume", Decimal(1_000_000)),  # 千升
}
# Spellings of a size's unit (after NFKC and casefold) → (canonical symbol, dimension, base).
SIZE_UNITS: dict[str, tuple[str, str, Decimal]] = {
    "kg": ("kg", "mass", Decimal(1000)), "千克": ("kg", "mass", Decimal(1000)),
    "公斤": ("kg", "mass", Decimal(1000)), "g": ("g", "mass", Decimal(1)),
    "克": ("g", "mass", Decimal(1)), "ml": ("ml", "volume", Decimal(1)),
    "毫升": ("ml", "volume", Decimal(1)), "l": ("l", "volume", Decimal(1000)),
    "升": ("l", "volume", Decimal(1000)),
}
CANONICAL = {"kg": ("mass", Decimal(1000)), "g": ("mass", Decimal(1)),
             "ml": ("volume", Decimal(1)), "l": ("volume", Decimal(1000))}
PLACES = Decimal("0.00001")  # CEB quantities: at most five decimals

_UNIT = r"(?P<unit>千克|公斤|毫升|kg|ml|克|升|g|l)"
_NUMBER = r"(?P<amount>\d{1,6}(?:\.\d{1,5})?)"
_TIMES = r"\s*[x×*]\s*"
# A size: not glued to a letter, digit or decimal point before it (X50ml is a model number)
# nor to a letter after it (200gsm, 5l-class): "3×100g", "100g×3", "750ML", "1.5公斤".
_SIZE = re.compile(
    r"(?<![0-9a-z.,])(?:(?P<before>\d{1,3})" + _TIMES + r")?" + _NUMBER + r"\s?" + _UNIT
    + r"(?=$|[^a-z]|x\s*\d)(?:" + _TIMES + r"(?P<after>\d{1,3})(?![0-9.])(?!\s*[x×*]))?")
_TIMES_NEXT = re.compile(r"\s*[x×*]")
# 4G/5G are network generations and 64G/256G storage, not grams (upper-case G only).
_NOT_GRAMS = re.compile(r"(?<![0-9.,])(?:[2-6]|8|16|32|64|128|256|512)G(?![a-zA-Z])")


@dataclass(frozen=True)
class Size:
    """A package size read from a text: `count` × `amount` `unit` (unit: kg, g, ml, l)."""

    amount: Decimal
    unit: str
    count: int = 1

    @property
    def dimension(self) -> str:
        return CANONICAL[self.unit][0]

    def in_base(self) -> Decimal:
        """The whole size in grams or millilitres."""
        return self.amount * CANONICAL[self.unit][1] * self.count


@lru_cache(maxsize=8192)  # the same products' model texts repeat across a run
def parse_size(text: str) -> Size | None:
    """The one package size `text` names, or None when it names none or several different
    ones (a set "洁面100g+面霜50ml" is not one size). Full-width digits and letters count."""
    if not text:
        return None
    normal = unicodedata.normalize("NFKC", text)
    masked = _NOT_GRAMS.sub(lambda m: "#" * len(m.group()), normal).casefold()
    found: set[Size] = set()
    for match in _SIZE.finditer(masked):
        before, after = match.group("before"), match.group("after")
        if (before and after) or _TIMES_NEXT.match(masked, match.end()):
            return None  # 2×50ml×3, 100g×3×2: not a size we can trust
        try:
            amount = Decimal(match.group("amount"))
        except InvalidOperation:  # pragma: no cover - the pattern admits only numbers
            continue
        count = int(before or after or 1)
        if amount <= 0 or count <= 0:
            continue
        unit = SIZE_UNITS[match.group("unit")][0]
        found.add(Size(_plain(amount), unit, count))
    if len({s.in_base() for s in found} | {("d", s.dimension) for s in found}) != 2:
        return None  # nothing, or several different sizes or dimensions
    return min(found, key=lambda s: (s.count, s.unit))


def _plain(value: Decimal) -> Decimal:
    """`value` without trailing zeros and without an exponent (100, not 1E+2)."""
    if value == value.to_integral():
        return value.quantize(Decimal(1))
    return value.normalize()


def render_size(size: Size, *, times: str = "×", unit_text: str | None = None,
                count_after: bool = False) -> str:
    """`size` as a model text would write it ("3×100g", "750ml", "1.5公斤×2")."""
    amount = format(size.amount, "f")
    body = f"{amount}{unit_text or size.unit}"
    if size.count == 1:
        return body
    return f"{body}{times}{size.count}" if count_after else f"{size.count}{times}{body}"


def size_in_unit(size: Size, legal_unit: str) -> Decimal | None:
    """One `size` expressed in `legal_unit` (a JGS-20 code), or None when the dimensions
    differ (grams cannot become litres) or the unit is not a mass or volume."""
    scale = UNIT_SCALE.get(legal_unit)
    if scale is None or scale[0] != size.dimension:
        return None
    return size.in_base() / scale[1]


@dataclass(frozen=True)
class LegalFill:
    """What `derive_line` filled on one goods line and how."""

    values: dict[str, Any] = field(default_factory=dict)  # unit1/qty1/unit2/qty2 filled
    how: dict[str, str] = field(default_factory=dict)  # qty1/qty2 → SAME_UNIT|NET_WEIGHT|…
    missing: tuple[str, ...] = ()  # qty1/qty2 still empty though the legal unit is known


def _text(value: object) -> str:
    return "" if value is None else str(value).strip()


def _number(value: object) -> Decimal | None:
    if value is None or value.__class__ is Decimal:
        return value  # type: ignore[return-value]
    if value == "":
        return None
    try:
        return Decimal(str(value).strip())
    except InvalidOperation:
        return None


def _quantity(value: Decimal) -> Decimal | None:
    """`value` with at most five decimals, None when that leaves nothing (1 g in tonnes)."""
    rounded = value.quantize(PLACES)
    return _plain(rounded) if rounded > 0 else None


def legal_quantity(legal_unit: str, line: Mapping[str, Any], *, net_weight: object = None,
                   lines: int = 1) -> tuple[Decimal, str] | None:
    """The quantity of `line` in `legal_unit` and the method (SAME_UNIT, NET_WEIGHT,
    MODEL_SIZE), or None when nothing on the line decides it. `net_weight` and `lines` are
    the declaration's: a net weight counts only for a declaration of one goods line."""
    qty = _number(line.get("qty"))
    if _text(line.get("unit")) == legal_unit and qty is not None and qty > 0:
        return qty, SAME_UNIT
    net = _number(net_weight)
    if legal_unit == KG and lines == 1 and net is not None and net > 0:
        return net, NET_WEIGHT
    if qty is None or qty <= 0:
        return None
    for source in ("gmodel", "gname", "itemName"):
        size = parse_size(_text(line.get(source)))
        if size is None:
            continue
        per_unit = size_in_unit(size, legal_unit)
        if per_unit is None:
            continue
        total = _quantity(per_unit * qty)
        return (total, MODEL_SIZE) if total is not None else None
    return None


def derive_line(line: Mapping[str, Any], unit1: str | None, unit2: str | None = None, *,
                net_weight: object = None, lines: int = 1) -> LegalFill:
    """Fill the empty legal units and quantities of one goods line.

    `line` holds CEB item fields (qty, unit, gname, gmodel, unit1, qty1, unit2, qty2);
    `unit1`/`unit2` are the legal units of its HS code (or of its catalogue entry), None when
    unknown. A legal unit the line already names wins over them. Nothing the line gives is
    replaced; a second quantity is filled only together with its unit.
    """
    values: dict[str, Any] = {}
    how: dict[str, str] = {}
    missing: list[str] = []
    given1 = _text(line.get("unit1"))
    first = given1 or (unit1 or "")
    if first and not given1:
        values["unit1"] = first
    # A line naming another legal unit than its HS code's gets no quantity in either (the
    # pre-check reports the wrong unit).
    if first and (not unit1 or first == unit1) and _number(line.get("qty1")) is None:
        found = legal_quantity(first, line, net_weight=net_weight, lines=lines)
        if found is None:
            missing.append("qty1")
        else:
            values["qty1"], how["qty1"] = found
    given2 = _text(line.get("unit2"))
    second = given2 or (unit2 or "")
    if second and (not unit2 or second == unit2) and _number(line.get("qty2")) is None:
        found = legal_quantity(second, line, net_weight=net_weight, lines=lines)
        if found is None:
            missing.append("qty2")
        else:
            values["qty2"], how["qty2"] = found
            if not given2:
                values["unit2"] = second
    return LegalFill(values, how, tuple(missing))


def derive_lines(lines: Sequence[Mapping[str, Any]],
                 legal_units: Sequence[tuple[str | None, str | None] | None], *,
                 net_weight: object = None) -> dict[int, LegalFill]:
    """`derive_line` for each goods line of one declaration: {line index: what was filled}
    for the lines where something was. `legal_units[i]` is (unit1, unit2) of line i's HS code
    (None when its code is unknown)."""
    out: dict[int, LegalFill] = {}
    for index, (line, units) in enumerate(zip(lines, legal_units, strict=True)):
        unit1, unit2 = units if units is not None else (None, None)
        fill = derive_line(line, unit1, unit2, net_weight=net_weight, lines=len(lines))
        if fill.values:
            out[index] = fill
    return out
