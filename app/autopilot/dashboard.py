"""The supervisor's dashboard: a Beijing day's flow hour by hour — declarations received,
declared by the autopilot, declared by people, stopped (still waiting for a person), released.

Each column is one GROUP BY over the hour of an indexed timestamp of that day:

- received: declarations created (`declarations.created_at`);
- declared: `declaration.send` audit events (one per declaration handed to customs), the
  autopilot's being those of a user `autopilot:<approver>` (app/autopilot/rules.acting_for);
- stopped: the parcels `exception_groups` lists (app/autopilot/exceptions.py), each counted
  at the hour it stopped, by the timestamp that module ages it by: import rows rejected
  (import start), pre-check errors and unacknowledged warnings (created), customs
  rejections, holds and overdue receipts (last change);
- released: declarations with an applied release receipt (returnStatus 800), by arrival.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import case, exists, func, select
from sqlalchemy.orm import Session

from app.autopilot.exceptions import HELD, overdue_hours
from app.db.models import (
    AuditEvent,
    Declaration,
    ImportJob,
    ImportRowError,
    InboundReceipt,
    Problem,
)
from app.domain.clock import beijing_today, day_bounds_utc
from app.domain.status import DeclarationStatus as S
from app.i18n import N_
from app.reports.sqlfuncs import beijing_hour
from app.security.context import Actor, Permission, require
from app.services.settings import all_settings

D = Declaration
AUTOPILOT_USER_PREFIX = "autopilot:"
SEND_ACTION = "declaration.send"
RELEASE_STATUS = "800"
STOP_KINDS = ("import", "precheck", "warning", "rejected", "held", "overdue")
STOP_LABELS = {"import": N_("Import rows rejected"), "precheck": N_("Pre-check errors"),
               "warning": N_("Unacknowledged warnings"), "rejected": N_("Rejected by customs"),
               "held": N_("Held by customs"), "overdue": N_("No receipt in time")}


@dataclass(frozen=True)
class HourFlow:
    """One hour's counts (hour 0–23 on the Beijing clock; None for the day's totals)."""

    hour: int | None
    received: int = 0
    auto_declared: int = 0
    declared_by_people: int = 0
    released: int = 0
    stops: tuple[tuple[str, int], ...] = ()  # (kind, parcels) in STOP_KINDS order, non-zero

    @property
    def exceptions(self) -> int:
        return sum(n for _, n in self.stops)

    @property
    def declared(self) -> int:
        return self.auto_declared + self.declared_by_people

    def to_json(self) -> dict[str, Any]:
        return {"hour": self.hour, "received": self.received,
                "autoDeclared": self.auto_declared,
                "declaredByPeople": self.declared_by_people,
                "exceptions": self.exceptions, "released": self.released,
                "stops": dict(self.stops)}


@dataclass(frozen=True)
class DayFlow:
    day: date
    hours: tuple[HourFlow, ...]  # all 24, quiet ones as zeros
    now: datetime = field(compare=False)

    @property
    def totals(self) -> HourFlow:
        stops: dict[str, int] = {}
        for h in self.hours:
            for kind, n in h.stops:
                stops[kind] = stops.get(kind, 0) + n
        return HourFlow(None, sum(h.received for h in self.hours),
                        sum(h.auto_declared for h in self.hours),
                        sum(h.declared_by_people for h in self.hours),
                        sum(h.released for h in self.hours), _ordered(stops))

    def to_json(self) -> dict[str, Any]:
        return {"day": self.day.isoformat(), "hours": [h.to_json() for h in self.hours],
                "totals": self.totals.to_json()}


def day_flow(session: Session, actor: Actor, day: date | None = None, *,
             now: datetime | None = None) -> DayFlow:
    """The flow of Beijing `day` (default: today) per hour. A supervisor's report."""
    require(actor, Permission.REPORTS)
    moment = now or datetime.now(UTC)
    when = day or beijing_today()
    start, end = day_bounds_utc(when, when)
    received = _per_hour(session, D.created_at, start, end)
    send = AuditEvent.at
    auto = func.sum(case((AuditEvent.user_name.like(AUTOPILOT_USER_PREFIX + "%"), 1), else_=0))
    hour = beijing_hour(send)
    declared = {int(h): (int(a or 0), int(n)) for h, a, n in session.execute(
        select(hour, auto, func.count()).where(AuditEvent.action == SEND_ACTION,
                                               send >= start, send < end).group_by(hour))}
    arrived = InboundReceipt.received_at
    released = _per_hour(session, arrived, start, end, InboundReceipt.applied.is_(True),
                         InboundReceipt.return_status == RELEASE_STATUS,
                         count=func.count(func.distinct(InboundReceipt.declaration_id)))
    stops = _stops(session, start, end, moment)
    hours = []
    for h in range(24):
        by_autopilot, sent = declared.get(h, (0, 0))
        hours.append(HourFlow(h, received.get(h, 0), by_autopilot, sent - by_autopilot,
                              released.get(h, 0),
                              _ordered({k: v[h] for k, v in stops.items() if v.get(h)})))
    return DayFlow(when, tuple(hours), moment)


def _ordered(counts: dict[str, int]) -> tuple[tuple[str, int], ...]:
    return tuple((k, counts[k]) for k in STOP_KINDS if counts.get(k))


def _per_hour(session: Session, column: Any, start: datetime, end: datetime,
              *where: Any, count: Any = None) -> dict[int, int]:
    hour = beijing_hour(column)
    stmt = (select(hour, count if count is not None else func.count())
            .where(column >= start, column < end, *where).group_by(hour))
    return {int(h): int(n) for h, n in session.execute(stmt)}


def _stops(session: Session, start: datetime, end: datetime, now: datetime
           ) -> dict[str, dict[int, int]]:
    """Per kind of stop, parcels per hour that stopped then (definitions: exceptions.py)."""
    error = exists().where(Problem.declaration_id == D.id, Problem.severity == "error")
    warning = exists().where(Problem.declaration_id == D.id, Problem.severity == "warning",
                             Problem.acknowledged_at.is_(None))
    late = now - timedelta(hours=overdue_hours(all_settings(session)))
    # The day's few import jobs first, then their rejected rows by job: joined in one
    # statement, SQLite walked every rejected row ever kept.
    jobs = {int(job_id): int(hour) for job_id, hour in session.execute(
        select(ImportJob.id, beijing_hour(ImportJob.started_at))
        .where(ImportJob.started_at >= start, ImportJob.started_at < end))}
    rejected_rows: dict[int, int] = {}
    for part in (list(jobs)[i:i + 500] for i in range(0, len(jobs), 500)):
        for job_id, n in session.execute(
                select(ImportRowError.import_job_id, func.count())
                .where(ImportRowError.import_job_id.in_(part))
                .group_by(ImportRowError.import_job_id)):
            hour = jobs[int(job_id)]
            rejected_rows[hour] = rejected_rows.get(hour, 0) + int(n)
    return {
        "import": rejected_rows,
        "precheck": _per_hour(session, D.created_at, start, end,
                              D.status == S.INVALID.value, error),
        "warning": _per_hour(session, D.created_at, start, end, D.status == S.READY.value,
                             D.batch_id.is_(None), warning),
        "rejected": _per_hour(session, D.updated_at, start, end,
                              D.status == S.REJECTED.value),
        "held": _per_hour(session, D.updated_at, start, end, D.status.in_(HELD)),
        "overdue": _per_hour(session, D.updated_at, start, end, D.status == S.SENT.value,
                             D.updated_at < late),
    }
