"""Cross-record facts for LIMIT_ANNUAL and DUPLICATE_*: a few set-based queries over all
declarations (portable SQL: GROUP BY, joins, COALESCE, SUBSTR, EXTRACT), never one per record.

"Active"/"counted" declarations are those not rejected or cancelled. A buyer's year is the
declaration date (`declTime`, YYYYMMDD) or, before it is set, the creation date.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    String,
    and_,
    case,
    cast,
    extract,
    func,
    literal,
    select,
    type_coerce,
)
from sqlalchemy.orm import Session, aliased

from app.catalogue.checks import accepted_hs_conflicts
from app.db.models import Declaration, DeclarationItem
from app.domain.status import DeclarationStatus
from app.precheck.records import IN_CHUNK
from app.rules.context import CrossFacts

D, It = Declaration, DeclarationItem
NOT_COUNTED = (DeclarationStatus.REJECTED.value, DeclarationStatus.CANCELLED.value)
# Goods the buyer sent back, once customs accepted the return, leave the annual quota.
NOT_IN_QUOTA = (*NOT_COUNTED, DeclarationStatus.RETURNED.value)


def _raw(column: Any) -> ColumnElement[int]:
    return type_coerce(column, BigInteger)


def _year() -> ColumnElement[str]:
    return func.coalesce(func.substr(D.declTime, 1, 4),
                         cast(extract("year", D.created_at), String))


def _restrict(ids: Sequence[int] | None, column: Any) -> list[ColumnElement[bool]]:
    return [] if ids is None else [column.in_(list(ids))]


def annual_used(session: Session, ids: Sequence[int] | None) -> dict[int, Decimal]:
    """For each declaration (of `ids`, or all): the buyer's other counted declarations' value
    this year (goods + freight + insurance), when above zero."""
    # Goods per declaration, summed only for the declarations that need it (an index search
    # each), and only buyers with more than one declaration at all (from the buyer index
    # alone): most buyers have one, and summing every item of a big database cost more than
    # the rest of this query.
    goods = (select(func.sum(_raw(It.totalPrice))).where(It.declaration_id == D.id)
             .scalar_subquery())
    repeat_buyers = (select(D.buyerIdNumber).where(D.buyerIdNumber.is_not(None))
                     .group_by(D.buyerIdNumber).having(func.count() > 1))
    counted = D.status.not_in(NOT_IN_QUOTA)
    value = (func.coalesce(goods, 0) + func.coalesce(_raw(D.freight), 0)
             + func.coalesce(_raw(D.insuredFee), 0))
    imports = func.coalesce(D.ieFlag, "I") == "I"
    result: dict[int, Decimal] = {}
    chunks: list[Sequence[int] | None] = (
        [None] if ids is None else
        [list(ids)[i:i + IN_CHUNK] for i in range(0, len(ids), IN_CHUNK)])
    for part in chunks:
        if part is None:
            scope = [D.buyerIdNumber.in_(repeat_buyers), imports]
        else:  # only the buyers of these declarations (their index entries), nothing else
            buyers = select(D.buyerIdNumber).where(D.id.in_(list(part))).scalar_subquery()
            scope = [D.buyerIdNumber.in_(buyers), imports]
        vals = (select(D.id.label("id"), D.buyerIdNumber.label("buyer"), _year().label("yr"),
                       case((counted, value), else_=literal(0)).label("counted_value"))
                .where(*scope).subquery())
        # Only buyers with another declaration that year can have used anything.
        totals = (select(vals.c.buyer, vals.c.yr, func.sum(vals.c.counted_value).label("t"))
                  .group_by(vals.c.buyer, vals.c.yr).having(func.count() > 1).subquery())
        used = totals.c.t - vals.c.counted_value
        stmt = (select(vals.c.id, used)
                .join(totals, and_(totals.c.buyer == vals.c.buyer, totals.c.yr == vals.c.yr))
                .where(used > 0, *_restrict(part, vals.c.id)))
        for decl_id, amount in session.execute(stmt):
            result[int(decl_id)] = Decimal(int(amount)).scaleb(-5)
    return result


_OTHER = aliased(D)  # built once: adapting a fresh alias's columns costs more than the query


def duplicates(session: Session, ids: Sequence[int] | None,
               keys: Sequence[str]) -> dict[int, tuple[int, ...]]:
    """Other active declarations sharing the values of the head fields `keys`."""
    other = _OTHER
    conds = [getattr(other, k) == getattr(D, k) for k in keys]
    conds += [getattr(D, k).is_not(None) for k in keys]
    found: dict[int, list[int]] = defaultdict(list)
    chunks: list[Sequence[int] | None] = (
        [None] if ids is None else
        [list(ids)[i:i + IN_CHUNK] for i in range(0, len(ids), IN_CHUNK)])
    for part in chunks:
        stmt = select(D.id, other.id)
        if part is None:
            # The whole table: only values two declarations share (found in the keys' index
            # alone) need a join; the others, nearly all, are not looked up one by one.
            shared = (select(*(getattr(D, k).label(k) for k in keys))
                      .where(*(getattr(D, k).is_not(None) for k in keys))
                      .group_by(*(getattr(D, k) for k in keys))
                      .having(func.count() > 1).subquery())
            stmt = stmt.join(shared, and_(*(getattr(D, k) == shared.c[k] for k in keys)))
        stmt = (stmt.join(other, and_(*conds, other.id != D.id))
                .where(other.status.not_in(NOT_COUNTED), *_restrict(part, D.id))
                .order_by(D.id, other.id))
        for mine, theirs in session.execute(stmt):
            found[int(mine)].append(int(theirs))
    return {k: tuple(v) for k, v in found.items()}


def gather_facts(session: Session, ids: Sequence[int] | None) -> dict[int, CrossFacts]:
    """CrossFacts for every declaration that has any (others get the default: none)."""
    used = annual_used(session, ids)
    waybills = duplicates(session, ids, ("logisticsNo",))
    orders = duplicates(session, ids, ("ebpCode", "orderNo"))
    catalogue = accepted_hs_conflicts(session, ids)
    facts: dict[int, CrossFacts] = {}
    for decl_id in set(used) | set(waybills) | set(orders) | set(catalogue):
        facts[decl_id] = CrossFacts(used.get(decl_id, Decimal(0)), waybills.get(decl_id, ()),
                                    orders.get(decl_id, ()), catalogue.get(decl_id, ()))
    return facts
