"""What the pre-check needs from the catalogue: goods lines whose HS code differs from the
code customs accepted for the same product (rule HS_DIFFERS_FROM_CATALOGUE)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.catalogue.store import CatalogueMatcher, GoodsKeys, product_of
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
    matcher = CatalogueMatcher(product_of(e) for e in session.scalars(
        select(E).where(E.gcode.is_not(None)).order_by(E.id)))
    cols = (It.declaration_id, It.gnum, D.ebcCode, It.itemNo, It.barCode, It.gname, It.gmodel,
            It.gcode)
    base = select(*cols).join(D, D.id == It.declaration_id).where(It.gcode.is_not(None))
    parts: list[Sequence[int] | None] = (
        [None] if ids is None else
        [sorted(set(ids))[i:i + _CHUNK] for i in range(0, len(set(ids)), _CHUNK)])
    found: dict[int, list[HsConflict]] = {}
    for part in parts:
        stmt = base if part is None else base.where(It.declaration_id.in_(list(part)))
        for decl_id, gnum, ebc, item_no, barcode, gname, gmodel, gcode in session.execute(
                stmt.order_by(It.declaration_id, It.gnum)):
            entry = matcher.match(GoodsKeys(ebc, item_no, barcode, gname, gmodel))
            code = str(gcode or "").strip()
            if (entry is not None and entry.source == "accepted" and entry.gcode
                    and entry.gcode != code):
                found.setdefault(int(decl_id), []).append((int(gnum), code, entry.gcode))
    return {k: tuple(v) for k, v in found.items()}
