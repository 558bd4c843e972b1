"""Reading stored problems (editor list, side panel counts), acknowledging warnings, and the
tax estimate summed per batch."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

from sqlalchemy import BigInteger, case, func, select, type_coerce, update
from sqlalchemy.orm import Session

from app.db.models import Declaration, Problem
from app.db.types import utcnow
from app.domain.errors import NotFoundError, ValidationError
from app.precheck.messages import revive
from app.rules.problem import ProblemCount, StoredProblem
from app.security.audit import record_event
from app.security.context import Actor, Permission, require
from app.services.queries import DeclarationFilter

MIN_REASON_CHARS = 4
D, P = Declaration, Problem


def declaration_problems(session: Session, actor: Actor, decl_id: int) -> list[StoredProblem]:
    """The stored problems of one declaration, errors first."""
    require(actor, Permission.VIEW)
    rows = session.execute(
        select(P.id, P.declaration_id, P.code, P.severity, P.field, P.gnum, P.msgid, P.params,
               P.acknowledged_at, P.acknowledge_reason)
        .where(P.declaration_id == decl_id)
        .order_by(case((P.severity == "error", 0), else_=1), P.gnum, P.id))
    return [StoredProblem(r.declaration_id, r.code, r.severity, r.field, r.gnum,
                          revive(r.msgid, r.params), r.acknowledged_at is not None,
                          r.acknowledge_reason, r.id)
            for r in rows]


def problem_counts(session: Session, actor: Actor,
                   flt: DeclarationFilter | None = None) -> tuple[list[ProblemCount], int]:
    """Problems grouped by code over the declarations matching `flt` (without its own
    problem-code condition), and how many distinct declarations have any problem."""
    require(actor, Permission.VIEW)
    where = replace(flt or DeclarationFilter(), problem_code=None).where()
    joined = select(P.code, P.severity, P.declaration_id).join(D, D.id == P.declaration_id) \
        .where(where).subquery()
    rows = session.execute(
        select(joined.c.code,
               func.sum(case((joined.c.severity == "error", 1), else_=0)),
               func.sum(case((joined.c.severity == "error", 0), else_=1)),
               func.count(func.distinct(joined.c.declaration_id)))
        .group_by(joined.c.code))
    counts = [ProblemCount(code, int(e or 0), int(w or 0), int(n)) for code, e, w, n in rows]
    total = session.execute(select(func.count(func.distinct(joined.c.declaration_id)))
                            ).scalar_one()
    return counts, int(total)


def acknowledge_warning(session: Session, actor: Actor, problem_id: int, reason: str) -> None:
    """Accept a warning with a reason (audited); errors cannot be acknowledged."""
    require(actor, Permission.ACKNOWLEDGE)
    problem = session.get(P, problem_id)
    if problem is None:
        raise NotFoundError("No problem with id {id}.", id=problem_id)
    if problem.severity != "warning":
        raise ValidationError("Only warnings can be acknowledged; errors must be fixed.")
    text = reason.strip()
    if len(text) < MIN_REASON_CHARS:
        raise ValidationError("Give a reason of at least {n} characters.", n=MIN_REASON_CHARS)
    if problem.acknowledged_at is None:
        session.execute(update(D).where(D.id == problem.declaration_id,
                                        D.warning_count > 0)
                        .values(warning_count=D.warning_count - 1)
                        .execution_options(synchronize_session=False))
    problem.acknowledged_by = actor.name
    problem.acknowledged_at = utcnow()
    problem.acknowledge_reason = text
    record_event(session, actor, "problem.acknowledge", entity="problem", entity_id=problem_id,
                 declaration_id=problem.declaration_id,
                 details={"code": problem.code, "field": problem.field, "gnum": problem.gnum},
                 reason=text)


def batch_tax_total(session: Session, actor: Actor, batch_id: int) -> Decimal:
    """Σ tax estimate of the declarations in a batch."""
    require(actor, Permission.VIEW)
    total = session.execute(select(func.sum(type_coerce(D.tax_estimate, BigInteger)))
                            .where(D.batch_id == batch_id)).scalar_one()
    return Decimal(int(total or 0)).scaleb(-5)
