from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.orm import Session

from app.security.audit import record_event, verify_chain
from app.security.context import Actor


def _events(session: Session, actor: Actor, n: int) -> None:
    with session.begin():
        for i in range(n):
            record_event(session, actor, "test.event", entity="declaration", entity_id=i,
                         declaration_id=i, details={"n": i})


def test_intact_chain_verifies(session: Session, actor: Actor) -> None:
    _events(session, actor, 5)
    result = verify_chain(session)
    assert result.ok and result.events == 5


def test_edited_row_breaks_the_chain_at_that_row(session: Session, actor: Actor) -> None:
    _events(session, actor, 5)
    with session.begin():
        session.execute(text("UPDATE audit_events SET user_name = 'mallory' WHERE id = 3"))
    result = verify_chain(session)
    assert not result.ok and result.first_bad_id == 3


def test_deleted_row_breaks_the_chain_at_the_next(session: Session, actor: Actor) -> None:
    _events(session, actor, 5)
    with session.begin():
        session.execute(text("DELETE FROM audit_events WHERE id = 2"))
    result = verify_chain(session)
    assert not result.ok and result.first_bad_id == 3


def test_bulk_appended_events_hash_as_one_by_one(session: Session, actor: Actor) -> None:
    """append_events builds each event's canonical JSON from pieces: the same hashes as
    record_event, over shared and distinct details, odd characters and empty fields."""
    from datetime import UTC, datetime

    from sqlalchemy import select

    from app.db.models import AuditEvent
    from app.security.audit import AuditRecord, append_events, record_events

    shared = {"from": "draft", "to": "ready", "by": "precheck", "hsEdition": "税则 2026"}
    records = [
        AuditRecord("declaration.status", "declaration", "1", 1, shared),
        AuditRecord("declaration.status", "declaration", "2", 2, shared),
        AuditRecord("note", None, None, None, None, None),
        AuditRecord('q"uote\\', "e\u2028", 'id"7', 7, {"z": [1, 2.5, None, True], "a": {}},
                    "原因\n\t\x01"),
        AuditRecord("declaration.status", "declaration", "3", 3,
                    {"to": "ready", "from": "draft", "by": "precheck"}),
    ]
    when = datetime(2026, 11, 26, 3, 4, 5, 6, tzinfo=UTC)
    with session.begin():
        append_events(session, actor, records, at=when)
    with session.begin():
        bulk = session.execute(select(AuditEvent.hash).order_by(AuditEvent.id)).scalars().all()
        session.execute(text("DELETE FROM audit_events"))
    with session.begin():
        record_events(session, actor, records, at=when)
    with session.begin():
        single = session.execute(select(AuditEvent.hash).order_by(AuditEvent.id)
                                 ).scalars().all()
    assert bulk == single and len(set(bulk)) == len(records)
    assert verify_chain(session).ok
