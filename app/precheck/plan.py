"""Which declarations a check run has to check: the light first pass of incremental checks.

One narrow read per declaration — id, status, declaration date, buyer ID, content revision,
stored fingerprint and error count — decides it: the fingerprint a check would store now
(`app.precheck.fingerprint.fingerprint` of the run key for the editions in force, the content
revision the database moved with every change of the declaration's head or items, its status,
its cross-record facts and what "today" means to its buyer ID) either equals the stored one
(skipped: its stored result stands) or not (checked). Full records are built only for the
declarations checked (app.precheck.records).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, event, func, select
from sqlalchemy.orm import Session, object_session

from app.db.driversql import fetchall
from app.db.models import Declaration
from app.precheck.fingerprint import day_text, fingerprint, revision_token, today_token
from app.precheck.records import IN_CHUNK

if TYPE_CHECKING:
    from app.precheck.service import _Contexts

D = Declaration
_PAGE = 50_000  # light rows read at once (a million at once would hold ~300 MB)
_LIGHT: tuple[Any, ...] = (D.id, D.status, D.declTime, D.buyerIdNumber, D.content_rev,
                           D.check_fingerprint, D.error_count)


@dataclass(frozen=True)
class Plan:
    """`to_check`: the ids to check (None: every declaration); `skipped`: id → stored error
    count of the declarations whose stored result stands; `total`: both together."""

    to_check: list[int] | None
    skipped: dict[int, int] = field(default_factory=dict)
    total: int = 0


def plan_checks(session: Session, ids: Sequence[int] | None, contexts: _Contexts,
                force: bool) -> Plan:
    """Split `ids` (None: every declaration) into those to check and those skipped."""
    if force:
        if ids is not None:
            wanted = sorted(set(ids))
            return Plan(wanted, {}, len(wanted))
        return Plan(None, {}, int(session.execute(
            select(func.count()).select_from(D)).scalar_one()))
    conn = session.connection()
    facts = contexts.default.facts
    today = day_text(contexts.today)
    keys: dict[Any, bytes] = {}  # declaration date → run key of the editions in force
    to_check: list[int] = []
    skipped: dict[int, int] = {}
    for rows in _light_rows(conn, ids):
        for decl_id, status, decl_time, buyer, rev, stored, errors in rows:
            if stored is not None:
                key = keys.get(decl_time)
                if key is None:
                    key = keys[decl_time] = contexts.run_key(contexts.key_of(decl_time))
                if stored == fingerprint(key, revision_token(rev), status, facts.get(decl_id),
                                         today_token(buyer, today)):
                    skipped[decl_id] = errors
                    continue
            to_check.append(decl_id)
    total = len(to_check) + len(skipped)
    if ids is None and not skipped:
        return Plan(None, {}, total)  # every declaration: read in id ranges
    return Plan(to_check, skipped, total)


def _light_rows(conn: Connection, ids: Sequence[int] | None) -> Iterator[list[Any]]:
    """The light columns of `ids` (None: every declaration), a page at a time in id order."""
    if ids is None:
        last = 0
        while True:
            rows = fetchall(conn, select(*_LIGHT).where(D.id > last).order_by(D.id)
                            .limit(_PAGE))
            if not rows:
                return
            yield rows
            last = rows[-1][0]
    wanted = sorted(set(ids))
    for i in range(0, len(wanted), IN_CHUNK):
        yield fetchall(conn, select(*_LIGHT).where(D.id.in_(wanted[i:i + IN_CHUNK]))
                       .order_by(D.id))


# --- cross-record partners of an edit ----------------------------------------------------

# Head fields that tie declarations together in cross-record facts: the buyer (annual totals),
# the waybill and the order (duplicates).
PARTNER_FIELDS = ("buyerIdNumber", "logisticsNo", "orderNo")
_OLD_KEYS = "precheck_partner_keys"  # Session.info: (field, value) an edit moved away from


def _remember_old_key(field_name: str) -> Any:
    def on_set(target: Declaration, value: Any, old: Any, initiator: Any) -> None:
        if isinstance(old, str) and old != value:
            session = object_session(target)
            if session is not None:
                session.info.setdefault(_OLD_KEYS, set()).add((field_name, old))
    return on_set


for _name in PARTNER_FIELDS:
    event.listen(getattr(Declaration, _name), "set", _remember_old_key(_name),
                 active_history=True)


def with_partners(session: Session, ids: Sequence[int]) -> list[int]:
    """`ids` and every declaration sharing a buyer, waybill or order number with one of them,
    now or before the edits this session made (the ORM edits' old values): the declarations
    whose annual totals or duplicates an edit of `ids` may have moved. plan_checks then checks
    only those whose fingerprint no longer holds."""
    wanted = sorted(set(ids))
    found = set(wanted)
    old: set[tuple[str, str]] = session.info.pop(_OLD_KEYS, set())
    for name in PARTNER_FIELDS:
        column = getattr(D, name)
        values = {v for f, v in old if f == name}
        for start in range(0, len(wanted), IN_CHUNK):
            part = wanted[start:start + IN_CHUNK]
            mine = select(column).where(D.id.in_(part), column.is_not(None))
            found.update(session.execute(select(D.id).where(column.in_(mine.scalar_subquery())))
                         .scalars())
        for start in range(0, len(values), IN_CHUNK):
            chunk = sorted(values)[start:start + IN_CHUNK]
            found.update(session.execute(select(D.id).where(column.in_(chunk))).scalars())
    return sorted(found)
