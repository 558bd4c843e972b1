"""The unclassified goods queue: distinct products whose goods lines wait for a
classification, and classifying one in a single step (fills every waiting line, re-checks,
undoable like a bulk edit).

A line waits when its declaration is still editable and it lacks its HS code or a legal
quantity. Products are grouped in SQL by SKU (`ebcCode` + `itemNo`) or, without one, by goods
name + model; groups whose names differ only in width, spacing or case are then merged.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, and_, case, func, or_, select
from sqlalchemy.orm import Session, selectinload

from app.catalogue.entries import Classification, entry_dict, set_entry
from app.catalogue.fill import fill_values
from app.catalogue.store import GoodsKeys, entry_key, product_of
from app.db.models import AuditEvent, CatalogueEntry, Declaration, DeclarationItem
from app.domain.errors import NotFoundError, ValidationError
from app.domain.status import EDITABLE_STATUSES, DeclarationStatus
from app.security.audit import AuditRecord, record_event, record_events
from app.security.context import Actor, Permission, require
from app.services.bulk_edit import UndoResult, undo_bulk_edit
from app.services.editing import FieldChange, recheck_after_edits, touch

D, It, E = Declaration, DeclarationItem, CatalogueEntry
# The bulk edit's own action (app.services.bulk_edit.ACTION): its undo replays these events.
BULK_ACTION = "declaration.bulk_update"
CLASSIFY_ACTION = "catalogue.classify"
UNDO_ACTION = "catalogue.classify_undo"
WAITING_STATUSES = tuple(sorted(s.value for s in EDITABLE_STATUSES))


@dataclass(frozen=True)
class UnclassifiedProduct:
    key: str  # the catalogue entry key (app.catalogue.store.entry_key)
    ebc_code: str | None
    item_no: str | None
    gname: str | None
    gmodel: str | None
    barcode: str | None
    unit: str | None
    lines: int  # goods lines waiting
    declarations: int  # declarations they are in
    without_gcode: int  # of the lines, those without an HS code
    catalogue_gcode: str | None = None  # what the catalogue has, when it knows the product

    @property
    def label(self) -> str:
        name = " ".join(p for p in (self.gname, self.gmodel) if p)
        return f"{self.item_no} {name}" if self.item_no else name

    def as_json(self) -> dict[str, Any]:
        return {"key": self.key, "ebcCode": self.ebc_code, "itemNo": self.item_no,
                "gname": self.gname, "gmodel": self.gmodel, "barCode": self.barcode,
                "unit": self.unit, "lines": self.lines, "declarations": self.declarations,
                "withoutGcode": self.without_gcode, "catalogueGcode": self.catalogue_gcode}


@dataclass(frozen=True)
class ClassifyResult:
    bulk_id: str
    key: str
    applied: bool  # False: the classification waits as a proposal (lines filled from the entry)
    lines: int  # goods lines that got values
    declarations: int  # declarations re-checked
    became_ready: int  # of those, now ready (were not before)


def _waiting() -> ColumnElement[bool]:
    return and_(D.status.in_(WAITING_STATUSES),
                or_(It.gcode.is_(None), It.qty1.is_(None),
                    and_(It.unit2.is_not(None), It.qty2.is_(None))))


def _has_sku() -> ColumnElement[bool]:
    return and_(It.itemNo.is_not(None), It.itemNo != "")


def unclassified_products(session: Session, actor: Actor, *, limit: int = 500
                          ) -> list[UnclassifiedProduct]:
    """Products waiting for a classification, the one blocking most declarations first."""
    require(actor, Permission.VIEW)
    sku = _has_sku()
    ebc_k = case((sku, func.coalesce(D.ebcCode, "")), else_="")
    item_k = case((sku, It.itemNo), else_="")
    name_k = case((sku, ""), else_=func.coalesce(It.gname, ""))
    model_k = case((sku, ""), else_=func.coalesce(It.gmodel, ""))
    stmt = (select(ebc_k, item_k, name_k, model_k, func.count(),
                   func.count(func.distinct(It.declaration_id)),
                   func.sum(case((It.gcode.is_(None), 1), else_=0)),
                   func.min(It.gname), func.min(It.gmodel), func.min(It.barCode),
                   func.min(It.unit))
            .join(D, D.id == It.declaration_id)
            .where(_waiting(), or_(sku, It.gname.is_not(None)))
            .group_by(ebc_k, item_k, name_k, model_k))
    merged: dict[str, dict[str, Any]] = {}
    spelt_apart: set[str] = set()
    for (ebc, item, _n, _m, lines, decls, no_code, gname, gmodel, barcode,
         unit) in session.execute(stmt):
        key = entry_key(ebc, item, gname, gmodel)
        row = merged.get(key)
        if row is None:
            merged[key] = {"key": key, "ebc_code": ebc or None if item else None,
                           "item_no": item or None, "gname": gname, "gmodel": gmodel,
                           "barcode": barcode, "unit": unit, "lines": int(lines),
                           "declarations": int(decls), "without_gcode": int(no_code or 0)}
        else:  # same product written differently: its declarations are counted below
            row["lines"] += int(lines)
            row["without_gcode"] += int(no_code or 0)
            spelt_apart.add(key)
    if spelt_apart:  # a declaration with two spellings of one product counts once
        for key, count in _declarations_of(session, spelt_apart).items():
            merged[key]["declarations"] = count
    ranked = sorted(merged.values(), key=lambda r: (-r["declarations"], -r["lines"], r["key"]))
    ranked = ranked[:limit]
    known = dict(session.execute(select(E.entry_key, E.gcode).where(
        E.entry_key.in_([r["key"] for r in ranked]))).all()) if ranked else {}
    return [UnclassifiedProduct(**r, catalogue_gcode=known.get(r["key"])) for r in ranked]


def _declarations_of(session: Session, keys: set[str]) -> dict[str, int]:
    """How many declarations have waiting lines of each product in `keys`."""
    found: dict[str, set[int]] = {key: set() for key in keys}
    stmt = (select(It.declaration_id, D.ebcCode, It.itemNo, It.gname, It.gmodel)
            .join(D, D.id == It.declaration_id)
            .where(_waiting(), or_(_has_sku(), It.gname.is_not(None))))
    for decl_id, ebc, item, gname, gmodel in session.execute(stmt):
        ids = found.get(entry_key(ebc, item, gname, gmodel))
        if ids is not None:
            ids.add(int(decl_id))
    return {key: len(ids) for key, ids in found.items()}


def _waiting_lines(session: Session, key: str) -> list[tuple[int, int]]:
    """(declaration id, gnum) of the lines of product `key` that wait."""
    stmt = (select(It.declaration_id, It.gnum, D.ebcCode, It.itemNo, It.gname, It.gmodel)
            .join(D, D.id == It.declaration_id).where(_waiting()))
    if key.startswith("sku:"):
        ebc, _, item = key[4:].partition("|")
        stmt = stmt.where(It.itemNo == item, func.coalesce(D.ebcCode, "") == ebc)
    else:
        stmt = stmt.where(or_(It.itemNo.is_(None), It.itemNo == ""), It.gname.is_not(None))
    return [(int(d), int(g)) for d, g, ebc, item, gname, gmodel in session.execute(stmt)
            if entry_key(ebc, item, gname, gmodel) == key]


def classify_product(session: Session, actor: Actor, key: str, c: Classification
                     ) -> ClassifyResult:
    """Classify the waiting product `key` (an UnclassifiedProduct.key): the catalogue entry
    is set (or proposed, see app.catalogue.entries), every waiting line of the product gets
    what it lacks, and their declarations are checked again — in the caller's transaction.
    `undo_classification(bulk_id)` puts the lines (and the entry) back."""
    require(actor, Permission.EDIT)
    lines = _waiting_lines(session, key)
    if not lines:
        raise NotFoundError("No goods lines wait for the product {key}.", key=key)
    wanted: dict[int, set[int]] = {}
    for decl_id, gnum in lines:
        wanted.setdefault(decl_id, set()).add(gnum)
    # Declaration rows first, then the catalogue row and the audit turn (see developing.md).
    decls = list(session.scalars(
        select(D).where(D.id.in_(sorted(wanted))).options(selectinload(D.items))
        .order_by(D.id).with_for_update(of=D).execution_options(populate_existing=True)))
    owner, first = next((d, i) for d in decls for i in d.items if i.gnum in wanted[d.id])
    keys = GoodsKeys(owner.ebcCode if first.itemNo else None, first.itemNo, first.barCode,
                     first.gname, first.gmodel)
    existed = session.scalar(select(E.id).where(E.entry_key == key)) is not None
    before = None
    if existed:
        before = entry_dict(session.scalars(select(E).where(E.entry_key == key)).one())
    result = set_entry(session, actor, None, c, keys=keys)
    product = result.product
    bulk_id = uuid.uuid4().hex
    audit: list[AuditRecord] = []
    edited: list[Declaration] = []
    was_ready: dict[int, bool] = {}
    filled = 0
    for decl in decls:
        if decl.status not in WAITING_STATUSES:
            continue
        changes: list[FieldChange] = []
        for item in decl.items:
            if item.gnum not in wanted[decl.id]:
                continue
            line = {n: getattr(item, n) for n in ("gcode", "unit", "country", "unit1", "qty1",
                                                  "unit2", "qty2", "qty")}
            values = fill_values(line, product)
            for name, value in values.items():
                changes.append(FieldChange(name, item.gnum, getattr(item, name), value))
                setattr(item, name, value)
            filled += bool(values)
        if not changes:
            continue
        touch(decl)
        was_ready[decl.id] = decl.status == DeclarationStatus.READY.value
        edited.append(decl)
        audit.append(AuditRecord(BULK_ACTION, "bulk", bulk_id, decl.id, {
            "bulk": bulk_id, "changes": [ch.as_json() for ch in changes],
            "operation": {"kind": "classify", "field": "gcode", "value": product.gcode,
                          "find": key}}))
    recheck_after_edits(session, actor, edited)
    session.flush()
    became = sum(1 for d in edited
                 if d.status == DeclarationStatus.READY.value and not was_ready[d.id])
    if audit:
        record_events(session, actor, audit)
    record_event(session, actor, CLASSIFY_ACTION, entity="bulk", entity_id=bulk_id,
                 details={"key": key, "entry_id": product.id, "created": not existed,
                          "before": before, "after": entry_dict(product), "gcode": c.gcode,
                          "lines": filled, "declarations": len(edited),
                          "became_ready": became})
    return ClassifyResult(bulk_id, key, result.applied, filled, len(edited), became)


def undo_classification(session: Session, actor: Actor, bulk_id: str) -> UndoResult:
    """Put back the goods lines a classification filled (where nobody changed them since)
    and the catalogue entry as it was (if it is still as the classification left it)."""
    require(actor, Permission.EDIT)
    event = session.scalars(select(AuditEvent).where(
        AuditEvent.action == CLASSIFY_ACTION, AuditEvent.entity_id == bulk_id)).first()
    if event is None:
        raise NotFoundError("No classification {id} to undo.", id=bulk_id)
    if session.execute(select(AuditEvent.id).where(
            AuditEvent.action == UNDO_ACTION, AuditEvent.entity_id == bulk_id)).first():
        raise ValidationError("This classification was already undone.")
    details = dict(event.details or {})
    has_lines = session.execute(select(AuditEvent.id).where(
        AuditEvent.action == BULK_ACTION, AuditEvent.entity_id == bulk_id)).first()
    undone = undo_bulk_edit(session, actor, bulk_id) if has_lines else UndoResult(bulk_id, 0, 0)
    entry = session.scalars(select(E).where(E.id == details.get("entry_id"))
                            .with_for_update()).first()
    restored = False
    if entry is not None and entry_dict(product_of(entry)) == details.get("after"):
        restored = True
        if details.get("created"):
            session.delete(entry)
        else:
            for name, value in (details.get("before") or {}).items():
                column = E.__table__.c[name]
                setattr(entry, name, column.type.python_type(value)
                        if value is not None and column.type.python_type is not str else value)
    session.flush()
    record_event(session, actor, UNDO_ACTION, entity="bulk", entity_id=bulk_id,
                 details={"key": details.get("key"), "records": undone.records,
                          "entry_restored": restored})
    return undone


def waiting_count(session: Session, ids: Sequence[int]) -> int:
    """How many of these declarations still have a waiting line (for tests and summaries)."""
    if not ids:
        return 0
    return int(session.scalar(select(func.count(func.distinct(It.declaration_id)))
                              .join(D, D.id == It.declaration_id)
                              .where(_waiting(), D.id.in_(list(ids)))) or 0)
