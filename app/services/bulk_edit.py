"""Bulk edit of many declarations: preview, apply in the caller's one transaction, undo.

Operations: set a head field (e.g. `trafNo`/`voyageNo`/`billNo` for a flight), set an item
field on every item (optionally only items whose name contains some text, e.g. the HS code of
every "奶粉" line), and find-and-replace in item names. Every changed declaration gets one audit
event carrying the bulk change id and its field-level before/after; undo replays those events
backwards, leaving alone any record changed again since.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from typing import Any, Literal

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from app.db.models import AuditEvent, Declaration
from app.domain.errors import NotFoundError, ValidationError
from app.domain.fields import HEAD_BY_NAME, ITEM_BY_NAME
from app.security.audit import AuditRecord, record_events
from app.security.context import Actor, Permission, require
from app.services.editing import (
    READ_ONLY_HEAD,
    FieldChange,
    goods_total_of,
    not_editable_reason,
    parse_value,
    recheck_after_edits,
    touch,
)

Kind = Literal["set_head", "set_item", "replace_item_text"]
ACTION = "declaration.bulk_update"
UNDO_ACTION = "declaration.bulk_undo"
CHUNK = 500
SAMPLE_SIZE = 20


@dataclass(frozen=True)
class BulkEdit:
    kind: Kind
    field: str  # CEB name of the head or item field
    value: str = ""  # the new value, or the replacement text
    find: str = ""  # replace: the text to find; set_item: only items whose gname contains it


@dataclass(frozen=True)
class BulkPreview:
    records: int  # declarations that would change
    items: int  # item lines that would change (item operations)
    not_editable: int  # selected declarations skipped because of their status
    samples: tuple[tuple[int, FieldChange], ...]  # (declaration id, change), the first few
    # the order No. (or waybill No.) of each sample's declaration
    orders: Mapping[int, str] = dataclass_field(default_factory=dict)


@dataclass(frozen=True)
class BulkResult:
    bulk_id: str
    records: int
    items: int
    not_editable: int


@dataclass(frozen=True)
class UndoResult:
    bulk_id: str
    records: int
    skipped: int  # changed again since, or no longer editable: left as they are


def _validate(edit: BulkEdit) -> None:
    if edit.kind == "set_head":
        if edit.field not in HEAD_BY_NAME or edit.field in READ_ONLY_HEAD:
            raise ValidationError("{field} cannot be edited here.", field=edit.field)
        parse_value(HEAD_BY_NAME[edit.field], edit.value)
    elif edit.kind == "set_item":
        if edit.field not in ITEM_BY_NAME or edit.field == "gnum":
            raise ValidationError("{field} cannot be edited here.", field=edit.field)
        parse_value(ITEM_BY_NAME[edit.field], edit.value)
    elif edit.kind == "replace_item_text":
        spec = ITEM_BY_NAME.get(edit.field)
        if spec is None or spec.kind != "str":
            raise ValidationError("{field} cannot be edited here.", field=edit.field)
        if not edit.find:
            raise ValidationError("Enter the text to find.")


def _declarations(session: Session, ids: Sequence[int], *,
                  lock: bool = False) -> Iterator[Declaration]:
    """The declarations with their goods lines; `lock`ed ones (FOR UPDATE on PostgreSQL)
    wait for another workstation's save of the same declaration and are then read fresh."""
    unique = sorted(set(ids))
    for start in range(0, len(unique), CHUNK):
        chunk = unique[start:start + CHUNK]
        stmt = (select(Declaration).where(Declaration.id.in_(chunk))
                .options(selectinload(Declaration.items)).order_by(Declaration.id))
        if lock:
            stmt = stmt.with_for_update(of=Declaration).execution_options(
                populate_existing=True)
        yield from session.execute(stmt).scalars()


def _changes(decl: Declaration, edit: BulkEdit) -> list[FieldChange]:
    if edit.kind == "set_head":
        new = parse_value(HEAD_BY_NAME[edit.field], edit.value)
        old = getattr(decl, edit.field)
        return [FieldChange(edit.field, None, old, new)] if old != new else []
    out: list[FieldChange] = []
    needle = edit.find.strip()
    for item in decl.items:
        old = getattr(item, edit.field)
        if edit.kind == "set_item":
            if needle and needle not in (item.gname or ""):
                continue
            new = parse_value(ITEM_BY_NAME[edit.field], edit.value)
        else:
            if not old or edit.find not in old:
                continue
            new = parse_value(ITEM_BY_NAME[edit.field], old.replace(edit.find, edit.value))
        if old != new:
            out.append(FieldChange(edit.field, item.gnum, old, new))
    return out


def preview_bulk_edit(session: Session, actor: Actor, ids: Sequence[int],
                      edit: BulkEdit) -> BulkPreview:
    """How many of the selected declarations (and items) `edit` would change; nothing is
    written."""
    require(actor, Permission.EDIT)
    _validate(edit)
    records = items = skipped = 0
    samples: list[tuple[int, FieldChange]] = []
    orders: dict[int, str] = {}
    for decl in _declarations(session, ids):
        changes = _changes(decl, edit)
        if not changes:
            continue
        if not_editable_reason(decl.status) is not None:
            skipped += 1
            continue
        records += 1
        items += sum(1 for c in changes if c.gnum is not None)
        for c in changes:
            if len(samples) < SAMPLE_SIZE:
                samples.append((decl.id, c))
                orders[decl.id] = decl.orderNo or decl.logisticsNo or str(decl.id)
    return BulkPreview(records, items, skipped, tuple(samples), orders)


def apply_bulk_edit(session: Session, actor: Actor, ids: Sequence[int],
                    edit: BulkEdit) -> BulkResult:
    """Apply `edit` to the editable selected declarations inside the caller's transaction,
    one audit event per changed declaration. Returns the bulk id that `undo_bulk_edit` takes."""
    require(actor, Permission.EDIT)
    _validate(edit)
    bulk_id = uuid.uuid4().hex
    records = items = skipped = 0
    audit: list[AuditRecord] = []
    edited: list[Declaration] = []
    for decl in _declarations(session, ids, lock=True):
        changes = _changes(decl, edit)
        if not changes:
            continue
        if not_editable_reason(decl.status) is not None:
            skipped += 1
            continue
        _apply(decl, changes)
        edited.append(decl)
        records += 1
        items += sum(1 for c in changes if c.gnum is not None)
        audit.append(_audit(ACTION, decl.id, bulk_id, changes, edit))
    recheck_after_edits(session, actor, edited)
    session.flush()
    if audit:
        record_events(session, actor, audit)
    return BulkResult(bulk_id, records, items, skipped)


def undo_bulk_edit(session: Session, actor: Actor, bulk_id: str) -> UndoResult:
    """Put back the values a bulk edit replaced, where nobody changed them since."""
    require(actor, Permission.EDIT)
    events = [
        e for e in session.execute(
            select(AuditEvent).where(AuditEvent.action == ACTION,
                                     AuditEvent.entity_id == bulk_id).order_by(AuditEvent.id)
        ).scalars()
    ]
    if not events:
        raise NotFoundError("No bulk change {id} to undo.", id=bulk_id)
    if session.execute(select(AuditEvent.id).where(
            AuditEvent.action == UNDO_ACTION, AuditEvent.entity_id == bulk_id)).first():
        raise ValidationError("This bulk change was already undone.")
    by_decl = {int(e.declaration_id): e for e in events if e.declaration_id is not None}
    undone = skipped = 0
    audit: list[AuditRecord] = []
    edited: list[Declaration] = []
    for decl in _declarations(session, list(by_decl), lock=True):
        recorded = by_decl[decl.id].details.get("changes", [])
        reverse = [_reverse(decl, c) for c in recorded]
        if (not_editable_reason(decl.status) is not None
                or any(r is None for r in reverse)):
            skipped += 1
            continue
        changes = [r for r in reverse if r is not None]
        _apply(decl, changes)
        edited.append(decl)
        undone += 1
        audit.append(_audit(UNDO_ACTION, decl.id, bulk_id, changes, None))
    skipped += len(by_decl) - undone - skipped
    recheck_after_edits(session, actor, edited)
    session.flush()
    if audit:
        record_events(session, actor, audit)
    return UndoResult(bulk_id, undone, skipped)


def _reverse(decl: Declaration, recorded: dict[str, Any]) -> FieldChange | None:
    """The change that restores `recorded['before']`, or None if the value moved on."""
    field, gnum = recorded["field"], recorded["gnum"]
    if gnum is None:
        spec, target = HEAD_BY_NAME[field], decl
    else:
        spec = ITEM_BY_NAME[field]
        found = [i for i in decl.items if i.gnum == gnum]
        if not found:
            return None
        target = found[0]  # type: ignore[assignment]
    current = getattr(target, field)
    if current != parse_value(spec, recorded["after"]):
        return None
    return FieldChange(field, gnum, current, parse_value(spec, recorded["before"]))


def _apply(decl: Declaration, changes: Sequence[FieldChange]) -> None:
    touch(decl)  # the version moves even when only goods lines change
    items = {i.gnum: i for i in decl.items}
    for c in changes:
        setattr(decl if c.gnum is None else items[c.gnum], c.field, c.after)
    if any(c.field == "totalPrice" and c.gnum is not None for c in changes):
        decl.goods_total = goods_total_of(decl)


def _audit(action: str, decl_id: int, bulk_id: str, changes: Sequence[FieldChange],
           edit: BulkEdit | None) -> AuditRecord:
    details: dict[str, Any] = {"bulk": bulk_id, "changes": [c.as_json() for c in changes]}
    if edit is not None:
        details["operation"] = {"kind": edit.kind, "field": edit.field, "value": edit.value,
                                "find": edit.find}
    return AuditRecord(action, "bulk", bulk_id, decl_id, details)
