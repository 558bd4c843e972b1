"""Grid reads that stay fast at a million rows.

Rows travel raw (scaled integers, stored timestamps) and only the cells on screen are decoded.
The grid keeps the ordered list of ids of the current filter and sort (8 bytes a row, loaded
off the GUI thread in chunks). Its length is the row count; any page, including row 900,000,
is then one primary-key lookup of 200 ids. The first page of a new filter or sort is fetched
directly with LIMIT, so rows show before the id list has finished loading.
"""

from __future__ import annotations

import binascii
import sys
from array import array
from collections.abc import Callable, Collection, Sequence
from datetime import UTC, datetime
from functools import cache
from typing import Any

from sqlalchemy import (
    BigInteger,
    LargeBinary,
    String,
    bindparam,
    cast,
    func,
    select,
    type_coerce,
)
from sqlalchemy.orm import Session

from app.db.models import Declaration
from app.db.types import Decimal5, UTCDateTime, from_scaled
from app.domain.errors import ValidationError
from app.security.context import Actor, Permission, require
from app.services.queries import GRID_BY_KEY, DeclarationFilter, GridColumn

D = Declaration
T = Declaration.__table__
ID_CHUNK = 5_000
UNPACK_CHUNK = 65_536  # ids unpacked per step: ~1 ms with the GIL held


def _core(expr: Any) -> Any:
    """The table column behind an ORM attribute (Core statements skip the ORM's row
    machinery, which costs more than the query itself for a 200-row page)."""
    prop = getattr(expr, "property", None)
    if prop is not None:
        return T.c[prop.columns[0].name]
    return expr


def _raw(col: GridColumn) -> Any:
    """Select exact amounts and timestamps undecoded; `decode()` converts the visible ones."""
    core = _core(col.expr)
    if isinstance(core.type, Decimal5):
        return type_coerce(core, BigInteger)
    if isinstance(core.type, UTCDateTime):
        return type_coerce(core, String)
    return core


def decode(col: GridColumn, raw: Any) -> Any:
    """The value of a grid cell from its raw database form (Decimal, aware datetime …)."""
    if raw is None:
        return None
    if col.kind == "dec" and isinstance(raw, int):
        return from_scaled(raw)
    if col.kind == "datetime":
        value = raw if isinstance(raw, datetime) else datetime.fromisoformat(str(raw))
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    return raw


def _order(sort: str, descending: bool) -> tuple[Any, Any]:
    col = GRID_BY_KEY.get(sort)
    if col is None:
        raise ValidationError("Cannot sort by {column}.", column=sort)
    expr, key = _core(col.order_expr), T.c.id
    if descending:
        return expr.desc(), key.desc()
    return expr.asc(), key.asc()


def _cursor(session: Session, stmt: Any) -> Any:
    """Run a Core statement on the driver's own cursor (rows as plain tuples)."""
    conn = session.connection()
    compiled = stmt.compile(dialect=conn.dialect, compile_kwargs={"render_postcompile": True})
    params = compiled.construct_params()
    if compiled.positional:
        args: Any = [params[name] for name in compiled.positiontup or ()]
    else:
        args = params
    dbapi = conn.connection.dbapi_connection
    assert dbapi is not None
    cur = dbapi.cursor()
    cur.execute(str(compiled), args)
    return cur


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
    stmt = select(T.c.id).where(flt.where()).order_by(*_order(sort, descending))
    packed = _packed_ids(session, stmt, check)
    if packed is not None:
        return packed
    cur = _cursor(session, stmt)
    ids: array[int] = array("q")
    try:
        while True:
            part = cur.fetchmany(ID_CHUNK)
            if not part:
                break
            ids.extend(r[0] for r in part)
            if check is not None:
                check()
    finally:
        cur.close()
    return ids


def _packed_ids(
    session: Session, stmt: Any, check: Callable[[], None] | None = None
) -> array[int] | None:
    """On SQLite and PostgreSQL the database packs the ids into one value: the whole scan then
    runs inside the driver with the GIL released, so the GUI thread never waits for a Python
    loop over a million rows. SQLite returns 16 hex digits an id (as a BLOB, so the driver
    does not decode 16 MB of text), PostgreSQL 8 big-endian bytes an id. None on other
    backends. The value is unpacked in chunks (`_unpack`): no single C call holds the GIL
    long enough to stall the GUI thread at a million rows."""
    sub = stmt.subquery()
    name = session.get_bind().dialect.name
    if name == "sqlite":
        agg: Any = cast(func.group_concat(func.printf("%016x", sub.c.id), ""), LargeBinary)
        width = 16
    elif name == "postgresql":
        agg = func.decode(func.string_agg(func.lpad(func.to_hex(sub.c.id), 16, "0"), ""),
                          "hex")
        width = 8
    else:
        return None
    cur = _cursor(session, select(agg))
    try:
        (packed,) = cur.fetchone()
    finally:
        cur.close()
    return _unpack(packed or b"", width, check)


def _unpack(packed: Any, width: int, check: Callable[[], None] | None = None) -> array[int]:
    """Big-endian ids, `width` 16 (hex digits) or 8 (bytes) an id, as an array, converted
    UNPACK_CHUNK ids at a time (the GIL can pass to the GUI thread between chunks)."""
    view = memoryview(packed)
    ids: array[int] = array("q")
    step = UNPACK_CHUNK * width
    for start in range(0, len(view), step):
        part = view[start:start + step]
        chunk: array[int] = array("q")
        chunk.frombytes(binascii.unhexlify(part) if width == 16 else part)
        if sys.byteorder == "little":
            chunk.byteswap()
        ids.extend(chunk)
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
    """The first `limit` rows of the grid order, raw (see `decode`); column 0 is the id."""
    require(actor, Permission.VIEW)
    stmt = (select(*[_raw(c) for c in columns]).where(flt.where())
            .order_by(*_order(sort, descending)).limit(limit))
    cur = _cursor(session, stmt)
    try:
        return [tuple(r) for r in cur.fetchall()]
    finally:
        cur.close()


@cache
def _by_ids_statement(columns: tuple[GridColumn, ...]) -> Any:
    # One statement object per column set: SQLAlchemy compiles it once and expands the ids.
    return select(*[_raw(c) for c in columns]).where(
        T.c.id.in_(bindparam("ids", expanding=True)))


def rows_by_ids(
    session: Session, actor: Actor, ids: Sequence[int], columns: Sequence[GridColumn]
) -> list[tuple[Any, ...] | None]:
    """Raw rows for `ids` in the given order (None for an id deleted meanwhile)."""
    require(actor, Permission.VIEW)
    if not ids:
        return []
    stmt = _by_ids_statement(tuple(columns))
    rows = session.connection().execute(stmt, {"ids": [int(i) for i in ids]})
    found = {int(r[0]): tuple(r) for r in rows}
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
