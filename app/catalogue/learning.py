"""The catalogue learns from customs: the goods lines of released declarations enter it or
confirm it as `accepted`.

Runs inside the receipt job's transaction when customs releases declarations. An entry is
created on the unique key with INSERT … ON CONFLICT DO NOTHING and then read locked, so two
workstations releasing parcels of the same product at once make one entry. A released line
whose HS code differs from a customs-accepted or confirmed entry's never replaces it: it is
kept as the entry's proposal (`proposed_source` accepted) for a supervisor to decide; an
unconfirmed (proposed or imported) classification gives way to what customs accepted.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.catalogue.store import entry_key, name_key
from app.db.engine import insert_missing
from app.db.models import CatalogueEntry, Declaration, DeclarationItem
from app.db.types import QUANTUM, utcnow
from app.security.audit import AuditRecord
from app.security.context import Actor

E, D, It = CatalogueEntry, Declaration, DeclarationItem
_CHUNK = 400
LEARN_ACTION = "catalogue.learn"


@dataclass
class _Seen:
    """One product's classification as released lines show it (the first line decides)."""

    row: dict[str, Any]
    gcode: str
    unit: str | None
    country: str | None
    unit1: str | None
    per1: Decimal | None
    unit2: str | None
    per2: Decimal | None
    lines: int = 0
    # A line of the same product released with another HS code in the same run.
    other: tuple[str, str | None, Decimal | None, str | None, Decimal | None] | None = None


def _per_unit(legal: Any, qty: Any) -> Decimal | None:
    if legal is None or qty is None or qty <= 0:
        return None
    return Decimal(legal / qty).quantize(QUANTUM)


def learn_from_released(session: Session, actor: Actor,
                        declaration_ids: Sequence[int]) -> AuditRecord | None:
    """Enter or confirm the products of these (just released) declarations; returns the audit
    record of what was learnt (the caller appends it with its own events), None when
    nothing was."""
    seen: dict[str, _Seen] = {}
    ids = sorted(set(declaration_ids))
    cols = (D.ebcCode, It.itemNo, It.barCode, It.gname, It.gmodel, It.gcode, It.unit,
            It.country, It.qty, It.unit1, It.qty1, It.unit2, It.qty2)
    for i in range(0, len(ids), _CHUNK):
        stmt = (select(*cols).join(D, D.id == It.declaration_id)
                .where(It.declaration_id.in_(ids[i:i + _CHUNK]), It.gcode.is_not(None))
                .order_by(It.declaration_id, It.gnum))
        for (ebc, item_no, barcode, gname, gmodel, gcode, unit, country, qty, unit1, qty1,
             unit2, qty2) in session.execute(stmt):
            if not (item_no or gname) or not gcode:
                continue
            key = entry_key(ebc, item_no, gname, gmodel)
            if key in seen:
                known = seen[key]
                if known.gcode == gcode.strip():
                    known.lines += 1
                elif known.other is None:
                    known.other = (gcode.strip(), unit1, _per_unit(qty1, qty), unit2,
                                   _per_unit(qty2, qty))
                continue
            row = {"entry_key": key, "ebc_code": (ebc or None) if item_no else None,
                   "item_no": (item_no or "").strip() or None,
                   "barcode": (barcode or "").strip() or None,
                   "name_key": name_key(gname, gmodel), "gname": gname, "gmodel": gmodel,
                   "source": "accepted", "accepted_count": 0}
            seen[key] = _Seen(row, gcode.strip(), unit, country, unit1, _per_unit(qty1, qty),
                              unit2, _per_unit(qty2, qty), 1)
    if not seen:
        return None
    keys = sorted(seen)  # one order of inserts and locks on every workstation: no deadlock
    now = utcnow()
    insert_missing(session.connection(), E.__table__,  # type: ignore[arg-type]
                   [{**seen[k].row, "created_at": now, "updated_at": now} for k in keys],
                   ["entry_key"])
    added: list[str] = []
    confirmed: list[str] = []
    conflicts: list[str] = []
    for i in range(0, len(keys), _CHUNK):
        locked = (select(E).where(E.entry_key.in_(keys[i:i + _CHUNK])).order_by(E.entry_key)
                .with_for_update().execution_options(populate_existing=True))
        for entry in session.scalars(locked):
            s = seen[entry.entry_key]
            if entry.gcode is None or (entry.gcode != s.gcode
                                       and entry.source in ("proposed", "imported")):
                (added if entry.gcode is None else confirmed).append(entry.entry_key)
                entry.gcode, entry.unit1, entry.unit2 = s.gcode, s.unit1, s.unit2
                entry.qty1_per_unit, entry.qty2_per_unit = s.per1, s.per2
                entry.source, entry.accepted_count = "accepted", s.lines
                entry.classified_by, entry.classified_at = "customs", now
                entry.unit = entry.unit or s.unit
                entry.country = entry.country or s.country
            elif entry.gcode == s.gcode:
                confirmed.append(entry.entry_key)
                entry.source = "accepted"
                entry.accepted_count += s.lines
                if entry.qty1_per_unit is None:
                    entry.qty1_per_unit = s.per1
                if entry.qty2_per_unit is None:
                    entry.qty2_per_unit = s.per2
                entry.unit1 = entry.unit1 or s.unit1
                entry.unit2 = entry.unit2 or s.unit2
                entry.unit = entry.unit or s.unit
                entry.country = entry.country or s.country
            else:
                s.other = s.other or (s.gcode, s.unit1, s.per1, s.unit2, s.per2)
            if s.other is not None and entry.gcode != s.other[0] and (
                    entry.proposed_gcode != s.other[0]):
                conflicts.append(entry.entry_key)
                (entry.proposed_gcode, entry.proposed_unit1, entry.proposed_qty1_per_unit,
                 entry.proposed_unit2, entry.proposed_qty2_per_unit) = s.other
                entry.proposed_by, entry.proposed_at = "customs", now
                entry.proposed_source = "accepted"
    session.flush()
    return AuditRecord(LEARN_ACTION, "catalogue", None, None,
                       {"declarations": len(ids), "added": len(added),
                        "confirmed": len(confirmed), "conflicts": conflicts[:100]})
