"""Grid reads that stay fast at a million rows.

The grid keeps the ordered list of ids of the current filter and sort (8 bytes a row, loaded
off the GUI thread in chunks). Its length is the row count; any page, including row 900,000,
is then one primary-key lookup of 200 ids. The first page of a new filter or sort is fetched
directly with LIMIT, so rows show before the id list has finished loading.
"""

from __future__ import annotations

from array import array
from collections.abc import Callable, Collection, Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.db.models import Declaration
from app.domain.errors import ValidationError
from app.security.context import Actor, Permission, require
from app.services.queries import GRID_BY_KEY, DeclarationFilter, GridColumn

D = Declaration
ID_CHUNK = 20_000


def _order(sort: str, descending: bool) -> tuple[Any, Any]:
    col = GRID_BY_KEY.get(sort)
    if col is None:
        raise ValidationError("Cannot sort by {column}.", column=sort)
    if descending:
        return col.expr.desc(), D.id.desc()
    return col.expr.asc(), D.id.asc()


def ordered_ids(
    session: Session,
    actor: Actor,
    flt: DeclarationFilter,
    sort: str = "id",
    descending: bool = False,
    *,
    check: Callable[[], None] | None = None,
) -> array[int]:
    """Every id matching `flt`, in grid order. `check` runs between chunks (cancellation)."""
    require(actor, Permission.VIEW)
    stmt = select(D.id).where(flt.where()).order_by(*_order(sort, descending))
    ids: array[int] = array("q")
    result = session.execute(stmt.execution_options(yield_per=ID_CHUNK))
    for part in result.scalars().partitions(ID_CHUNK):
        ids.extend(part)
        if check is not None:
            check()
    return ids


def first_rows(
    session: Session,
    actor: Actor,
    flt: DeclarationFilter,
    columns: Sequence[GridColumn],
    sort: str = "id",
    descending: bool = False,
    limit: int = 200,
) -> list[tuple[Any, ...]]:
    """The first `limit` rows of the grid order (column 0 must be the id)."""
    require(actor, Permission.VIEW)
    stmt = (select(*[c.expr for c in columns]).where(flt.where())
            .order_by(*_order(sort, descending)).limit(limit))
    return [tuple(r) for r in session.execute(stmt)]


def rows_by_ids(
    session: Session, actor: Actor, ids: Sequence[int], columns: Sequence[GridColumn]
) -> list[tuple[Any, ...] | None]:
    """Rows for `ids` in the given order (None for an id deleted meanwhile); column 0 is id."""
    require(actor, Permission.VIEW)
    if not ids:
        return []
    stmt = select(*[c.expr for c in columns]).where(D.id.in_(list(ids)))
    found = {int(r[0]): tuple(r) for r in session.execute(stmt)}
    return [found.get(int(i)) for i in ids]


def positions_of(ids: array[int], wanted: Collection[int]) -> dict[int, int]:
    """Row position of each id in `wanted` found in `ids` (one pass; for selections)."""
    if not wanted:
        return {}
    want = set(wanted)
    out: dict[int, int] = {}
    for pos, decl_id in enumerate(ids):
        if decl_id in want:
            out[decl_id] = pos
            if len(out) == len(want):
                break
    return out
