"""Bags (总包): one open bag per route, a parcel in one bag only, numbers from the database."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from app.db.models import AuditEvent, Bag, BagParcel
from app.domain.errors import ConflictError
from app.security.context import Actor
from app.station.bags import (
    AlreadyBagged,
    add_to_bag,
    bag_manifest,
    bags_of_batch,
    close_bag,
    get_bag,
    list_bags,
)
from app.station.weighing import Tolerance, record_weighing
from app.submission.batches import create_batch
from tests.factories import make_declaration


def test_parcels_go_into_the_open_bag_of_their_route(session: Session, actor: Actor) -> None:
    a, b, c = (make_declaration(session, status="ready") for _ in range(3))
    first = add_to_bag(session, actor, a, "755-A12", station="A1")
    assert add_to_bag(session, actor, b, "755-A12").bag_no == first.bag_no
    other = add_to_bag(session, actor, c, "020-B03")
    assert other.bag_no != first.bag_no and other.route == "020-B03"
    assert first.bag_no.startswith("BG") and len(first.bag_no) == 10
    with pytest.raises(AlreadyBagged, match=first.bag_no) as again:
        add_to_bag(session, actor, a, "020-B03")
    assert again.value.bag_no == first.bag_no
    summary, parcels = get_bag(session, actor, first.bag_no)
    assert (summary.parcels, [p.declaration_id for p in parcels]) == (2, [a, b])

    closed = close_bag(session, actor, first.bag_no, Decimal("2.45"))
    assert (closed.state, closed.weight_kg, closed.parcels) == ("closed", Decimal("2.45"), 2)
    with pytest.raises(ConflictError, match="already closed"):
        close_bag(session, actor, first.bag_no, None)
    d = make_declaration(session, status="ready")
    reopened = add_to_bag(session, actor, d, "755-A12")
    assert reopened.bag_no != first.bag_no and reopened.state == "open"
    assert [b.bag_no for b in bag_manifest(session, actor)] == [first.bag_no]
    assert {b.bag_no for b in list_bags(session, actor, state="open")} == {
        other.bag_no, reopened.bag_no}
    actions = session.scalars(select(AuditEvent.action).where(
        AuditEvent.action.like("bag.%"))).all()
    assert actions.count("bag.add") == 4 and actions.count("bag.close") == 1


def test_the_database_refuses_a_parcel_in_two_bags_and_two_open_bags_per_route(
        sessions: sessionmaker[Session], actor: Actor) -> None:
    with sessions() as s, s.begin():
        decl = make_declaration(s)
        bag = add_to_bag(s, actor, decl, "755")
    with sessions() as s, s.begin():  # a second workstation skipping the look-ups
        s.add(Bag(route_code="755", open_route="755", state="open", opened_by="ws2"))
        with pytest.raises(IntegrityError):
            s.flush()
        s.rollback()
    with sessions() as s, s.begin():
        other = Bag(route_code="755", state="closed", opened_by="ws2")
        s.add(other)
        s.flush()
        s.add(BagParcel(bag_id=other.id, declaration_id=decl, added_by="ws2"))
        with pytest.raises(IntegrityError):
            s.flush()
        s.rollback()
    with sessions() as s:
        assert s.scalars(select(Bag.bag_no)).all() == [bag.bag_no]


def test_held_parcels_are_not_bagged_and_a_batch_lists_its_bags(
        session: Session, actor: Actor) -> None:
    held = make_declaration(session, status="ready", grossWeight=Decimal(1))
    record_weighing(session, actor, held, Decimal(3), Tolerance())
    with pytest.raises(ConflictError, match="held for its weight"):
        add_to_bag(session, actor, held, "755")
    ids = [make_declaration(session, status="ready") for _ in range(3)]
    bag1 = add_to_bag(session, actor, ids[0], "755")
    bag2 = add_to_bag(session, actor, ids[1], "020")
    batch = create_batch(session, actor, ids=ids)
    assert [b.bag_no for b in bags_of_batch(session, batch.id)] == sorted(
        [bag1.bag_no, bag2.bag_no])


def test_a_parcel_bagged_meanwhile_at_another_station_is_named(
        session: Session, actor: Actor, monkeypatch: pytest.MonkeyPatch) -> None:
    from app.station import bags

    decl = make_declaration(session)
    first = add_to_bag(session, actor, decl, "755")
    real = bags.bag_of
    calls: list[int] = []

    def stale_look_up(s: Session, declaration_id: int) -> str | None:
        calls.append(declaration_id)
        return None if len(calls) == 1 else real(s, declaration_id)  # the check saw nothing

    monkeypatch.setattr(bags, "bag_of", stale_look_up)
    with pytest.raises(AlreadyBagged, match=first.bag_no):
        add_to_bag(session, actor, decl, "020")
    # the refused insert was rolled back to its savepoint: the transaction goes on
    assert get_bag(session, actor, first.bag_no)[0].parcels == 1


def test_bag_numbers_carry_the_site_code(session: Session, actor: Actor) -> None:
    # Two sites (the office, a sorting centre) never issue the same bag number.
    from app.services.settings import SITE_CODE, set_setting

    first = add_to_bag(session, actor, make_declaration(session, status="ready"), "755-A12")
    set_setting(session, actor, SITE_CODE, "SC1")
    second = add_to_bag(session, actor, make_declaration(session, status="ready"), "020-B03")
    assert first.bag_no.startswith("BG") and "SC1" not in first.bag_no
    assert second.bag_no.startswith("BGSC1") and len(second.bag_no) == 13
    assert session.scalars(select(Bag.bag_no).order_by(Bag.id)).all() == [
        first.bag_no, second.bag_no]
