from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.db.bulk import insert_declarations
from app.db.models import Declaration, DeclarationItem
from tests.factories import declaration_values, item_values


def test_bulk_insert_writes_what_the_orm_reads_back(session: Session) -> None:
    heads = [declaration_values(freight=Decimal("12.34567")) for _ in range(3)]
    items = [[item_values(), item_values(price=Decimal("0.1"), totalPrice=Decimal("0.3"),
                                         qty=Decimal("3"))], [item_values()], []]
    with session.begin():
        ids = insert_declarations(session, heads, items)
    assert len(ids) == 3 and ids == sorted(ids)
    first = session.get(Declaration, ids[0])
    assert first is not None
    assert first.freight == Decimal("12.34567")
    assert first.status == "draft" and first.version == 1
    assert first.created_at.tzinfo is not None
    assert [i.gnum for i in first.items] == [1, 2]
    assert first.items[1].totalPrice == Decimal("0.3")
    assert first.buyerName == "张伟"
    count = session.scalars(select(DeclarationItem.id)).all()
    assert len(count) == 3


def test_bulk_insert_continues_ids_after_existing_rows(session: Session) -> None:
    with session.begin():
        a = insert_declarations(session, [declaration_values()], [[item_values()]])
    with session.begin():
        b = insert_declarations(session, [declaration_values()], [[item_values()]])
    assert b[0] == a[0] + 1


def test_bulk_insert_rolls_back_with_the_transaction(session: Session) -> None:
    try:
        with session.begin():
            insert_declarations(session, [declaration_values()], [[item_values()]])
            raise RuntimeError("crash")
    except RuntimeError:
        pass
    assert session.scalars(select(Declaration.id)).all() == []


def test_bulk_insert_refuses_a_float_amount_even_after_an_equal_decimal(session: Session
                                                                        ) -> None:
    heads = [declaration_values(freight=Decimal("2")), declaration_values(freight=2.0)]
    with pytest.raises(TypeError), session.begin():
        insert_declarations(session, heads, [[], []])
    assert session.scalars(select(Declaration.id)).all() == []
