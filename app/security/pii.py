"""Who sees buyers' personal data in full, and the audited act of unmasking it.

Identity numbers and phones are masked for everyone by default (grid, editor, exports, logs).
A supervisor may unmask them for one declaration, or for one export, giving a reason; each
unmask is an audit event naming the fields and the purpose.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.db.models import Declaration
from app.domain.errors import NotFoundError, ValidationError
from app.i18n import N_
from app.security.audit import record_event
from app.security.context import Actor, Permission, require
from app.security.masking import (
    DEFAULT_MASKED_KINDS,
    PII_FIELDS,
    PiiKind,
    mask_field,
    mask_record,
)

# Fields that are stored on a declaration (PII_FIELDS also names payment-only elements).
DECLARATION_PII_FIELDS: tuple[str, ...] = tuple(
    name for name in PII_FIELDS if hasattr(Declaration, name)
)


def masked_kinds(actor: Actor, *, unmasked: bool = False) -> frozenset[PiiKind]:
    """The kinds of personal data `actor` gets masked; none only for an audited unmask."""
    if unmasked and actor.can(Permission.UNMASK):
        return frozenset()
    return DEFAULT_MASKED_KINDS


def mask_for(
    actor: Actor, record: Mapping[str, Any], *, unmasked: bool = False
) -> dict[str, Any]:
    """`record` (keyed by CEB names) as `actor` may see it."""
    return mask_record(record, masked_kinds(actor, unmasked=unmasked))


def require_unmask(
    session: Session,
    actor: Actor,
    *,
    purpose: str,
    reason: str,
    declaration_ids: Collection[int] = (),
    count: int | None = None,
) -> None:
    """Check the unmask permission and record the audit event; raise if refused.

    `purpose` says where the data goes (`view`, `export`, `print` …); an export of many
    declarations passes `count` instead of every id.
    """
    require(actor, Permission.UNMASK)
    if not reason.strip():
        raise ValidationError(N_("Give a reason for showing the full personal data."))
    ids = sorted(declaration_ids)
    record_event(
        session, actor, "unmask", entity="declaration",
        entity_id=ids[0] if len(ids) == 1 else None,
        declaration_id=ids[0] if len(ids) == 1 else None,
        details={"purpose": purpose, "count": count if count is not None else len(ids),
                 "ids": ids[:100]},
        reason=reason.strip()[:500],
    )


def unmask_declaration(
    session: Session, actor: Actor, declaration_id: int, *, reason: str
) -> dict[str, str | None]:
    """The full personal data of one declaration (supervisors; audited)."""
    row = session.execute(
        select(*(getattr(Declaration, f) for f in DECLARATION_PII_FIELDS)).where(
            Declaration.id == declaration_id
        )
    ).first()
    if row is None:
        raise NotFoundError(N_("There is no declaration with id {id}."), id=declaration_id)
    require_unmask(session, actor, purpose="view", reason=reason,
                   declaration_ids=[declaration_id])
    return dict(zip(DECLARATION_PII_FIELDS, row, strict=True))


def mask_rows(
    actor: Actor,
    keys: Sequence[str],
    rows: Iterable[Sequence[Any]],
    *,
    unmasked: bool = False,
) -> tuple[tuple[Any, ...], ...]:
    """Grid rows (tuples in `keys` order) as `actor` may see them."""
    kinds = masked_kinds(actor, unmasked=unmasked)
    positions = [i for i, key in enumerate(keys) if PII_FIELDS.get(key) in kinds]
    if not positions:
        return tuple(tuple(r) for r in rows)
    out = []
    for row in rows:
        values = list(row)
        for i in positions:
            values[i] = mask_field(keys[i], values[i], kinds)
        out.append(tuple(values))
    return tuple(out)
