"""Exceptions first: the parcels that stopped anywhere in the flow, grouped by cause with a
count and the age of the oldest, oldest first — what people should spend their day on while
the autopilot takes the clean parcels. Aggregated in SQL (one GROUP BY per kind of stop).

Causes: import rows rejected (by file, last 7 days), pre-check errors (by rule code), ready
parcels the autopilot leaves to a person (a warning nobody acknowledged), customs rejections
(by reply code), parcels customs holds (inspection, detention, shipped back), and overdue
receipts (sent, no answer for `receiptOverdueHours`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.db.models import Declaration, ImportJob, ImportRowError, Problem
from app.domain.status import DeclarationStatus as S
from app.i18n import N_, Message
from app.security.context import Actor, Permission, require
from app.services.settings import all_settings

D = Declaration
HELD = (S.INSPECTION.value, S.DETAINED.value, S.SHIPPED_BACK.value)
DEFAULT_OVERDUE_HOURS = 4.0


@dataclass(frozen=True)
class ExceptionGroup:
    kind: str  # import | precheck | warning | rejected | held | overdue
    cause: str  # rule code, customs code, status, file name
    count: int
    oldest: datetime | None

    def title(self) -> Message:
        texts = {"import": N_("Import rows rejected in {cause}"),
                 "precheck": N_("Pre-check: {cause}"),
                 "warning": N_("Ready, unacknowledged warning: {cause}"),
                 "rejected": N_("Rejected by customs ({cause})"),
                 "held": N_("Held by customs: {cause}"),
                 "overdue": N_("No receipt from customs for {cause} hours or more")}
        return Message(texts[self.kind], {"cause": self._cause_text()})

    def _cause_text(self) -> Message | str:
        """The cause in words: a rule's title, a status's name (the code stays in JSON)."""
        from app.rules.problem import code_title

        if self.kind in ("precheck", "warning"):
            return code_title(self.cause)
        if self.kind == "held":
            try:
                return Message(S(self.cause).label)
            except ValueError:
                return self.cause
        if self.kind == "rejected" and self.cause == "?":
            return Message(N_("no code"))
        return self.cause

    def to_json(self, now: datetime, lang: str) -> dict[str, Any]:
        from app.i18n import render

        age = (now - self.oldest).total_seconds() / 3600 if self.oldest else None
        return {"kind": self.kind, "cause": self.cause, "count": self.count,
                "oldest": self.oldest.isoformat() if self.oldest else None,
                "ageHours": round(age, 1) if age is not None else None,
                "title": render(self.title(), lang)}


def overdue_hours(values: dict[str, str]) -> float:
    try:
        return max(0.0, float(values.get("receiptOverdueHours") or DEFAULT_OVERDUE_HOURS))
    except ValueError:
        return DEFAULT_OVERDUE_HOURS


def exception_groups(session: Session, actor: Actor, *, now: datetime | None = None
                     ) -> list[ExceptionGroup]:
    require(actor, Permission.VIEW)
    moment = now or datetime.now(UTC)
    out: list[ExceptionGroup] = []
    since = moment - timedelta(days=7)
    for name, n, oldest in session.execute(
            select(ImportJob.file_name, func.count(ImportRowError.id),
                   func.min(ImportJob.started_at))
            .join(ImportRowError, ImportRowError.import_job_id == ImportJob.id)
            .where(ImportJob.started_at >= since).group_by(ImportJob.file_name)):
        out.append(ExceptionGroup("import", str(name), int(n), oldest))
    errors = (select(Problem.code, func.count(func.distinct(D.id)), func.min(D.created_at))
              .join(D, D.id == Problem.declaration_id)
              .where(D.status == S.INVALID.value, Problem.severity == "error")
              .group_by(Problem.code))
    out += [ExceptionGroup("precheck", str(c), int(n), o) for c, n, o in session.execute(errors)]
    warned = (select(Problem.code, func.count(func.distinct(D.id)), func.min(D.created_at))
              .join(D, D.id == Problem.declaration_id)
              .where(D.status == S.READY.value, D.batch_id.is_(None),
                     Problem.severity == "warning", Problem.acknowledged_at.is_(None))
              .group_by(Problem.code))
    out += [ExceptionGroup("warning", str(c), int(n), o) for c, n, o in session.execute(warned)]
    # Grouped by the bare column: PostgreSQL does not see two bound COALESCE(…, '?') as one
    # expression in SELECT and GROUP BY.
    rejected = (select(D.last_return_status, func.count(), func.min(D.updated_at))
                .where(D.status == S.REJECTED.value).group_by(D.last_return_status))
    out += [ExceptionGroup("rejected", str(c or "?"), int(n), o)
            for c, n, o in session.execute(rejected)]
    held = (select(D.status, func.count(), func.min(D.updated_at))
            .where(D.status.in_(HELD)).group_by(D.status))
    out += [ExceptionGroup("held", str(st), int(n), o) for st, n, o in session.execute(held)]
    hours = overdue_hours(all_settings(session))
    late = moment - timedelta(hours=hours)
    n, oldest = session.execute(
        select(func.count(), func.min(D.updated_at))
        .where(D.status == S.SENT.value, D.updated_at < late)).one()
    if n:
        out.append(ExceptionGroup("overdue", f"{hours:g}", int(n), oldest))
    return sorted(out, key=lambda g: (g.oldest is None, _naive(g.oldest), -g.count))


def _naive(moment: datetime | None) -> datetime:
    if moment is None:
        return datetime.max
    return moment.astimezone(UTC).replace(tzinfo=None) if moment.tzinfo else moment


