"""What the pre-check needs from the catalogue: goods lines whose HS code differs from the
code customs accepted for the same product (rule HS_DIFFERS_FROM_CATALOGUE)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.catalogue.store import CatalogueMatcher, GoodsKeys, name_key, product_of, sku_key
from app.db.models import CatalogueEntry, Declaration, DeclarationItem

E, D, It = CatalogueEntry, Declaration, DeclarationItem
_CHUNK = 900

HsConflict = tuple[int, str, str]  # gnum, the line's HS code, the customs-accepted one


def accepted_hs_conflicts(session: Session, ids: Sequence[int] | None
                          ) -> dict[int, tuple[HsConflict, ...]]:
    """Per declaration (of `ids`, or all): its goods lines whose HS code differs from the
    customs-accepted catalogue entry they match. Nothing is read beyond one indexed probe
    while no entry is accepted."""
    if session.execute(select(E.id).where(E.source == "accepted").limit(1)).first() is None:
        return {}
    cols = (It.declaration_id, It.gnum, D.ebcCode, It.itemNo, It.barCode, It.gname, It.gmodel,
            It.gcode)
    base = select(*cols).join(D, D.id == It.declaration_id).where(It.gcode.is_not(None))
    if ids is None:
        matcher = CatalogueMatcher(product_of(e) for e in session.scalars(
            select(E).where(E.gcode.is_not(None)).order_by(E.id)))
        return _conflicts(matcher, session.execute(base.order_by(It.declaration_id, It.gnum)))
    wanted = sorted(set(ids))
    lines = [row for i in range(0, len(wanted), _CHUNK) for row in session.execute(
        base.where(It.declaration_id.in_(wanted[i:i + _CHUNK]))
        .order_by(It.declaration_id, It.gnum))]
    return _conflicts(_matcher_for_lines(session, lines), lines)


def _conflicts(matcher: CatalogueMatcher, lines: Iterable[Any]
               ) -> dict[int, tuple[HsConflict, ...]]:
    found: dict[int, list[HsConflict]] = {}
    for decl_id, gnum, ebc, item_no, barcode, gname, gmodel, gcode in lines:
        entry = matcher.match(GoodsKeys(ebc, item_no, barcode, gname, gmodel))
        code = str(gcode or "").strip()
        if (entry is not None and entry.source == "accepted" and entry.gcode
                and entry.gcode != code):
            found.setdefault(int(decl_id), []).append((int(gnum), code, entry.gcode))
    return {k: tuple(v) for k, v in found.items()}


def _matcher_for_lines(session: Session, lines: Sequence[Any]) -> CatalogueMatcher:
    """The matcher over the whole catalogue, restricted to the entries these goods lines could
    match (a check of a few declarations — a save — reads a few entries, not the catalogue):
    every entry with a code sharing a line's SKU, barcode or name key, added in id order as the
    whole catalogue's matcher adds them, so each line matches the same entry."""
    skus = {k for _, _, ebc, item_no, *_ in lines if (k := sku_key(ebc, item_no))}
    barcodes = {b for *_, barcode, _, _, _ in lines if barcode and (b := barcode.strip())}
    names = {name_key(gname, gmodel) for *_, gname, gmodel, _ in lines if gname}
    entries: dict[int, CatalogueEntry] = {}
    for column, wanted in ((E.entry_key, skus), (E.barcode, barcodes), (E.name_key, names)):
        values = sorted(wanted)
        for i in range(0, len(values), _CHUNK):
            for e in session.scalars(select(E).where(E.gcode.is_not(None),
                                                     column.in_(values[i:i + _CHUNK]))):
                entries[e.id] = e
    return CatalogueMatcher(product_of(entries[k]) for k in sorted(entries))
