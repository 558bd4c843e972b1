"""Append-only, tamper-evident audit trail.

Each event stores SHA-256 over its canonical content and the previous event's hash, so an
edited, deleted, reordered or inserted row breaks the chain from that row on.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Table, bindparam, insert, select
from sqlalchemy.orm import Session

from app.db.driversql import DriverStatement, bind_value, binder
from app.db.engine import take_turns
from app.db.models import AuditEvent
from app.db.types import utcnow
from app.security.context import Actor

GENESIS = "0" * 64
_TABLE: Table = AuditEvent.__table__  # type: ignore[assignment]


def event_hash(prev_hash: str, content: dict[str, Any]) -> str:
    canonical = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"),
                           default=str)
    return hashlib.sha256((prev_hash + canonical).encode("utf-8")).hexdigest()


def _content(ev: AuditEvent) -> dict[str, Any]:
    return _content_of(ev.at, ev.user_name, ev.workstation, ev.action, ev.entity,
                       ev.entity_id, ev.declaration_id, ev.details, ev.reason)


def _stamp(when: datetime) -> str:
    at = when.astimezone(UTC) if when.tzinfo else when.replace(tzinfo=UTC)
    return at.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _content_of(when: datetime | str, user: str | None, workstation: str | None, action: str,
                entity: str | None, entity_id: str | None, declaration_id: int | None,
                details: dict[str, Any], reason: str | None) -> dict[str, Any]:
    return {
        "at": when if isinstance(when, str) else _stamp(when),
        "user": user,
        "workstation": workstation,
        "action": action,
        "entity": entity,
        "entity_id": entity_id,
        "declaration_id": declaration_id,
        "details": details,
        "reason": reason,
    }


def record_event(
    session: Session,
    actor: Actor,
    action: str,
    *,
    entity: str | None = None,
    entity_id: str | int | None = None,
    declaration_id: int | None = None,
    details: dict[str, Any] | None = None,
    reason: str | None = None,
    at: datetime | None = None,
) -> AuditEvent:
    """Append one audit event inside the caller's transaction (the caller commits)."""
    events = record_events(
        session,
        actor,
        [
            AuditRecord(action, entity, None if entity_id is None else str(entity_id),
                        declaration_id, details or {}, reason)
        ],
        at=at,
    )
    return events[0]


@dataclass(frozen=True)
class AuditRecord:
    action: str
    entity: str | None = None
    entity_id: str | None = None
    declaration_id: int | None = None
    details: dict[str, Any] | None = None
    reason: str | None = None


def record_events(
    session: Session, actor: Actor, records: list[AuditRecord], *, at: datetime | None = None
) -> list[AuditEvent]:
    """Append many events in one go (bulk imports, bulk edits), chained in order."""
    prev = _last_hash(session)
    when = at or utcnow()
    out: list[AuditEvent] = []
    for rec in records:
        ev = AuditEvent(
            at=when,
            user_name=actor.name,
            workstation=actor.workstation,
            action=rec.action,
            entity=rec.entity,
            entity_id=rec.entity_id,
            declaration_id=rec.declaration_id,
            details=rec.details or {},
            reason=rec.reason,
            prev_hash=prev,
        )
        ev.hash = event_hash(prev, _content(ev))
        prev = ev.hash
        out.append(ev)
    session.add_all(out)
    session.flush()
    return out


def append_events(
    session: Session, actor: Actor, records: list[AuditRecord], *, at: datetime | None = None
) -> int:
    """Append many events with one executemany and no ORM objects (bulk runs: a pre-check
    of 100k declarations audits thousands of status changes). Chained exactly like
    `record_events`; returns how many were written."""
    if not records:
        return 0
    prev = _last_hash(session)
    when = at or utcnow()
    conn = session.connection()
    # Straight to the driver (see app.db.driversql), each value as its column's type would
    # bind it: the shared timestamp converted once, the details serialised as the JSON type
    # does — once per details object (a bulk run shares one per kind of change). SQLAlchemy's
    # per-row processing cost twice the database's own insert.
    stored_at = bind_value(conn, _TABLE.c.at, when)
    as_json = binder(conn, _TABLE.c.details)
    canonical = _Canonical(_stamp(when), actor.name, actor.workstation)
    # id(details) → (details, its JSON as stored, its canonical JSON for the hash)
    texts: dict[int, tuple[dict[str, Any], Any, str]] = {}
    user, workstation = actor.name, actor.workstation
    sha256 = hashlib.sha256
    rows: list[tuple[Any, ...]] = []
    for rec in records:
        details = rec.details or {}
        found = texts.get(id(details))
        if found is None or found[0] is not details:
            found = texts[id(details)] = (details, as_json(details), _canonical_json(details))
        digest = sha256((prev + canonical(rec, found[2])).encode("utf-8")).hexdigest()
        rows.append((stored_at, user, workstation, rec.action, rec.entity, rec.entity_id,
                     rec.declaration_id, found[1], rec.reason, prev, digest))
        prev = digest
    _APPEND.executemany(conn, rows)
    return len(rows)


# What json.dumps(ensure_ascii=False) makes of a str (its own C encoder).
_json_text: Callable[[str], str] = json.encoder.encode_basestring  # type: ignore[attr-defined]


def _canonical_json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"),
                      default=str)


class _Canonical:
    """`event_hash`'s canonical JSON of an event's content, put together from the JSON of
    each value (what json.dumps itself does for a dict with sort_keys): the run's shared
    values and each distinct action, entity and reason encoded once (the caller gives each
    details object's text). `test_audit_chain` holds it to `event_hash`."""

    def __init__(self, stamp: str, user: str | None, workstation: str | None) -> None:
        enc = _canonical_json
        self._at = enc(stamp)
        self._tail = f',"user":{enc(user)},"workstation":{enc(workstation)}}}'
        self._texts: dict[Any, str] = {}

    def _text(self, value: Any) -> str:
        found = self._texts.get(value)
        if found is None:
            found = self._texts[value] = _canonical_json(value)
        return found

    def __call__(self, rec: AuditRecord, details_text: str) -> str:
        decl = rec.declaration_id
        entity_id = rec.entity_id
        entity_text = _json_text(entity_id) if type(entity_id) is str \
            else _canonical_json(entity_id)
        text = self._text
        return (f'{{"action":{text(rec.action)},"at":{self._at},'
                f'"declaration_id":{decl if type(decl) is int else _canonical_json(decl)},'
                f'"details":{details_text},"entity":{text(rec.entity)},'
                f'"entity_id":{entity_text},'
                f'"reason":{text(rec.reason)}{self._tail}')


_APPEND_COLUMNS = ("at", "user_name", "workstation", "action", "entity", "entity_id",
                   "declaration_id", "details", "reason", "prev_hash", "hash")
_APPEND = DriverStatement(
    insert(_TABLE).values({name: bindparam(f"b_{name}") for name in _APPEND_COLUMNS}),
    [f"b_{name}" for name in _APPEND_COLUMNS])


# The name of the turn audit writers take (see take_turns); a transaction that must take
# another turn as well takes this one first.
AUDIT_TURN = "audit_events"


def _last_hash(session: Session) -> str:
    session.flush()
    # FOR UPDATE alone lets two PostgreSQL writers read the same last row (the second one,
    # once let through, does not see the row the first appended): the chain would fork.
    take_turns(session.connection(), AUDIT_TURN)
    last = session.execute(
        select(AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1).with_for_update()
    ).scalar_one_or_none()
    return last or GENESIS


@dataclass(frozen=True)
class ChainCheck:
    ok: bool
    events: int
    first_bad_id: int | None = None
    reason: str | None = None  # "link" or "content" (kept for callers of the first version)
    kind: str | None = None  # BreakKind: edited | deleted | inserted | reordered | broken
    last_hash: str | None = None  # head of the intact chain: note it to detect truncation
    # Stored hash of the n-th event (1-based, id order) for each n asked for (checkpoints).
    hashes_at: dict[int, str] = field(default_factory=dict)


def verify_chain(session: Session, batch_size: int = 5000,
                 positions: Collection[int] = ()) -> ChainCheck:
    """Walk the chain in id order; report the first event whose link or hash is wrong,
    and what kind of tampering explains it (see app/security/chain.py).

    `positions`: event counts (checkpoints) whose event's hash to return in `hashes_at`."""
    from app.security.chain import classify_break

    def id_of_hash(value: str) -> int | None:
        return session.execute(
            select(AuditEvent.id).where(AuditEvent.hash == value)
        ).scalar_one_or_none()

    def id_after(event_id: int) -> int:
        found = session.execute(
            select(AuditEvent.id).where(AuditEvent.id > event_id).order_by(AuditEvent.id)
            .limit(1)
        ).scalar_one_or_none()
        return event_id if found is None else int(found)

    prev = GENESIS
    prev_id: int | None = None
    count = 0
    last_id = 0
    wanted = frozenset(positions)
    hashes_at: dict[int, str] = {}
    while True:
        rows = session.execute(
            select(AuditEvent).where(AuditEvent.id > last_id).order_by(AuditEvent.id)
            .limit(batch_size)
        ).scalars().all()
        if not rows:
            return ChainCheck(True, count, last_hash=None if prev == GENESIS else prev,
                              hashes_at=hashes_at)
        for ev in rows:
            count += 1
            broken = classify_break(
                event_id=ev.id,
                prev_hash=ev.prev_hash,
                stored_hash=ev.hash,
                recomputed_hash=event_hash(ev.prev_hash, _content(ev)),
                expected_prev=prev,
                previous_id=prev_id,
                id_of_hash=id_of_hash,
                id_after=id_after,
            )
            if broken is not None:
                reason = "content" if broken.kind == "edited" else "link"
                return ChainCheck(False, count, broken.event_id, reason, broken.kind.value,
                                  hashes_at=hashes_at)
            prev = ev.hash
            prev_id = last_id = ev.id
            if count in wanted:
                hashes_at[count] = ev.hash
        session.expunge_all()
