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

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.db.driversql import fetchall
from app.db.models import Declaration
from app.precheck.fingerprint import day_text, fingerprint, revision_token, today_token
from app.precheck.records import IN_CHUNK

if TYPE_CHECKING:
    from app.precheck.service import _Contexts

D = Declaration
_LIGHT = (D.id, D.status, D.declTime, D.buyerIdNumber, D.content_rev, D.check_fingerprint,
          D.error_count)


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
    if ids is None:
        parts: list[Any] = [select(*_LIGHT).order_by(D.id)]
    else:
        wanted = sorted(set(ids))
        parts = [select(*_LIGHT).where(D.id.in_(wanted[i:i + IN_CHUNK])).order_by(D.id)
                 for i in range(0, len(wanted), IN_CHUNK)]
    for stmt in parts:
        for decl_id, status, decl_time, buyer, rev, stored, errors in fetchall(conn, stmt):
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
