"""The "To fix" queue (rejections grouped by cause) and the inspection/detention view."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from app.db.models import Declaration
from app.domain.state_machine import Event, EventKind
from app.domain.status import DeclarationStatus as S
from app.i18n import N_, Message
from app.precheck.service import check_declarations
from app.precheck.transitions import change_status
from app.security.context import Actor, Permission, require
from app.security.masking import redact_text
from app.submission.causes import NEGATIVE_CODE_EXPLANATIONS, cause_of
from app.submission.waybills import rejected_waybills

D = Declaration
HOLD_STATUSES = (S.INSPECTION.value, S.DETAINED.value, S.SHIPPED_BACK.value)


@dataclass(frozen=True)
class FixGroup:
    key: str
    code: str
    explanation: Message | None
    customs_text: str  # one example of what customs wrote
    count: int
    source: str = "inventory"  # or "waybill": the carrier's waybill (CEB512) was refused


@dataclass(frozen=True)
class HeldDeclaration:
    id: int
    copNo: str | None
    logisticsNo: str | None
    buyerName: str | None
    status: str
    returnStatus: str | None
    returnInfo: str | None
    returnTime: str | None
    updated_at: datetime | None


# The cause key depends on code and text only; the receipt type matters for the explanation
# of unknown negative codes, which reads the same for CEB622 and CEB900 rejections here.
_KIND = "CEB622"


def fix_groups(session: Session, actor: Actor) -> list[FixGroup]:
    """Rejected declarations grouped by cause, biggest group first.

    SQL groups by (code, customs text); Python then merges texts that differ only in
    parcel-specific numbers (a handful of rows, not one per declaration).
    """
    require(actor, Permission.VIEW)
    rows = session.execute(
        select(D.last_return_status, D.last_return_info, func.count())
        .where(D.status == S.REJECTED.value)
        .group_by(D.last_return_status, D.last_return_info)
    ).all()
    groups: dict[str, FixGroup] = {}
    for code, info, n in rows:
        cause = cause_of(_KIND, code or "", info or "")
        g = groups.get(cause.key)
        if g is None:
            # Customs quotes the parcel's data back (an ID number, a phone): masked here like
            # every other text shown to a role without an audited unmask.
            groups[cause.key] = FixGroup(cause.key, cause.code, cause.explanation,
                                         redact_text(info or ""), int(n))
        else:
            groups[cause.key] = FixGroup(g.key, g.code, g.explanation, g.customs_text,
                                         g.count + int(n))
    groups.update(_waybill_groups(session))
    return sorted(groups.values(), key=lambda g: (-g.count, g.key))


WAYBILL_PREFIX = "waybill:"
WAYBILL_EXPLANATION = N_("Customs refused the carrier's waybill (CEB512), so order, payment "
                         "and waybill cannot be matched with the inventory. Correct the "
                         "waybill data (waybill number, consignee, weight) and send it again.")


def _waybill_groups(session: Session) -> dict[str, FixGroup]:
    groups: dict[str, FixGroup] = {}
    for _decl_id, code, info in rejected_waybills(session):
        cause = cause_of("CEB512", code or "", info or "")
        key = WAYBILL_PREFIX + cause.key
        explanation = cause.explanation if cause.code in NEGATIVE_CODE_EXPLANATIONS else None
        g = groups.get(key)
        groups[key] = FixGroup(key, cause.code, explanation or Message(WAYBILL_EXPLANATION),
                               g.customs_text if g else redact_text(info or ""),
                               (g.count if g else 0) + 1,
                               "waybill")
    return groups


def declarations_for_cause(session: Session, actor: Actor, key: str) -> list[int]:
    """Ids of the rejected declarations in one cause group (to fix or re-batch together)."""
    require(actor, Permission.VIEW)
    if key.startswith(WAYBILL_PREFIX):
        return [i for i, code, info in rejected_waybills(session)
                if WAYBILL_PREFIX + cause_of("CEB512", code or "", info or "").key == key]
    rows = session.execute(
        select(D.id, D.last_return_status, D.last_return_info)
        .where(D.status == S.REJECTED.value).order_by(D.id)
    ).all()
    return [r.id for r in rows
            if cause_of(_KIND, r.last_return_status or "",
                        r.last_return_info or "").key == key]


def held_declarations(session: Session, actor: Actor, *, limit: int = 1000
                      ) -> list[HeldDeclaration]:
    """Declarations under inspection, detained or to be returned (their own view)."""
    require(actor, Permission.VIEW)
    rows = session.execute(
        select(D.id, D.copNo, D.logisticsNo, D.buyerName, D.status, D.last_return_status,
               D.last_return_info, D.last_return_time, D.updated_at)
        .where(D.status.in_(HOLD_STATUSES)).order_by(D.last_return_time.desc(), D.id)
        .limit(limit)
    ).all()
    return [HeldDeclaration(*r[:6], redact_text(r[6]) if r[6] else r[6], *r[7:])
            for r in rows]


def rejected_count(session: Session) -> int:
    return int(session.execute(select(func.count()).select_from(D)
                               .where(D.status == S.REJECTED.value)).scalar_one())


@dataclass(frozen=True)
class RedeclareResult:
    redeclared: int
    ready: int  # passed the pre-check: can go into a new batch
    invalid: int  # still failing the pre-check: fix in the editor


def redeclare(session: Session, actor: Actor, ids: Sequence[int]) -> RedeclareResult:
    """Re-open rejected declarations for a new submission round and pre-check them again.

    The state machine moves rejected → draft (a new round); the pre-check then makes them
    ready or invalid. The next submission is an amendment (appType 2) where customs already
    registered the parcel (it has a preNo), else a new declaration. Raises ConflictError when
    one of them is not rejected.
    """
    require(actor, Permission.EDIT)
    outcomes = change_status(session, actor, ids, Event(EventKind.REDECLARE))
    moved = sorted(i for i, o in outcomes.items() if o.changed)
    for i in range(0, len(moved), 900):
        session.execute(update(D).where(D.id.in_(moved[i:i + 900]))
                        .values(batch_id=None, version=D.version + 1)
                        .execution_options(synchronize_session=False))
    if not moved:
        return RedeclareResult(0, 0, 0)
    summary = check_declarations(session, actor, moved, report=False)
    return RedeclareResult(len(moved), summary.passed, summary.failed)
