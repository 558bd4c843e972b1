"""The one place exports decide whether buyers' personal data is shown in full.

Masking itself belongs to the security area (`app.security.masking` / `app.security.pii`):
identity numbers and phones are masked for every role by default; a supervisor may unmask them
for one export by giving a reason, which `require_unmask` checks and records as an audit event.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy.orm import Session

from app.security.context import Actor
from app.security.masking import PII_FIELDS, PiiKind, mask_value
from app.security.pii import masked_kinds, require_unmask

Masker = Callable[[Any], Any]


def export_masking(session: Session, actor: Actor, unmask_reason: str | None, count: int
                   ) -> frozenset[PiiKind]:
    """The kinds of personal data an export masks. With `unmask_reason` the actor's unmask
    permission is checked and the unmask recorded (PermissionDeniedError / ValidationError)."""
    if unmask_reason is None:
        return masked_kinds(actor)
    require_unmask(session, actor, purpose="export", reason=unmask_reason, count=count)
    return masked_kinds(actor, unmasked=True)


def masker(key: str, kinds: frozenset[PiiKind]) -> Masker | None:
    """A function masking the values of the field `key` (CEB name), or None if it shows as is."""
    kind = PII_FIELDS.get(key)
    if kind is None or kind not in kinds:
        return None
    return lambda value: mask_value(kind, value)
