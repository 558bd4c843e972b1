"""Finding catalogue entries: the keys a product is known by and set-wise look-ups.

A goods line matches an entry by, in order: its SKU (`ebcCode` + `itemNo`), its barcode,
its normalised goods name + model. Other areas (filling, HS suggestions, the queue) read the
catalogue through these functions and the `CatalogueProduct` they return.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from app.db.models import CatalogueEntry

SOURCES = ("accepted", "confirmed", "imported", "proposed")
_CHUNK = 400


def fold(text: str | None) -> str:
    """Full-width → half-width (NFKC), whitespace dropped, case folded."""
    if not text:
        return ""
    return "".join(unicodedata.normalize("NFKC", text).casefold().split())


def name_key(gname: str | None, gmodel: str | None) -> str:
    """The normalised goods name + model a product is found by without a SKU."""
    return f"{fold(gname)}|{fold(gmodel)}"[:770]


def sku_key(ebc_code: str | None, item_no: str | None) -> str | None:
    item = (item_no or "").strip()
    if not item:
        return None
    return f"sku:{(ebc_code or '').strip()}|{item}"


def entry_key(ebc_code: str | None, item_no: str | None, gname: str | None,
              gmodel: str | None) -> str:
    """The unique key of the entry for a product: its SKU, else its normalised name + model."""
    return sku_key(ebc_code, item_no) or "name:" + name_key(gname, gmodel)


@dataclass(frozen=True)
class CatalogueProduct:
    """One catalogue entry as services and windows see it."""

    id: int
    entry_key: str
    ebc_code: str | None
    item_no: str | None
    barcode: str | None
    gname: str | None
    gmodel: str | None
    gcode: str | None
    unit: str | None
    country: str | None
    unit1: str | None
    qty1_per_unit: Decimal | None
    unit2: str | None
    qty2_per_unit: Decimal | None
    note: str | None
    source: str
    classified_by: str | None
    classified_at: datetime | None
    accepted_count: int
    proposed_gcode: str | None
    proposed_unit1: str | None
    proposed_qty1_per_unit: Decimal | None
    proposed_unit2: str | None
    proposed_qty2_per_unit: Decimal | None
    proposed_by: str | None
    proposed_at: datetime | None
    proposed_source: str | None

    @property
    def has_proposal(self) -> bool:
        return self.proposed_by is not None

    @property
    def key_text(self) -> str:
        """What the user types to name this entry (CLI `show KEY`)."""
        if self.item_no:
            return f"{self.ebc_code}/{self.item_no}" if self.ebc_code else self.item_no
        return f"#{self.id}"


PRODUCT_COLUMNS = tuple(CatalogueProduct.__dataclass_fields__)


def product_of(entry: CatalogueEntry) -> CatalogueProduct:
    return CatalogueProduct(**{name: getattr(entry, name) for name in PRODUCT_COLUMNS})


@dataclass(frozen=True)
class GoodsKeys:
    """What a goods line is found by (ebcCode is the declaration's)."""

    ebc_code: str | None
    item_no: str | None
    barcode: str | None
    gname: str | None
    gmodel: str | None


class CatalogueMatcher:
    """Entries loaded for goods lines, matched in memory (SKU, barcode, name). `load` reads
    only what earlier loads did not ask for, so one matcher serves a whole import."""

    def __init__(self, entries: Iterable[CatalogueProduct] = ()) -> None:
        self.by_key: dict[str, CatalogueProduct] = {}
        self.by_barcode: dict[str, CatalogueProduct] = {}
        self.by_name: dict[str, CatalogueProduct] = {}
        self._asked: dict[str, set[str]] = {"sku": set(), "barcode": set(), "name": set()}
        for e in entries:
            self._add(e)

    def _add(self, e: CatalogueProduct) -> None:
        if e.entry_key in self.by_key:
            return
        self.by_key[e.entry_key] = e
        if e.barcode:
            self.by_barcode.setdefault(e.barcode, e)
        self.by_name.setdefault(name_key(e.gname, e.gmodel), e)

    def __len__(self) -> int:
        return len(self.by_key)

    def match(self, keys: GoodsKeys) -> CatalogueProduct | None:
        sku = sku_key(keys.ebc_code, keys.item_no)
        if sku is not None and sku in self.by_key:
            return self.by_key[sku]
        barcode = (keys.barcode or "").strip()
        if barcode and barcode in self.by_barcode:
            return self.by_barcode[barcode]
        if keys.gname:
            return self.by_name.get(name_key(keys.gname, keys.gmodel))
        return None

    def load(self, session: Session, goods: Sequence[GoodsKeys]) -> None:
        """Read the entries any of `goods` could match: by SKU first, then by barcode and
        name only for the goods no SKU found (indexed IN look-ups in chunks)."""
        skus = {k for g in goods if (k := sku_key(g.ebc_code, g.item_no))}
        self._read(session, CatalogueEntry.entry_key, "sku", skus)
        rest = [g for g in goods if sku_key(g.ebc_code, g.item_no) not in self.by_key]
        barcodes = {b for g in rest if g.barcode and (b := g.barcode.strip())}
        self._read(session, CatalogueEntry.barcode, "barcode", barcodes)
        names = {name_key(g.gname, g.gmodel) for g in rest if g.gname}
        self._read(session, CatalogueEntry.name_key, "name", names)

    def _read(self, session: Session, column: InstrumentedAttribute[Any], kind: str,
              wanted: set[str]) -> None:
        values = sorted(wanted - self._asked[kind])
        self._asked[kind].update(values)
        columns = [getattr(CatalogueEntry, name) for name in PRODUCT_COLUMNS]
        for i in range(0, len(values), _CHUNK):
            stmt = select(*columns).where(column.in_(values[i:i + _CHUNK]))
            for row in session.execute(stmt):
                self._add(CatalogueProduct(*row))


def matcher_for(session: Session, goods: Sequence[GoodsKeys]) -> CatalogueMatcher:
    """A matcher loaded with the entries any of `goods` could match."""
    matcher = CatalogueMatcher()
    matcher.load(session, goods)
    return matcher


def find_entry(session: Session, keys: GoodsKeys) -> CatalogueProduct | None:
    """The entry one goods line matches, or None."""
    return matcher_for(session, [keys]).match(keys)


def resolve_key(session: Session, key: str) -> CatalogueProduct | None:
    """The entry the user named: `#id`, `ebcCode/itemNo`, an itemNo, a barcode or a goods
    name (+ model after a space-free `|`)."""
    text = key.strip()
    e = CatalogueEntry
    if text.startswith("#") and text[1:].isdigit():
        entry = session.get(e, int(text[1:]))
        return product_of(entry) if entry is not None else None
    ebc, sep, item = text.partition("/")
    candidates = [e.entry_key == f"sku:{ebc}|{item}"] if sep else []
    candidates += [e.item_no == text, e.barcode == text, e.entry_key == f"sku:|{text}"]
    gname, _, gmodel = text.partition("|")
    candidates.append(e.name_key == name_key(gname, gmodel))
    rows = session.scalars(select(e).where(or_(*candidates)).order_by(e.id)).all()
    return product_of(rows[0]) if rows else None
