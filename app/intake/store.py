"""Database side of an import: finding existing declarations, updating editable ones,
recording the job and its row errors, and mapping profiles. SQL is portable (SQLite and
PostgreSQL); lookups are set-based, one query per chunk of orders.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import and_, delete, insert, select, update
from sqlalchemy.orm import Session

from app.db.bulk import _TableWriter
from app.db.models import Declaration, DeclarationItem, ImportRowError
from app.db.types import utcnow
from app.domain.fields import ALL_HEAD_FIELDS
from app.domain.sortkey import sort_key_values
from app.domain.status import DeclarationStatus
from app.intake.rowerrors import RowError

D = Declaration
IN_CHUNK = 500

# Imports may overwrite these (not yet in a batch); later ones are left as they are.
UPDATABLE_STATUSES = frozenset({DeclarationStatus.DRAFT.value, DeclarationStatus.INVALID.value,
                                DeclarationStatus.READY.value})
HEAD_NAMES = tuple(f.name for f in ALL_HEAD_FIELDS)


@dataclass(frozen=True)
class Existing:
    id: int
    status: str
    ebpCode: str | None
    orderNo: str | None
    logisticsNo: str | None
    import_job_id: int | None
    ieFlag: str | None = None

    @property
    def label(self) -> str:
        return self.orderNo or self.logisticsNo or str(self.id)


def _chunks(values: Sequence[Any], size: int = IN_CHUNK) -> Iterable[Sequence[Any]]:
    for i in range(0, len(values), size):
        yield values[i:i + size]


_COLS = (D.id, D.status, D.ebpCode, D.orderNo, D.logisticsNo, D.import_job_id, D.ieFlag)


def find_by_order(session: Session, keys: Iterable[tuple[str | None, str]]
                  ) -> dict[tuple[str | None, str], Existing]:
    """Existing declarations by (ebpCode, orderNo).

    One query per platform code and chunk, `ebp_code = ? AND order_no IN (…)`, so the
    (ebp_code, order_no) index is searched: a row-value IN would scan the table on SQLite.
    """
    by_ebp: dict[str, set[str]] = {}
    for ebp, order in keys:
        if ebp:
            by_ebp.setdefault(ebp, set()).add(order)
    without = sorted({k[1] for k in keys if not k[0]})
    found: dict[tuple[str | None, str], Existing] = {}
    for ebp, orders in sorted(by_ebp.items()):
        for part in _chunks(sorted(orders)):
            stmt = select(*_COLS).where(D.ebpCode == ebp, D.orderNo.in_(part))
            for row in session.execute(stmt):
                e = Existing(*row)
                found.setdefault((e.ebpCode, e.orderNo or ""), e)
    for part in _chunks(without):
        stmt = select(*_COLS).where(and_(D.ebpCode.is_(None), D.orderNo.in_(part)))
        for row in session.execute(stmt):
            e = Existing(*row)
            found.setdefault((None, e.orderNo or ""), e)
    return found


def find_by_waybill(session: Session, waybills: Iterable[str]) -> dict[str, list[Existing]]:
    """Existing, not cancelled declarations by waybill number."""
    found: dict[str, list[Existing]] = {}
    values = sorted(set(waybills))
    for part in _chunks(values):
        stmt = select(*_COLS).where(D.logisticsNo.in_(part),
                                    D.status != DeclarationStatus.CANCELLED.value)
        for row in session.execute(stmt):
            e = Existing(*row)
            found.setdefault(e.logisticsNo or "", []).append(e)
    return found


def load_heads(session: Session, ids: Sequence[int]) -> dict[int, dict[str, Any]]:
    """Head values of declarations (for audit details and merging continuation rows)."""
    cols = [getattr(D, n) for n in HEAD_NAMES]
    out: dict[int, dict[str, Any]] = {}
    for part in _chunks(list(ids)):
        for row in session.execute(select(D.id, *cols).where(D.id.in_(part))):
            out[row[0]] = dict(zip(HEAD_NAMES, row[1:], strict=True))
    return out


def max_gnum(session: Session, decl_id: int) -> int:
    from sqlalchemy import func

    value = session.execute(select(func.max(DeclarationItem.gnum)).where(
        DeclarationItem.declaration_id == decl_id)).scalar()
    return int(value or 0)


def replace_declarations(session: Session, updates: Sequence[tuple[int, Mapping[str, Any],
                                                                   Sequence[Mapping[str, Any]]]],
                         job_id: int) -> None:
    """Overwrite head fields of editable declarations and replace their items.

    Fields the new file leaves empty keep their stored value; the status goes back to draft
    (the pre-check runs again) and the version moves on, so an open editor notices.
    """
    if not updates:
        return
    now = utcnow()
    for decl_id, head, _items in updates:
        values = {k: v for k, v in head.items() if k in HEAD_NAMES}
        values.update(sort_key_values(values))
        session.execute(update(D).where(D.id == decl_id).values(
            **values, status=DeclarationStatus.DRAFT.value, version=D.version + 1,
            import_job_id=job_id, updated_at=now))
    ids = [u[0] for u in updates]
    for part in _chunks(ids):
        session.execute(delete(DeclarationItem).where(DeclarationItem.declaration_id.in_(part)))
    add_items(session, [(u[0], 0, u[2]) for u in updates])


def add_items(session: Session,
              batches: Sequence[tuple[int, int, Sequence[Mapping[str, Any]]]]) -> None:
    """Insert items for existing declarations: (declaration id, gnum offset, items)."""
    writer = _TableWriter(session, DeclarationItem, omit=("id",))
    rows = [writer.row({**it, "gnum": offset + n, "declaration_id": decl_id})
            for decl_id, offset, items in batches for n, it in enumerate(items, start=1)]
    writer.write(session, rows)


def add_weights(session: Session, decl_id: int, weights: Mapping[str, Decimal]) -> None:
    """Add the weights of an order's later lines to its stored weights ("line_weights":
    "sum"); a stored weight that is empty takes the lines' sum."""
    stored = load_heads(session, [decl_id]).get(decl_id, {})
    values = {k: (stored.get(k) or Decimal(0)) + v for k, v in weights.items()}
    session.execute(update(D).where(D.id == decl_id).values(**values))


def record_row_errors(session: Session, job_id: int, errors: Sequence[RowError]) -> None:
    if not errors:
        return
    rows = [{"import_job_id": job_id, "row": e.row, "column": e.column[:255] or None,
             "field": e.field[:40] or None, "value": e.value or None, "msgid": e.message.msgid,
             "params": {k: _jsonable(v) for k, v in e.message.params.items()}}
            for e in errors]
    for part in _chunks(rows, 5000):
        session.execute(insert(ImportRowError), list(part))


def _jsonable(value: Any) -> Any:
    from app.i18n import Message

    if isinstance(value, Message):
        return {"msgid": value.msgid, "params": {k: _jsonable(v) for k, v in
                                                 value.params.items()}}
    if isinstance(value, Decimal):
        return str(value)
    return value


def jsonable_head(values: Mapping[str, Any]) -> dict[str, Any]:
    return {k: (str(v) if isinstance(v, Decimal) else v) for k, v in values.items()}
