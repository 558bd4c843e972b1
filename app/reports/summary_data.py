"""The numbers of the summary workbook, each one a SQL aggregate (GROUP BY), never a Python loop
over declarations (the total and the submitted count add up the few status rows). Every
breakdown covers the same declarations, so its rows sum to the total.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import Select, case, func, literal_column, or_, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.expression import ColumnClause

from app.db.models import (
    AuditEvent,
    Batch,
    Declaration,
    ImportJob,
    InboundReceipt,
    MessageDeclaration,
    OutboundMessage,
    Problem,
)
from app.domain.clock import day_bounds_utc
from app.reports.sqlfuncs import beijing_day, seconds_between
from app.rules.problem import code_title
from app.services.queries import DeclarationFilter
from app.submission.causes import cause_of, normalise_info

D = Declaration
RELEASED = ("released", "cleared")
# Declarations that went to customs (the denominator of the rejection rate).
SUBMITTED = ("sent", "accepted", "review", "inspection", "detained", "shipped_back",
             "cancel_requested", "released", "cleared", "return_requested", "returned",
             "rejected")
RELEASE_STATUS = "800"
TOP_CAUSES = 15
ZERO = Decimal("0.00000")
# Inlined, not a bound parameter: PostgreSQL matches GROUP BY expressions textually, and two
# separately bound '' parameters would not match.
EMPTY: ColumnClause[str] = literal_column("''")


@dataclass(frozen=True)
class SummaryScope:
    date_from: date
    date_to: date  # inclusive; Beijing days, like the grid's date filter
    platform: str | None = None
    batch_id: int | None = None

    def declaration_filter(self) -> DeclarationFilter:
        return DeclarationFilter(created_from=self.date_from, created_to=self.date_to,
                                 platform=self.platform, batch_id=self.batch_id)

    def time_range(self) -> tuple[datetime, datetime]:
        return day_bounds_utc(self.date_from, self.date_to)


@dataclass(frozen=True)
class Totals:
    """Declarations, released, rejected, goods value and tax of one group."""

    key: Any
    count: int
    released: int
    rejected: int
    goods_value: Decimal
    tax: Decimal


@dataclass(frozen=True)
class Overview:
    total: Totals
    submitted: int
    rejection_rate: float | None  # rejected ÷ submitted
    released_timed: int  # declarations with both a sent message and a release receipt
    median_hours: float | None
    p90_hours: float | None


@dataclass(frozen=True)
class ClerkRow:
    user: str
    imports: int
    edits: int
    submissions: int
    other: int
    total: int


@dataclass(frozen=True)
class CauseRow:
    source: str  # "customs" | "precheck"
    code: str
    text: str  # customs text, or the pre-check code's title (English msgid, translatable)
    declarations: int
    example: str  # an order number showing the cause
    advice: str  # what to do (English msgid), "" when there is no advice


@dataclass(frozen=True)
class SummaryData:
    scope: SummaryScope
    overview: Overview
    statuses: tuple[Totals, ...]
    days: tuple[Totals, ...]  # key: date
    platforms: tuple[Totals, ...]  # key: ebpName or ""
    batches: tuple[Totals, ...]  # key: batch number or ""
    clerks: tuple[ClerkRow, ...]
    causes: tuple[CauseRow, ...]


def _measures() -> list[Any]:
    return [
        func.count(D.id),
        func.sum(case((D.status.in_(RELEASED), 1), else_=0)),
        func.sum(case((D.status == "rejected", 1), else_=0)),
        func.sum(D.goods_total),
        func.sum(D.tax_estimate),
    ]


def _totals(key: Any, row: Any) -> Totals:
    return Totals(key, int(row[0] or 0), int(row[1] or 0), int(row[2] or 0),
                  row[3] if row[3] is not None else ZERO, row[4] if row[4] is not None else ZERO)


def _grouped(session: Session, stmt: Select[Any]) -> tuple[tuple[Any, tuple[Any, ...]], ...]:
    return tuple((r[0], tuple(r[1:])) for r in session.execute(stmt))


def collect_summary(session: Session, scope: SummaryScope) -> SummaryData:
    """All aggregates of the summary workbook for `scope` (the caller checks permissions)."""
    where = scope.declaration_filter().where()
    statuses = tuple(_totals(k, v) for k, v in _grouped(
        session, select(D.status, *_measures()).where(where).group_by(D.status)
        .order_by(func.count(D.id).desc())))
    # The total and the submitted count are sums of those few status rows: each scan of a
    # big table costs a second, and these two saved two of them.
    total = Totals(None, sum(t.count for t in statuses), sum(t.released for t in statuses),
                   sum(t.rejected for t in statuses),
                   sum((t.goods_value for t in statuses), ZERO),
                   sum((t.tax for t in statuses), ZERO))
    day = beijing_day(D.created_at)
    found = {t.key: t for t in (_totals(date.fromisoformat(str(k)), v) for k, v in _grouped(
        session, select(day, *_measures()).where(where).group_by(day).order_by(day)))}
    # Every day of the period, quiet ones as zeros: a chart that skips them hides the gaps.
    days = tuple(found.get(d) or Totals(d, 0, 0, 0, ZERO, ZERO)
                 for d in _each_day(scope.date_from, scope.date_to))
    platform = func.coalesce(D.ebpName, EMPTY)
    platforms = tuple(_totals(k, v) for k, v in _grouped(
        session, select(platform, *_measures()).where(where).group_by(platform)
        .order_by(func.count(D.id).desc(), platform)))
    batch_no = func.coalesce(Batch.batch_no, EMPTY)
    batches = tuple(_totals(k, v) for k, v in _grouped(
        session, select(batch_no, *_measures()).select_from(D)
        .outerjoin(Batch, Batch.id == D.batch_id).where(where).group_by(batch_no)
        .order_by(batch_no)))

    submitted = sum(t.count for t in statuses if t.key in SUBMITTED)
    rate = total.rejected / submitted if submitted else None
    timed, median, p90 = _release_times(session, scope)
    overview = Overview(total, submitted, rate, timed, median, p90)
    return SummaryData(scope, overview, statuses, days, platforms, batches,
                       _clerks(session, scope), _causes(session, scope))


def _each_day(first: date, last: date) -> list[date]:
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def _release_times(session: Session, scope: SummaryScope
                   ) -> tuple[int, float | None, float | None]:
    """Count, median and 90th percentile (nearest rank) of hours from the first message
    written for a declaration to the first release receipt (returnStatus 800) it got."""
    where = scope.declaration_filter().where()
    # Both sides are limited to the declarations in scope before grouping, so a short range
    # on a big database only touches its own rows.
    sent = (select(MessageDeclaration.declaration_id.label("decl_id"),
                   func.min(OutboundMessage.written_at).label("sent_at"))
            .join(OutboundMessage, OutboundMessage.id == MessageDeclaration.message_id)
            .join(D, D.id == MessageDeclaration.declaration_id)
            .where(where, OutboundMessage.written_at.is_not(None))
            .group_by(MessageDeclaration.declaration_id).subquery())
    released = (select(InboundReceipt.declaration_id.label("decl_id"),
                       func.min(InboundReceipt.received_at).label("released_at"))
                .join(D, D.id == InboundReceipt.declaration_id)
                .where(where, InboundReceipt.return_status == RELEASE_STATUS)
                .group_by(InboundReceipt.declaration_id).subquery())
    seconds = seconds_between(sent.c.sent_at, released.c.released_at).label("seconds")
    durations = (select(seconds).select_from(sent)
                 .join(released, released.c.decl_id == sent.c.decl_id)
                 .where(released.c.released_at >= sent.c.sent_at).subquery())
    # Nearest rank in one pass over the durations (the join is the costly part): rank
    # ceil(p × n), in integers, for the median and the 90th percentile.
    rank = func.row_number().over(order_by=durations.c.seconds).label("rank")
    ranked = select(durations.c.seconds, rank, func.count().over().label("n")).subquery()
    median_rank = (ranked.c.n + 1) // 2
    p90_rank = (ranked.c.n * 9 + 9) // 10
    rows = session.execute(select(ranked.c.seconds, ranked.c.rank == median_rank,
                                  ranked.c.rank == p90_rank, ranked.c.n)
                           .where(or_(ranked.c.rank == median_rank, ranked.c.rank == p90_rank))
                           ).all()
    if not rows:
        return 0, None, None
    median = next(float(r[0]) for r in rows if r[1]) / 3600.0
    p90 = next(float(r[0]) for r in rows if r[2]) / 3600.0
    return int(rows[0][3]), median, p90


# Audit actions counted per clerk (names as the owning areas record them).
EDIT_ACTIONS = ("declaration.update", "declaration.bulk_update", "declaration.bulk_undo")
SUBMIT_ACTIONS = ("declaration.send",)  # one per declaration handed to customs
# Not a clerk's work, and the name is whatever was typed at the login prompt (a mistyped
# name, or a password typed into the name box): never listed as an operator.
NOT_WORK_ACTIONS = ("login_failed",)


def _clerks(session: Session, scope: SummaryScope) -> tuple[ClerkRow, ...]:
    """Per user: declarations imported (import jobs), edits and declarations submitted (audit
    trail), other audited actions. Two GROUP BY queries joined on the user name."""
    start, end = scope.time_range()
    action = AuditEvent.action

    def n(cond: Any) -> Any:
        return func.sum(case((cond, 1), else_=0))

    user = func.coalesce(AuditEvent.user_name, EMPTY)
    stmt = (select(user, n(action.in_(EDIT_ACTIONS)), n(action.in_(SUBMIT_ACTIONS)),
                   func.count(AuditEvent.id))
            .where(AuditEvent.at >= start, AuditEvent.at < end,
                   action.not_in(NOT_WORK_ACTIONS)).group_by(user))
    job_user = func.coalesce(ImportJob.user_name, EMPTY)
    jobs = (select(job_user, func.sum(ImportJob.declarations))
            .where(ImportJob.started_at >= start, ImportJob.started_at < end)
            .group_by(job_user))
    if scope.platform or scope.batch_id is not None:
        ids = select(D.id).where(scope.declaration_filter().where())
        stmt = stmt.where(AuditEvent.declaration_id.in_(ids))
        jobs = jobs.where(ImportJob.id.in_(select(D.import_job_id).where(
            scope.declaration_filter().where())))
    imported = {str(u): int(k or 0) for u, k in session.execute(jobs)}
    audited = {str(u): (int(e or 0), int(s or 0), int(t)) for u, e, s, t in session.execute(stmt)}
    rows = []
    for u in sorted(set(imported) | set(audited)):
        e, s, t = audited.get(u, (0, 0, 0))
        rows.append(ClerkRow(u, imported.get(u, 0), e, s, t - e - s, t))
    return tuple(rows)


def rejected_receipt() -> Any:
    """Receipts that refuse a declaration: 4, 100 and every negative code."""
    status = InboundReceipt.return_status
    return or_(status.in_(("4", "100")), status.like("-%"))


def _causes(session: Session, scope: SummaryScope) -> tuple[CauseRow, ...]:
    """Top customs rejection causes and pre-check error codes.

    SQL groups receipts by (type, status, text); the small result is then merged by the
    submission area's cause key, which drops the parcel-specific parts of the customs text
    (amounts, bracketed details) so that one cause is one row.
    """
    where = scope.declaration_filter().where()
    info = func.coalesce(InboundReceipt.return_info, EMPTY)
    n = func.count(func.distinct(InboundReceipt.declaration_id))
    customs = session.execute(
        select(InboundReceipt.message_type, InboundReceipt.return_status, info, n,
               func.min(D.orderNo))
        .join(D, D.id == InboundReceipt.declaration_id)
        .where(where, rejected_receipt())
        .group_by(InboundReceipt.message_type, InboundReceipt.return_status, info))
    merged: dict[str, list[Any]] = {}
    for kind, status, text, count, example in customs:
        cause = cause_of(kind, status, text)
        row = merged.get(cause.key)
        if row is None:
            advice = cause.explanation.msgid if cause.explanation else ""
            merged[cause.key] = [cause.code, normalise_info(text), int(count), example or "",
                                 advice]
        else:
            row[2] += int(count)
            row[3] = min(row[3], example or row[3])
    top = sorted(merged.values(), key=lambda r: (-r[2], r[0], r[1]))[:TOP_CAUSES]
    rows = [CauseRow("customs", c, t, k, e, a) for c, t, k, e, a in top]
    pn = func.count(func.distinct(Problem.declaration_id))
    precheck = session.execute(
        select(Problem.code, func.min(Problem.msgid), pn, func.min(D.orderNo))
        .join(D, D.id == Problem.declaration_id)
        .where(where, Problem.severity == "error")
        .group_by(Problem.code).order_by(pn.desc(), Problem.code).limit(TOP_CAUSES))
    # A code's title (as the Problems panel groups them), not one of its messages: REQUIRED
    # alone says "net weight is required", "give the unit first", … for different parcels.
    # An unknown code keeps one of its messages (code_title would give the bare code).
    rows += [CauseRow("precheck", c, title if (title := code_title(c).msgid) != c else t,
                      int(k), e or "", "")
             for c, t, k, e in precheck]
    return tuple(rows)
