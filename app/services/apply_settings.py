"""“Apply office settings to open declarations”: fill EMPTY head fields of editable
declarations from the broker settings (agent, logistics company, customs codes, trade mode …).

Settings entered after an import do not reach the declarations already imported; this run does,
without touching any value a declaration already has. Each changed declaration gets one audit
event carrying the run id and its field-level before/after; `undo_apply_settings(run)` empties
exactly those fields again where nobody changed them since. Both re-run the pre-check on what
they changed.

Permission: EDIT, as for a bulk edit, of which this is a narrow case (empty fields only, values
the administrator set). The administrator's role edits no declarations (no EDIT, no CHECK):
the administrator keeps the settings, a supervisor or clerk applies them.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from app.db.models import AuditEvent, Declaration
from app.domain.errors import NotFoundError, ValidationError
from app.domain.fields import HEAD_BY_NAME
from app.domain.status import EDITABLE_STATUSES
from app.i18n import N_
from app.security.audit import AuditRecord, record_events
from app.security.context import Actor, Permission, require
from app.services.editing import (
    READ_ONLY_HEAD,
    FieldChange,
    parse_value,
    recheck_after_edits,
)
from app.services.settings import all_settings

ACTION = "settings.apply_open"
UNDO_ACTION = "settings.apply_open_undo"
ENTITY = "settings_run"
CHUNK = 500

MSG_NO_RUN = N_("No run {run} of “apply office settings” to undo.")
MSG_UNDONE = N_("Run {run} of “apply office settings” was already undone.")
MSG_BAD_SETTING = N_("The office setting {key} cannot be put into declarations: {reason}")


@dataclass(frozen=True)
class ApplyCounts:
    """What a run did (or, for a dry run, would do)."""

    run_id: str  # empty for a dry run
    declarations: int
    fields: int
    by_field: Mapping[str, int]  # CEB name → declarations filled


@dataclass(frozen=True)
class UndoCounts:
    run_id: str
    declarations: int
    fields: int
    skipped: int  # declarations changed again since, or no longer editable: left as they are


def office_values(session: Session) -> dict[str, Any]:
    """The settings that are declaration head fields, parsed as the field stores them."""
    out: dict[str, Any] = {}
    for key, raw in all_settings(session).items():
        spec = HEAD_BY_NAME.get(key)
        if spec is None or key in READ_ONLY_HEAD or raw in (None, ""):
            continue
        try:
            out[key] = parse_value(spec, raw)
        except ValidationError as exc:
            raise ValidationError(MSG_BAD_SETTING, key=key, reason=exc.message) from exc
    return out


def _empty(value: Any) -> bool:
    return value is None or value == ""


def _open_declarations(session: Session, fields: Sequence[str]) -> Iterator[Declaration]:
    """Editable declarations with at least one of `fields` empty, in chunks."""
    if not fields:
        return
    blank = or_(*(c for f in fields for c in (getattr(Declaration, f).is_(None),
                                               getattr(Declaration, f) == "")))
    ids = list(session.execute(
        select(Declaration.id).where(Declaration.status.in_([s.value for s in
                                                             EDITABLE_STATUSES]), blank)
        .order_by(Declaration.id)).scalars())
    for start in range(0, len(ids), CHUNK):
        yield from session.execute(select(Declaration).where(
            Declaration.id.in_(ids[start:start + CHUNK])).order_by(Declaration.id)).scalars()


def _changes(decl: Declaration, values: Mapping[str, Any]) -> list[FieldChange]:
    return [FieldChange(k, None, getattr(decl, k), v) for k, v in values.items()
            if _empty(getattr(decl, k))]


def apply_settings_to_open(session: Session, actor: Actor, *,
                           dry_run: bool = False) -> ApplyCounts:
    """Fill empty head fields of every editable declaration from the office settings, in
    the caller's transaction. `dry_run` only counts. Returns the run id `undo` takes.

    Raises PermissionDeniedError (roles without EDIT) and ValidationError (a setting that
    cannot be a declaration value).
    """
    require(actor, Permission.EDIT)
    values = office_values(session)
    run_id = "" if dry_run else uuid.uuid4().hex
    by_field: dict[str, int] = {}
    audit: list[AuditRecord] = []
    edited: list[Declaration] = []
    fields = declarations = 0
    for decl in _open_declarations(session, list(values)):
        changes = _changes(decl, values)
        if not changes:
            continue
        declarations += 1
        for c in changes:
            by_field[c.field] = by_field.get(c.field, 0) + 1
        fields += len(changes)
        if dry_run:
            continue
        for c in changes:
            setattr(decl, c.field, c.after)
        edited.append(decl)
        audit.append(_audit(ACTION, decl.id, run_id, changes))
    if not dry_run:
        recheck_after_edits(session, actor, edited)
        session.flush()
        if audit:
            record_events(session, actor, audit)
    return ApplyCounts(run_id, declarations, fields, dict(sorted(by_field.items())))


def undo_apply_settings(session: Session, actor: Actor, run_id: str) -> UndoCounts:
    """Empty again the fields run `run_id` filled, where they still hold the value it put
    there and the declaration is still editable (audited, pre-checked again)."""
    require(actor, Permission.EDIT)
    events = list(session.execute(
        select(AuditEvent).where(AuditEvent.action == ACTION, AuditEvent.entity_id == run_id)
        .order_by(AuditEvent.id)).scalars())
    if not events:
        raise NotFoundError(MSG_NO_RUN, run=run_id)
    if session.execute(select(AuditEvent.id).where(
            AuditEvent.action == UNDO_ACTION, AuditEvent.entity_id == run_id)).first():
        raise ValidationError(MSG_UNDONE, run=run_id)
    by_decl = {int(e.declaration_id): e.details.get("changes", []) for e in events
               if e.declaration_id is not None}
    editable = {s.value for s in EDITABLE_STATUSES}
    audit: list[AuditRecord] = []
    edited: list[Declaration] = []
    fields = 0
    ids = sorted(by_decl)
    for start in range(0, len(ids), CHUNK):
        for decl in session.execute(select(Declaration).where(
                Declaration.id.in_(ids[start:start + CHUNK]))).scalars():
            if decl.status not in editable:
                continue
            changes = []
            for recorded in by_decl[decl.id]:
                name = recorded["field"]
                current = getattr(decl, name)
                if current == parse_value(HEAD_BY_NAME[name], recorded["after"]):
                    changes.append(FieldChange(name, None, current, recorded["before"]))
            if not changes:
                continue
            for c in changes:
                setattr(decl, c.field, c.after)
            edited.append(decl)
            fields += len(changes)
            audit.append(_audit(UNDO_ACTION, decl.id, run_id, changes))
    recheck_after_edits(session, actor, edited)
    session.flush()
    if audit:
        record_events(session, actor, audit)
    return UndoCounts(run_id, len(edited), fields, len(by_decl) - len(edited))


def _audit(action: str, decl_id: int, run_id: str,
           changes: Sequence[FieldChange]) -> AuditRecord:
    return AuditRecord(action, ENTITY, run_id, decl_id,
                       {"run": run_id, "changes": [c.as_json() for c in changes]})
