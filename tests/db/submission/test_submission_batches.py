"""Batches over the database: only ready declarations, transport data applied, locking."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from app.db.models import AuditEvent, Declaration, Problem
from app.domain.errors import ConflictError, ValidationError
from app.security.context import Actor
from app.submission import batches
from app.submission.batches import BatchBlockedError, TransportData
from tests.factories import make_declaration


def _status(session: Session, decl_id: int) -> str:
    return session.execute(select(Declaration.status).where(Declaration.id == decl_id)
                           ).scalar_one()


def test_create_from_ids_applies_transport_and_locks(session: Session, actor: Actor) -> None:
    ids = [make_declaration(session, status="ready") for _ in range(3)]
    b = batches.create_batch(session, actor, ids=ids, transport=TransportData(
        billNo="78412345675", trafMode="5", trafNo="CZ3102", voyageNo="CZ3102"))
    session.commit()
    assert b.declarations == 3 and b.state == "open" and b.batch_no.startswith("B")
    rows = session.execute(select(Declaration.status, Declaration.billNo, Declaration.trafNo,
                                  Declaration.batch_id).where(Declaration.id.in_(ids))).all()
    assert {tuple(r) for r in rows} == {("queued", "78412345675", "CZ3102", b.id)}
    actions = session.execute(select(AuditEvent.action)).scalars().all()
    assert actions.count("declaration.status") == 3 and "batch.create" in actions


def test_not_ready_declarations_block_with_reasons(session: Session, actor: Actor) -> None:
    ready = make_declaration(session, status="ready")
    draft = make_declaration(session, status="draft")
    invalid = make_declaration(session, status="invalid")
    with pytest.raises(BatchBlockedError) as err:
        batches.create_batch(session, actor, ids=[ready, draft, invalid, 999_999])
    blocked = {b.id: b for b in err.value.blocked}
    assert set(blocked) == {draft, invalid, 999_999}
    assert "pre-check" in blocked[draft].reason.msgid
    assert "errors" in blocked[invalid].reason.msgid
    assert _status(session, ready) == "ready"


def test_status_ready_with_limit_and_no_mixing(session: Session, actor: Actor) -> None:
    for _ in range(5):
        make_declaration(session, status="ready")
    b = batches.create_batch(session, actor, status="ready", limit=2)
    assert b.declarations == 2
    make_declaration(session, status="ready", ieFlag="E")
    with pytest.raises(ValidationError):
        batches.create_batch(session, actor, status="ready")


def test_nothing_ready_is_an_error(session: Session, actor: Actor) -> None:
    with pytest.raises(ValidationError):
        batches.create_batch(session, actor, status="ready")


def test_edit_and_dissolve_unsent_batch(session: Session, actor: Actor) -> None:
    ids = [make_declaration(session, status="ready") for _ in range(2)]
    b = batches.create_batch(session, actor, ids=ids)
    edited = batches.edit_batch(session, actor, b.batch_no, TransportData(billNo="999-1"))
    assert edited.bill_no == "999-1"
    assert set(session.execute(select(Declaration.billNo).where(Declaration.id.in_(ids)))
               .scalars()) == {"999-1"}
    assert batches.dissolve_batch(session, actor, b.batch_no) == 2
    assert {_status(session, i) for i in ids} == {"ready"}
    with pytest.raises(ConflictError):
        batches.edit_batch(session, actor, b.batch_no, TransportData(billNo="x"))
    assert [x.batch_no for x in batches.list_batches(session, actor)] == []


def test_batch_rechecks_and_leaves_out_declarations_broken_behind_its_back(
        session: Session, actor: Actor) -> None:
    ids = [make_declaration(session, status="ready") for _ in range(3)]
    broken = ids[1]
    # A field changed directly in the database: the stored "ready" is now stale.
    session.execute(update(Declaration).where(Declaration.id == broken)
                    .values(buyerIdNumber="110105194912310021"))
    b = batches.create_batch(session, actor, ids=ids)
    assert b.declarations == 2
    assert _status(session, broken) == "invalid"
    assert {_status(session, i) for i in ids if i != broken} == {"queued"}
    codes = session.execute(select(Problem.code).where(Problem.declaration_id == broken)
                            ).scalars().all()
    assert codes == ["ID_CHECKSUM"]
    moved = session.execute(select(AuditEvent.details).where(
        AuditEvent.declaration_id == broken, AuditEvent.action == "declaration.status")
    ).scalars().all()
    assert moved == [{"from": "ready", "to": "invalid", "by": "precheck",
                      "hsEdition": "starter CN2019+HS2022"}]


def test_batch_of_only_broken_declarations_is_blocked(session: Session, actor: Actor) -> None:
    broken = make_declaration(session, status="ready")
    session.execute(update(Declaration).where(Declaration.id == broken)
                    .values(netWeight=Decimal("0")))
    with pytest.raises(BatchBlockedError) as err:
        batches.create_batch(session, actor, status="ready")
    assert [b.id for b in err.value.blocked] == [broken]
    assert "errors" in err.value.blocked[0].reason.msgid


def test_several_logistics_companies_need_a_confirmation(session: Session,
                                                         actor: Actor) -> None:
    ids = [make_declaration(session, status="ready") for _ in range(3)]
    session.execute(update(Declaration).where(Declaration.id == ids[0])
                    .values(logisticsCode="4403980A01", logisticsName="顺丰速运"))
    found = batches.batch_candidates(session, actor)
    assert found.ids == tuple(ids)
    assert [s.count for s in found.logistics] == [2, 1]
    assert "4403980A01" in {s.code for s in found.logistics}
    with pytest.raises(batches.MixedLogisticsError) as err:
        batches.create_batch(session, actor, status="ready")
    assert "4403980A01 顺丰速运: 1" in err.value.text("en")
    assert session.execute(select(Declaration.id).where(Declaration.batch_id.is_not(None))
                           ).all() == []
    b = batches.create_batch(session, actor, status="ready", mixed_logistics=True)
    assert b.declarations == 3


@pytest.mark.parametrize(("transport", "field", "said"), [
    (TransportData(trafMode="Q"), "trafMode", "运输方式：Q 不在运输方式代码表中"),
    (TransportData(portCode="ZZZZ"), "portCode", "口岸海关代码：ZZZZ 不在关区代码表中"),
    (TransportData(ieDate="20261399"), "ieDate", "进出口日期必须是 YYYYMMDD 格式的日期"),
    (TransportData(billNo="7" * 38), "billNo", "提运单号长度为 38 个字符"),
])
def test_transport_data_the_precheck_would_refuse_is_refused_before_anything_moves(
        session: Session, actor: Actor, transport: TransportData, field: str,
        said: str) -> None:
    """A typo in the batch's transport data would make every parcel of the batch fail at
    customs (it was attached after the re-check); now it is refused, naming the field, and
    neither a new batch nor an edit writes anything."""
    ids = [make_declaration(session, status="ready") for _ in range(2)]
    with pytest.raises(ValidationError) as refused:
        batches.create_batch(session, actor, ids=ids, transport=transport)
    assert said in refused.value.text("zh_CN")
    assert {_status(session, i) for i in ids} == {"ready"}
    assert batches.list_batches(session, actor) == []
    b = batches.create_batch(session, actor, ids=ids, transport=TransportData(billNo="1-2"))
    with pytest.raises(ValidationError):
        batches.edit_batch(session, actor, b.batch_no, transport)
    heads = session.execute(select(getattr(Declaration, field)).where(
        Declaration.id.in_(ids))).scalars().all()
    assert getattr(transport, field) not in heads
