"""Filling goods lines from the catalogue: what a line lacks, never what it has.

A matched line gets its HS code, declared unit and country when empty; its legal units and
legal quantities (quantity per declared unit × qty) when empty and the line's HS code is the
entry's (another code has other legal units). Runs on import (on the rows before they are
written) and on save (on the edited declaration), before legal quantities are derived
without a catalogue.
"""

from __future__ import annotations

from collections.abc import Mapping, MutableMapping, Sequence
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.catalogue.store import CatalogueMatcher, CatalogueProduct, GoodsKeys, matcher_for
from app.db.models import CatalogueEntry
from app.db.types import QUANTUM

FILLED_FIELDS = ("gcode", "unit", "country", "unit1", "qty1", "unit2", "qty2")


def _empty(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def fill_values(item: Mapping[str, Any], entry: CatalogueProduct) -> dict[str, Any]:
    """The values `entry` gives a goods line `item` (CEB names) for the fields it lacks."""
    out: dict[str, Any] = {}
    if entry.gcode is None:
        return out
    if _empty(item.get("gcode")):
        out["gcode"] = entry.gcode
    for name in ("unit", "country"):
        if _empty(item.get(name)) and getattr(entry, name):
            out[name] = getattr(entry, name)
    gcode = out.get("gcode", item.get("gcode"))
    if str(gcode).strip() != entry.gcode:
        return out  # another HS code: the entry's legal units do not apply
    unit = out.get("unit", item.get("unit"))
    qty = item.get("qty")
    same_unit = entry.unit is None or _empty(unit) or str(unit).strip() == entry.unit
    for n in ("1", "2"):
        legal_unit, per_unit = getattr(entry, "unit" + n), getattr(entry, f"qty{n}_per_unit")
        if legal_unit is None:
            continue
        if _empty(item.get("unit" + n)):
            out["unit" + n] = legal_unit
        elif str(item.get("unit" + n)).strip() != legal_unit:
            continue
        if (item.get("qty" + n) is None and per_unit is not None and same_unit
                and isinstance(qty, Decimal | int) and not isinstance(qty, bool)):
            out["qty" + n] = (per_unit * qty).quantize(QUANTUM)
    return out


def fill_items(matcher: CatalogueMatcher, ebc_code: str | None,
               items: Sequence[MutableMapping[str, Any]]) -> int:
    """Fill the goods lines of one declaration in place; returns how many lines got values."""
    filled = 0
    for item in items:
        entry = matcher.match(keys_of(ebc_code, item))
        if entry is None:
            continue
        values = fill_values(item, entry)
        if values:
            item.update(values)
            filled += 1
    return filled


def keys_of(ebc_code: Any, item: Mapping[str, Any]) -> GoodsKeys:
    def s(v: Any) -> str | None:
        return None if v is None else str(v)

    return GoodsKeys(s(ebc_code), s(item.get("itemNo")), s(item.get("barCode")),
                     s(item.get("gname")), s(item.get("gmodel")))


def fill_declarations(session: Session,
                      declarations: Sequence[tuple[Any, Sequence[MutableMapping[str, Any]]]],
                      matcher: CatalogueMatcher | None = None) -> int:
    """Fill the lines of many declarations ((ebcCode, items) pairs) from set-wise look-ups
    (into `matcher`, which remembers what it read: pass one per import); returns how many
    lines got values. Nothing is read while the catalogue is empty."""
    keys = [keys_of(ebc, item) for ebc, items in declarations for item in items]
    if not keys or not has_entries(session):
        return 0
    matcher = matcher if matcher is not None else CatalogueMatcher()
    matcher.load(session, keys)
    if not len(matcher):
        return 0
    return sum(fill_items(matcher, ebc, items) for ebc, items in declarations)


def has_entries(session: Session) -> bool:
    return session.execute(select(CatalogueEntry.id).limit(1)).first() is not None


def fill_saved_items(session: Session, ebc_code: str | None, items: Sequence[Any]
                     ) -> list[tuple[int, str, Any, Any]]:
    """Fill the goods lines (ORM rows) of a declaration being saved; returns (gnum, field,
    before, after) for each value set."""
    lines = [{name: getattr(row, name) for name in (*FILLED_FIELDS, "qty", "itemNo", "barCode",
                                                    "gname", "gmodel")} for row in items]
    # Reading must not flush the edit half-way: the save steps the version once.
    with session.no_autoflush:
        if not lines or not has_entries(session):
            return []
        matcher = matcher_for(session, [keys_of(ebc_code, line) for line in lines])
    changes: list[tuple[int, str, Any, Any]] = []
    for row, line in zip(items, lines, strict=True):
        entry = matcher.match(keys_of(ebc_code, line))
        if entry is None:
            continue
        for name, value in fill_values(line, entry).items():
            changes.append((row.gnum, name, getattr(row, name), value))
            setattr(row, name, value)
    return changes
