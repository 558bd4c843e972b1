"""What the report dialog offers to choose from: platforms and batches, newest batches first."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.db.models import Batch, Declaration
from app.security.context import Actor, Permission, require


@dataclass(frozen=True)
class ReportChoices:
    platforms: tuple[str, ...]
    batches: tuple[tuple[int, str], ...]  # (id, batch number)


def report_choices(session: Session, actor: Actor, batch_limit: int = 500) -> ReportChoices:
    require(actor, Permission.VIEW)
    platforms = session.execute(
        select(Declaration.ebpName).where(Declaration.ebpName.is_not(None))
        .group_by(Declaration.ebpName).order_by(Declaration.ebpName)).scalars().all()
    batches = session.execute(
        select(Batch.id, Batch.batch_no).order_by(Batch.id.desc()).limit(batch_limit)).all()
    return ReportChoices(tuple(p for p in platforms if p),
                         tuple((int(i), str(n)) for i, n in batches))
