"""Tampering with the audit table out of band is found, named and located."""

from __future__ import annotations

import pytest
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from app.db.models import AuditEvent
from app.domain.errors import PermissionDeniedError
from app.i18n import render
from app.security.audit import record_event
from app.security.audit_service import AuditFilter, AuditService
from app.security.context import Actor


def _events(session: Session, actor: Actor, n: int) -> None:
    with session.begin():
        for i in range(1, n + 1):
            record_event(session, actor, "declaration.update", entity="declaration",
                         entity_id=i, declaration_id=100 + i % 3,
                         details={"changes": {"buyerName": ["张三", f"李四{i}"]}})


def _sql(session: Session, statement: str) -> None:
    with session.begin():
        session.execute(text(statement))


def _verify(session: Session, supervisor: Actor) -> tuple[str | None, int | None]:
    result = AuditService(session).verify(supervisor)
    session.rollback()
    return result.kind, result.first_bad_id


@pytest.fixture
def chain(session: Session, accounts: dict[str, Actor]) -> Session:
    """The accounts' own events (3) plus 10 declaration updates (ids 4..13)."""
    _events(session, accounts["clerk"], 10)
    return session


def test_intact_chain(chain: Session, accounts: dict[str, Actor]) -> None:
    result = AuditService(chain).verify(accounts["supervisor"])
    assert result.ok and result.events == 13 and result.last_hash
    assert result.message is None


def test_edited_row(chain: Session, accounts: dict[str, Actor]) -> None:
    _sql(chain, "UPDATE audit_events SET user_name = 'mallory' WHERE id = 7")
    assert _verify(chain, accounts["supervisor"]) == ("edited", 7)


def test_edited_details(chain: Session, accounts: dict[str, Actor]) -> None:
    _sql(chain, "UPDATE audit_events SET details = '{}' WHERE id = 9")
    assert _verify(chain, accounts["supervisor"]) == ("edited", 9)


def test_deleted_row(chain: Session, accounts: dict[str, Actor]) -> None:
    _sql(chain, "DELETE FROM audit_events WHERE id = 6")
    assert _verify(chain, accounts["supervisor"]) == ("deleted", 7)


def test_reordered_rows(chain: Session, accounts: dict[str, Actor]) -> None:
    _sql(chain, "UPDATE audit_events SET id = -5 WHERE id = 5")
    _sql(chain, "UPDATE audit_events SET id = 5 WHERE id = 6")
    _sql(chain, "UPDATE audit_events SET id = 6 WHERE id = -5")
    assert _verify(chain, accounts["supervisor"]) == ("reordered", 5)


def test_inserted_row(chain: Session, accounts: dict[str, Actor]) -> None:
    # Copy event 8 as a new row slipped in between 8 and 9 (ids shifted to make room).
    _sql(chain, "UPDATE audit_events SET id = id + 1000 WHERE id > 8")
    _sql(chain, "INSERT INTO audit_events (id, at, user_name, workstation, action, entity, "
                "entity_id, declaration_id, details, reason, prev_hash, hash) "
                "SELECT 9, at, user_name, workstation, action, entity, entity_id, "
                "declaration_id, details, reason, prev_hash, substr(hash, 2) || 'x' "
                "FROM audit_events WHERE id = 8")  # a 64-character hash that is not event 8's
    kind, bad = _verify(chain, accounts["supervisor"])
    assert bad == 9 and kind in {"edited", "inserted"}


def test_message_names_the_event_in_both_languages(
    chain: Session, accounts: dict[str, Actor]
) -> None:
    _sql(chain, "DELETE FROM audit_events WHERE id = 6")
    result = AuditService(chain).verify(accounts["admin"])
    assert result.message is not None
    assert "before event 7" in render(result.message, "en")
    assert "7" in render(result.message, "zh_CN")


def test_clerks_cannot_verify_or_browse(chain: Session, accounts: dict[str, Actor]) -> None:
    with pytest.raises(PermissionDeniedError):
        AuditService(chain).verify(accounts["clerk"])
    with pytest.raises(PermissionDeniedError):
        AuditService(chain).list_events(accounts["clerk"], AuditFilter())


def test_browse_filters_newest_first(chain: Session, accounts: dict[str, Actor]) -> None:
    service = AuditService(chain)
    sup = accounts["supervisor"]
    events = service.list_events(sup, AuditFilter(user="clerk", declaration_id=101))
    assert [e.id for e in events] == sorted((e.id for e in events), reverse=True)
    assert {e.declaration_id for e in events} == {101} and len(events) == 4
    assert service.count(sup, AuditFilter(action="user_add")) == 3
    assert "declaration.update" in service.actions(sup)


def test_history_masks_personal_data_unless_unmasked_by_a_supervisor(
    session: Session, accounts: dict[str, Actor]
) -> None:
    with session.begin():
        record_event(session, accounts["clerk"], "declaration.update", entity="declaration",
                     entity_id=5, declaration_id=5,
                     details={"changes": {"buyerIdNumber": ["11010119900307123X",
                                                           "110101199003071234"]}})
    clerk_view = AuditService(session).history(accounts["clerk"], 5)
    sup_view = AuditService(session).history(accounts["supervisor"], 5)
    sup_unmasked = AuditService(session).history(accounts["supervisor"], 5, unmasked=True)
    clerk_tries = AuditService(session).history(accounts["clerk"], 5, unmasked=True)
    assert "11010119900307123X" not in str(clerk_view[0].details)
    assert "11010119900307123X" not in str(clerk_tries[0].details)
    assert "11010119900307123X" not in str(sup_view[0].details)
    assert "1101**********123X" in str(clerk_view[0].details)
    assert "11010119900307123X" in str(sup_unmasked[0].details)
    stored = session.execute(select(AuditEvent.details).where(AuditEvent.declaration_id == 5))
    assert "11010119900307123X" in str(stored.scalar_one())  # the trail itself is untouched
