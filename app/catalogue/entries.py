"""Catalogue entries as people change them: classify (set), confirm, list, show.

Roles (also in docs/catalogue.md): anyone who may edit declarations (clerks) classifies a
product the catalogue does not know yet (the entry is `proposed` and fills lines at once) and
proposes changes to an entry someone classified before; a supervisor (Permission.CATALOGUE)
classifies directly (`confirmed`), confirms proposals and imports catalogue files. A change to
the HS code of a customs-accepted entry is always kept as a proposal first, whoever makes it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from app.catalogue.store import (
    CatalogueProduct,
    GoodsKeys,
    entry_key,
    fold,
    name_key,
    product_of,
    resolve_key,
)
from app.db.engine import insert_missing
from app.db.models import CatalogueEntry
from app.db.types import utcnow
from app.domain.errors import NotFoundError, ValidationError
from app.i18n import N_
from app.reference.store import reference_from_db
from app.reference.tables import ReferenceTables, shipped_reference_tables
from app.security.audit import record_event
from app.security.context import Actor, Permission, require

E = CatalogueEntry
MSG_NOT_FOUND = N_("No goods catalogue entry {key} (give ebcCode/itemNo, an itemNo, a barcode, "
                   "a goods name or #id).")


@dataclass(frozen=True)
class Classification:
    """What classifying a product says: its HS code and legal quantity per declared unit."""

    gcode: str
    qty1_per_unit: Decimal | None = None
    qty2_per_unit: Decimal | None = None
    unit1: str | None = None
    unit2: str | None = None
    unit: str | None = None  # the declared unit the quantities are per
    country: str | None = None
    note: str | None = None


@dataclass(frozen=True)
class SetResult:
    product: CatalogueProduct
    applied: bool  # False: kept as a proposal for a supervisor


def tables_of(session: Session) -> ReferenceTables:
    tables = reference_from_db(session)
    return tables if tables.hs_codes else shipped_reference_tables()


def checked(ref: ReferenceTables, c: Classification) -> Classification:
    """`c` with legal units from the tariff and unit/country codes resolved; raises
    ValidationError naming the field."""
    gcode = c.gcode.strip()
    hs = ref.hs(gcode)
    if hs is None:
        raise ValidationError("gcode: {value} is not an HS code of the tariff.", value=gcode)
    units = {}
    for n, legal in (("1", hs.unit1), ("2", hs.unit2)):
        given = getattr(c, "unit" + n)
        code = ref.units.resolve(given) if given else legal
        if given and code is None:
            raise ValidationError("unit{n}: {value} is not a unit code or name.", n=n,
                                  value=given)
        if given and legal and code != legal:
            raise ValidationError("unit{n}: the legal unit of {gcode} is {unit}, not {value}.",
                                  n=n, gcode=gcode, unit=legal, value=given)
        units[n] = code
    for n in ("1", "2"):
        value = getattr(c, f"qty{n}_per_unit")
        if value is not None and value < 0:
            raise ValidationError("qty{n}-per-unit: {value} is negative.", n=n, value=value)
    if units["2"] is None and c.qty2_per_unit is not None:
        raise ValidationError("qty2-per-unit: {gcode} has no second legal unit.", gcode=gcode)
    unit = ref.units.resolve(c.unit) if c.unit else None
    if c.unit and unit is None:
        raise ValidationError("unit: {value} is not a unit code or name.", value=c.unit)
    country = ref.countries.resolve(c.country) if c.country else None
    if c.country and country is None:
        raise ValidationError("country: {value} is not a country code or name.", value=c.country)
    return replace(c, gcode=gcode, unit1=units["1"], unit2=units["2"], unit=unit,
                   country=country)


def entry_dict(p: CatalogueProduct | CatalogueEntry) -> dict[str, Any]:
    """The classification part of an entry, JSON-ready (audit before/after, CLI)."""
    out: dict[str, Any] = {}
    for name in ("gcode", "unit", "country", "unit1", "qty1_per_unit", "unit2",
                 "qty2_per_unit", "note", "source", "proposed_gcode", "proposed_unit1",
                 "proposed_qty1_per_unit", "proposed_unit2", "proposed_qty2_per_unit",
                 "proposed_by", "proposed_source"):
        value = getattr(p, name)
        out[name] = f"{value.normalize():f}" if isinstance(value, Decimal) else value
    return out


def find_product(session: Session, actor: Actor, key: str) -> CatalogueProduct:
    require(actor, Permission.VIEW)
    found = resolve_key(session, key)
    if found is None:
        raise NotFoundError(MSG_NOT_FOUND, key=key)
    return found


def ensure_entry(session: Session, keys: GoodsKeys, *, source: str = "proposed") -> E:
    """The entry of the product `keys` names, created (without a classification) if missing;
    locked for update. Safe when another workstation creates the same one at once."""
    key = entry_key(keys.ebc_code, keys.item_no, keys.gname, keys.gmodel)
    now = utcnow()
    insert_missing(session.connection(), E.__table__, [{  # type: ignore[arg-type]
        "entry_key": key, "ebc_code": keys.ebc_code or None, "item_no": keys.item_no or None,
        "barcode": (keys.barcode or "").strip() or None,
        "name_key": name_key(keys.gname, keys.gmodel), "gname": keys.gname,
        "gmodel": keys.gmodel, "source": source, "accepted_count": 0,
        "created_at": now, "updated_at": now}], ["entry_key"])
    entry = session.scalars(select(E).where(E.entry_key == key).with_for_update()
                            .execution_options(populate_existing=True)).one()
    return entry


def set_entry(session: Session, actor: Actor, key: str | None, c: Classification, *,
              keys: GoodsKeys | None = None, ref: ReferenceTables | None = None) -> SetResult:
    """Classify the entry `key` names (or the product `keys` describes, created if new).

    Applied at once for a product nobody classified yet, and for a supervisor (except a new
    HS code on a customs-accepted entry); otherwise kept as a proposal that
    `confirm_entry` applies. Raises NotFoundError, ValidationError, PermissionDeniedError."""
    require(actor, Permission.EDIT)
    c = checked(ref or tables_of(session), c)
    if keys is not None:
        entry = ensure_entry(session, keys)
    else:
        found = resolve_key(session, key or "")
        if found is None:
            raise NotFoundError(MSG_NOT_FOUND, key=key or "")
        entry = session.scalars(select(E).where(E.id == found.id).with_for_update()
                                .execution_options(populate_existing=True)).one()
    before = entry_dict(entry)
    supervisor = actor.can(Permission.CATALOGUE)
    if entry.gcode is None:
        apply = True
    elif entry.source == "accepted" and entry.gcode != c.gcode:
        apply = False
    else:
        apply = supervisor or entry.source == "proposed"
    now = utcnow()
    if apply:
        _apply(entry, c.gcode, c.unit1, c.qty1_per_unit, c.unit2, c.qty2_per_unit)
        if c.gcode != before["gcode"] or entry.source != "accepted":
            entry.source = "confirmed" if supervisor else "proposed"
        entry.classified_by, entry.classified_at = actor.name, now
        _clear_proposal(entry)
    else:
        entry.proposed_gcode, entry.proposed_unit1 = c.gcode, c.unit1
        entry.proposed_qty1_per_unit, entry.proposed_unit2 = c.qty1_per_unit, c.unit2
        entry.proposed_qty2_per_unit = c.qty2_per_unit
        entry.proposed_by, entry.proposed_at, entry.proposed_source = actor.name, now, "proposed"
    for name in ("unit", "country", "note"):
        value = getattr(c, name)
        if value is not None and (apply or getattr(entry, name) is None):
            setattr(entry, name, value)
    session.flush()
    record_event(session, actor, "catalogue.set" if apply else "catalogue.propose",
                 entity="catalogue_entry", entity_id=entry.id,
                 details={"key": entry.entry_key, "before": before, "after": entry_dict(entry)})
    return SetResult(product_of(entry), apply)


def confirm_entry(session: Session, actor: Actor, key: str, *, keep: bool = False
                  ) -> CatalogueProduct:
    """A supervisor confirms an entry: its pending proposal replaces the classification (or,
    with `keep`, is dropped and the classification stays), and the entry becomes `confirmed`
    (a customs-accepted one stays `accepted` when kept)."""
    require(actor, Permission.CATALOGUE)
    found = resolve_key(session, key)
    if found is None:
        raise NotFoundError(MSG_NOT_FOUND, key=key)
    entry = session.scalars(select(E).where(E.id == found.id).with_for_update()
                            .execution_options(populate_existing=True)).one()
    before = entry_dict(entry)
    if entry.proposed_by is not None and not keep:
        _apply(entry, entry.proposed_gcode, entry.proposed_unit1, entry.proposed_qty1_per_unit,
               entry.proposed_unit2, entry.proposed_qty2_per_unit)
        entry.source = "confirmed"
    elif entry.source in ("proposed", "imported"):
        entry.source = "confirmed"
    elif entry.proposed_by is None:
        raise ValidationError("{key} is {source} and has no proposal to confirm.",
                              key=found.key_text, source=entry.source)
    entry.classified_by, entry.classified_at = actor.name, utcnow()
    _clear_proposal(entry)
    session.flush()
    record_event(session, actor, "catalogue.confirm", entity="catalogue_entry",
                 entity_id=entry.id, details={"key": entry.entry_key, "kept": keep,
                                              "before": before, "after": entry_dict(entry)})
    return product_of(entry)


def _apply(entry: E, gcode: str | None, unit1: str | None, qty1: Decimal | None,
           unit2: str | None, qty2: Decimal | None) -> None:
    same_code = entry.gcode == gcode
    entry.gcode, entry.unit1, entry.unit2 = gcode, unit1, unit2
    # A quantity not given keeps the one known for the same HS code.
    entry.qty1_per_unit = qty1 if qty1 is not None or not same_code else entry.qty1_per_unit
    entry.qty2_per_unit = qty2 if qty2 is not None or not same_code else entry.qty2_per_unit
    if not same_code:
        entry.accepted_count = 0


def _clear_proposal(entry: E) -> None:
    entry.proposed_gcode = entry.proposed_unit1 = entry.proposed_unit2 = None
    entry.proposed_qty1_per_unit = entry.proposed_qty2_per_unit = None
    entry.proposed_by = entry.proposed_at = entry.proposed_source = None


def list_products(session: Session, actor: Actor, *, search: str = "",
                  proposals_only: bool = False, limit: int = 500, offset: int = 0
                  ) -> list[CatalogueProduct]:
    """Entries by goods name, filtered by `search` (in name, model, SKU, barcode, HS code)."""
    require(actor, Permission.VIEW)
    stmt = select(E)
    text = search.strip()
    if text:
        like = "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        folded = "%" + fold(text).replace("\\", "\\\\").replace("%", "\\%").replace(
            "_", "\\_") + "%"
        stmt = stmt.where(or_(E.name_key.like(folded, escape="\\"),
                              E.item_no.like(like, escape="\\"),
                              E.barcode.like(like, escape="\\"),
                              E.gcode.like(like, escape="\\"),
                              E.proposed_gcode.like(like, escape="\\")))
    if proposals_only:
        stmt = stmt.where(E.proposed_by.is_not(None))
    stmt = stmt.order_by(E.name_key, E.id).limit(limit).offset(offset)
    return [product_of(e) for e in session.scalars(stmt)]


def count_products(session: Session) -> int:
    return int(session.scalar(select(func.count()).select_from(E)) or 0)


def products_by_id(session: Session, ids: Sequence[int]) -> list[CatalogueProduct]:
    return [product_of(e) for e in session.scalars(select(E).where(E.id.in_(list(ids))))]
