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
