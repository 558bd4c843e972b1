"""Who changed a declaration last: what an open editor tells its clerk when another
workstation saved the declaration meanwhile."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.db.models import AuditEvent, Declaration
from app.security.context import Actor, Permission, require


@dataclass(frozen=True)
class DeclarationChange:
    version: int
    user_name: str | None  # of the newest audit event on the declaration
    workstation: str | None
    at: datetime | None


def declaration_change(session: Session, actor: Actor, decl_id: int) -> DeclarationChange | None:
    """The declaration's version and its newest audit event; None once it is gone."""
    require(actor, Permission.VIEW)
    version = session.scalar(select(Declaration.version).where(Declaration.id == decl_id))
    if version is None:
        return None
    last = session.execute(
        select(AuditEvent.user_name, AuditEvent.workstation, AuditEvent.at)
        .where(AuditEvent.declaration_id == decl_id)
        .order_by(AuditEvent.id.desc()).limit(1)).first()
    if last is None:
        return DeclarationChange(int(version), None, None, None)
    return DeclarationChange(int(version), last.user_name, last.workstation, last.at)
