"""Reading declarations: pages for the grid and the CLI, one record in full for `show`."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from app.db.models import Declaration, DeclarationItem, Problem
from app.domain.errors import NotFoundError, ValidationError
from app.domain.fields import ALL_HEAD_FIELDS, ITEM_FIELDS
from app.i18n import N_, Message
from app.security.context import Actor, Permission, require
from app.security.pii import mask_for, mask_rows
from app.services.queries import (
    GRID_BY_KEY,
    GRID_COLUMNS,
    DeclarationFilter,
    GridColumn,
    count_query,
)

D = Declaration


@dataclass(frozen=True)
class Page:
    total: int
    columns: tuple[str, ...]
    rows: tuple[tuple[Any, ...], ...]

    def as_dicts(self) -> list[dict[str, Any]]:
        return [dict(zip(self.columns, r, strict=True)) for r in self.rows]


@dataclass(frozen=True)
class DeclarationDetail:
    id: int
    status: str
    version: int
    head: dict[str, Any]
    items: list[dict[str, Any]]
    problems: list[dict[str, Any]]
    history: list[dict[str, Any]]
    receipts: list[dict[str, Any]]
    tax_estimate: Decimal | None
    goods_total: Decimal | None
    batch_id: int | None
    # The editions the stored check result was checked against (None: not checked since
    # they were recorded; no list in force).
    hs_edition: str | None = None
    list_edition: str | None = None


def checked_against(detail: DeclarationDetail) -> Message | None:
    """Which tariff (and positive list) the stored check result used, in words."""
    if not detail.hs_edition:
        return None
    if detail.list_edition:
        return Message(N_("Checked against tariff edition {hs} and positive list {list}."),
                       {"hs": detail.hs_edition, "list": detail.list_edition})
    return Message(N_("Checked against tariff edition {hs}."), {"hs": detail.hs_edition})


def count_declarations(session: Session, actor: Actor, flt: DeclarationFilter) -> int:
    require(actor, Permission.VIEW)
    return int(session.execute(count_query(flt)).scalar_one())


def status_counts(session: Session, actor: Actor) -> dict[str, int]:
    require(actor, Permission.VIEW)
    rows = session.execute(select(D.status, func.count()).group_by(D.status))
    return {s: int(n) for s, n in rows}


def fetch_page(
    session: Session,
    actor: Actor,
    flt: DeclarationFilter,
    *,
    columns: Sequence[str] | None = None,
    sort: str = "id",
    descending: bool = False,
    offset: int = 0,
    limit: int = 100,
    with_total: bool = True,
    unmasked: bool = False,
) -> Page:
    """One page of grid rows: SQL does the filtering, ordering and slicing.

    Identity numbers and phones come masked unless `unmasked` and the actor may unmask
    (the caller records that unmask: app.security.pii.require_unmask).
    """
    require(actor, Permission.VIEW)
    cols: list[GridColumn] = [GRID_BY_KEY[k] for k in columns] if columns else list(GRID_COLUMNS)
    sort_col = GRID_BY_KEY.get(sort)
    if sort_col is None:
        raise ValidationError("Cannot sort by {column}.", column=sort)
    order = sort_col.order_expr.desc() if descending else sort_col.order_expr.asc()
    tie = D.id.desc() if descending else D.id.asc()
    stmt = (
        select(*[c.expr for c in cols])
        .where(flt.where())
        .order_by(order, tie)
        .offset(max(offset, 0))
        .limit(max(limit, 0))
    )
    rows = mask_rows(actor, [c.key for c in cols], session.execute(stmt), unmasked=unmasked)
    total = int(session.execute(count_query(flt)).scalar_one()) if with_total else -1
    return Page(total, tuple(c.key for c in cols), rows)


def find_declaration_id(session: Session, key: str) -> int:
    """Resolve an id, order number or waybill number to a declaration id."""
    key = key.strip()
    if key.isdigit() and len(key) <= 9:
        found = session.get(D, int(key))
        if found is not None:
            return found.id
    ids = session.execute(
        select(D.id).where(or_(D.orderNo == key, D.logisticsNo == key)).order_by(D.id.desc())
    ).scalars().all()
    if not ids:
        raise NotFoundError("No declaration with id, order or waybill number {key}.", key=key)
    return ids[0]


def head_dict(decl: Declaration) -> dict[str, Any]:
    return {f.name: getattr(decl, f.name) for f in ALL_HEAD_FIELDS}


def item_dict(item: DeclarationItem) -> dict[str, Any]:
    return {f.name: getattr(item, f.name) for f in ITEM_FIELDS}


def get_detail(
    session: Session, actor: Actor, key: str, *, unmasked: bool = False
) -> DeclarationDetail:
    require(actor, Permission.VIEW)
    decl_id = find_declaration_id(session, key)
    decl = session.get(D, decl_id)
    assert decl is not None
    problems = [
        {"gnum": p.gnum, "field": p.field, "code": p.code, "severity": p.severity,
         "msgid": p.msgid, "params": p.params, "acknowledged": p.acknowledged_by is not None}
        for p in session.execute(
            select(Problem).where(Problem.declaration_id == decl_id).order_by(Problem.id)
        ).scalars()
    ]
    from app.security.audit_service import AuditService  # only `show` needs it: a cold list

    history = [
        {"at": e.at.isoformat(), "user": e.user_name, "action": e.action,
         "details": e.details, "reason": e.reason}
        for e in AuditService(session).history(actor, decl_id, unmasked=unmasked)
    ]
    from app.db.models import InboundReceipt  # the submission tables: only a detail reads them

    receipts = [
        {"messageType": r.message_type, "returnStatus": r.return_status,
         "returnTime": r.return_time, "returnInfo": r.return_info, "applied": r.applied}
        for r in session.execute(
            select(InboundReceipt).where(InboundReceipt.declaration_id == decl_id)
            .order_by(InboundReceipt.return_time)
        ).scalars()
    ]
    return DeclarationDetail(
        id=decl.id,
        status=decl.status,
        version=decl.version,
        head=mask_for(actor, head_dict(decl), unmasked=unmasked),
        items=[item_dict(i) for i in decl.items],
        problems=problems,
        history=history,
        receipts=receipts,
        tax_estimate=decl.tax_estimate,
        goods_total=decl.goods_total,
        batch_id=decl.batch_id,
        hs_edition=decl.check_hs_edition,
        list_edition=decl.check_list_edition,
    )
