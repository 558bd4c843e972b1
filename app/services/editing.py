"""Saving an edited declaration: field parsing, optimistic locking, field-level audit.

The GUI editor and the CLI call `save_declaration()` with the version they loaded. If someone
else saved in between, `EditConflictError` carries their version so the caller can show both
and let the user choose; nothing is ever overwritten silently. Declarations that are queued or
further along are refused with the reason.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.catalogue.fill import fill_saved_items
from app.db.models import Declaration, DeclarationItem
from app.db.types import utcnow
from app.domain.errors import ConflictError, NotFoundError, ValidationError
from app.domain.fields import HEAD_BY_NAME, ITEM_BY_NAME, FieldSpec
from app.domain.status import EDITABLE_STATUSES, STATUS_LABELS, DeclarationStatus
from app.i18n import N_, Message
from app.precheck.plan import with_partners
from app.precheck.service import check_declarations
from app.security.audit import record_event
from app.security.context import Actor, Permission, require
from app.security.masking import DEFAULT_MASKED_KINDS, mask_field
from app.services.declarations import head_dict, item_dict

NOT_EDITABLE = N_("The declaration is {status} and can no longer be edited; changes after "
                  "submission go through an amendment.")
# Fields the clerk never types: identities and values the submission (appType 1 new / 2
# amendment, appTime, guid) or customs (preNo, invtNo) fill in.
READ_ONLY_HEAD: frozenset[str] = frozenset(
    {"guid", "appType", "appTime", "appStatus", "preNo", "invtNo"}
)


@dataclass(frozen=True)
class FieldChange:
    field: str
    gnum: int | None  # None for a head field
    before: Any
    after: Any

    def as_json(self) -> dict[str, Any]:
        return {"field": self.field, "gnum": self.gnum, "before": _json(self.before),
                "after": _json(self.after)}

    def as_audit_json(self) -> dict[str, Any]:
        """`as_json()` with identity numbers and phones masked: the audit trail keeps that a
        buyer's ID changed, never the number itself."""
        data = self.as_json()
        if self.gnum is None:
            for key in ("before", "after"):
                data[key] = mask_field(self.field, data[key], DEFAULT_MASKED_KINDS)
        return data


@dataclass(frozen=True)
class Snapshot:
    """One version of a declaration as the editor sees it."""

    id: int
    version: int
    status: str
    head: dict[str, Any]
    items: tuple[dict[str, Any], ...]


@dataclass(frozen=True)
class SaveResult:
    id: int
    version: int
    status: str
    changes: tuple[FieldChange, ...]


class EditConflictError(ConflictError):
    """Someone else saved the declaration after it was loaded; `theirs` is their version."""

    def __init__(self, theirs: Snapshot, loaded_version: int) -> None:
        super().__init__(
            "Someone else changed this declaration (version {theirs}, you loaded {mine}). "
            "Choose which values to keep.", theirs=theirs.version, mine=loaded_version,
        )
        self.theirs = theirs


def not_editable_reason(status: str) -> Message | None:
    """Why a declaration in `status` cannot be edited, or None when it can."""
    try:
        st = DeclarationStatus(status)
    except ValueError:
        return Message(NOT_EDITABLE, {"status": status})
    if st in EDITABLE_STATUSES:
        return None
    return Message(NOT_EDITABLE, {"status": Message(STATUS_LABELS[st])})


def load_snapshot(session: Session, actor: Actor, decl_id: int) -> Snapshot:
    require(actor, Permission.VIEW)
    decl = session.get(Declaration, decl_id)
    if decl is None:
        raise NotFoundError("No declaration with id, order or waybill number {key}.", key=decl_id)
    return _snapshot(decl)


def parse_value(spec: FieldSpec, raw: Any) -> Any:
    """Turn editor input (text or a typed value) into the stored value; '' becomes None.

    Raises ValidationError naming the field for malformed numbers and over-long text.
    """
    if raw is None:
        return None
    if isinstance(raw, float):
        raise TypeError("float is not accepted for exact amounts; pass a Decimal or text")
    text = raw.strip() if isinstance(raw, str) else raw
    if text == "":
        return None
    if spec.kind == "dec":
        try:
            value = text if isinstance(text, Decimal) else Decimal(str(text).replace(",", ""))
        except InvalidOperation:
            raise ValidationError("{field}: '{value}' is not a number.", field=spec.name,
                                  value=text) from None
        if not value.is_finite():
            raise ValidationError("{field}: '{value}' is not a number.", field=spec.name,
                                  value=text)
        return value
    if spec.kind == "int":
        try:
            return int(text)
        except (TypeError, ValueError):
            raise ValidationError("{field}: '{value}' is not a whole number.", field=spec.name,
                                  value=text) from None
    value_s = str(text)
    limit = spec.max_len or spec.length
    if limit is not None and len(value_s) > limit:
        raise ValidationError("{field} is too long: at most {max} characters.", field=spec.name,
                              max=limit)
    return value_s


def save_declaration(
    session: Session,
    actor: Actor,
    decl_id: int,
    expected_version: int,
    head: Mapping[str, Any],
    items: Sequence[Mapping[str, Any]] | None = None,
    *,
    reason: str | None = None,
) -> SaveResult:
    """Apply `head` (CEB name → value, only the fields to set) and, when given, the full item
    list (position i becomes gnum i+1) to declaration `decl_id`, loaded at `expected_version`.

    Raises NotFoundError, PermissionDeniedError, ConflictError (not editable),
    EditConflictError (someone else saved first) and ValidationError (bad values).
    """
    require(actor, Permission.EDIT)
    decl = session.get(Declaration, decl_id, with_for_update=True)
    if decl is None:
        raise NotFoundError("No declaration with id, order or waybill number {key}.", key=decl_id)
    why = not_editable_reason(decl.status)
    if why is not None:
        raise ConflictError(why.msgid, **why.params)
    if decl.version != expected_version:
        raise EditConflictError(_snapshot(decl), expected_version)

    changes: list[FieldChange] = []
    _ = decl.items  # load before changing anything: one UPDATE, one version step
    for name, raw in head.items():
        spec = HEAD_BY_NAME.get(name)
        if spec is None or name in READ_ONLY_HEAD:
            raise ValidationError("{field} cannot be edited here.", field=name)
        new = parse_value(spec, raw)
        old = getattr(decl, name)
        if _differs(old, new):
            setattr(decl, name, new)
            changes.append(FieldChange(name, None, old, new))
    if items is not None:
        changes.extend(_apply_items(session, decl, items))
    # What the goods catalogue knows of these products fills what the lines lack.
    changes.extend(FieldChange(name, gnum, before, after) for gnum, name, before, after
                   in fill_saved_items(session, decl.ebcCode, decl.items))

    if not changes:
        return SaveResult(decl.id, decl.version, decl.status, ())
    touch(decl)
    if items is not None:
        decl.goods_total = goods_total_of(decl)
    recheck_after_edit(session, actor, decl)
    session.flush()  # bumps the version (version_id_col) and would fail on a lost race
    record_event(
        session, actor, "declaration.update", entity="declaration", entity_id=decl.id,
        declaration_id=decl.id, reason=reason,
        details={"version": decl.version, "changes": [c.as_audit_json() for c in changes]},
    )
    session.refresh(decl)
    return SaveResult(decl.id, decl.version, decl.status, tuple(changes))


def recheck_after_edit(session: Session, actor: Actor, decl: Declaration) -> None:
    """The single place where an edit re-runs the pre-check (issue 5's check_declarations)."""
    recheck_after_edits(session, actor, [decl])


def recheck_after_edits(session: Session, actor: Actor,
                        decls: Sequence[Declaration]) -> None:
    """Re-check edited declarations in one set-based run.

    Without the CHECK permission the stored result is stale, so a ready or invalid
    declaration goes back to draft: nothing unchecked is ever batched.
    """
    if not decls:
        return
    if not actor.can(Permission.CHECK):
        for decl in decls:
            if decl.status in (DeclarationStatus.READY, DeclarationStatus.INVALID):
                decl.status = DeclarationStatus.DRAFT.value
        return
    session.flush()
    # With the declarations whose annual totals or duplicates the edits moved (the buyer's
    # others, waybill and order partners, before and after): those whose fingerprint no
    # longer holds are checked too.
    check_declarations(session, actor, with_partners(session, [d.id for d in decls]),
                       report=False)
    for decl in decls:  # the check updated status and counts with Core statements
        session.expire(decl, ["status", "error_count", "warning_count", "tax_estimate",
                              "goods_total", "checked_at"])


def _apply_items(
    session: Session, decl: Declaration, items: Sequence[Mapping[str, Any]]
) -> list[FieldChange]:
    changes: list[FieldChange] = []
    existing = {it.gnum: it for it in decl.items}
    for pos, values in enumerate(items):
        gnum = pos + 1
        row = existing.pop(gnum, None)
        if row is None:
            row = DeclarationItem(gnum=gnum)
            decl.items.append(row)
            changes.append(FieldChange("gnum", gnum, None, gnum))
        for name, raw in values.items():
            if name == "gnum":
                continue
            spec = ITEM_BY_NAME.get(name)
            if spec is None:
                raise ValidationError("{field} cannot be edited here.", field=name)
            new = parse_value(spec, raw)
            old = getattr(row, name)
            if _differs(old, new):
                setattr(row, name, new)
                changes.append(FieldChange(name, gnum, old, new))
    for gnum, row in sorted(existing.items()):
        changes.append(FieldChange("gnum", gnum, gnum, None))
        decl.items.remove(row)
    return changes


def touch(decl: Declaration) -> None:
    """Mark the declaration changed even when only its goods lines changed, so the flush
    moves its version: an editor still holding the old version then gets the conflict
    instead of silently writing back the goods lines it loaded."""
    decl.updated_at = utcnow()


def goods_total_of(decl: Declaration) -> Decimal | None:
    prices = [it.totalPrice for it in decl.items if it.totalPrice is not None]
    return sum(prices, Decimal(0)) if prices else None


def _snapshot(decl: Declaration) -> Snapshot:
    items = tuple(item_dict(i) for i in sorted(decl.items, key=lambda i: i.gnum))
    return Snapshot(decl.id, decl.version, decl.status, head_dict(decl), items)


def _differs(old: Any, new: Any) -> bool:
    # Decimals compare by value: 1.50000 as stored equals 1.5 as typed.
    return bool(old != new)


def _json(value: Any) -> Any:
    return str(value) if isinstance(value, Decimal) else value


def latest_versions(session: Session, ids: Sequence[int]) -> dict[int, int]:
    """Current version per declaration id (to refresh an open editor cheaply)."""
    rows = session.execute(select(Declaration.id, Declaration.version)
                           .where(Declaration.id.in_(ids)))
    return {int(i): int(v) for i, v in rows}
