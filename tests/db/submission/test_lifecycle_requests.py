"""Cancellations and returns end to end: request → outbox → simulated customs → receipts."""

from __future__ import annotations

from datetime import datetime

import pytest
from lxml import etree
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from app.db.models import AuditEvent, Declaration, LifecycleRequest, OutboundMessage
from app.domain.errors import ConflictError, PermissionDeniedError, ValidationError
from app.precheck.facts import annual_used
from app.security.context import Actor, Role
from app.submission import lifecycle, outbound, xsd
from app.submission.exchange import ExchangeFolderTransport
from app.submission.receipt_builders import build_inventory_receipt
from app.submission.receipts_job import process_inbox
from app.submission.simulator import CustomsSimulator
from tests.db.submission.test_submission_e2e import _submit
from tests.factories import make_declaration

NOW = datetime(2026, 11, 25, 9)


def _status(sessions: sessionmaker[Session], decl_id: int) -> str:
    with sessions() as s:
        return str(s.execute(select(Declaration.status)
                             .where(Declaration.id == decl_id)).scalar_one())


def _until_quiet(sessions: sessionmaker[Session], actor: Actor,
                 exchange: ExchangeFolderTransport, sim: CustomsSimulator) -> None:
    for _ in range(8):
        sim.run_once()
        process_inbox(sessions, actor, exchange)
        if sim.pending() == 0:
            return


def _tick(sessions: sessionmaker[Session], actor: Actor, exchange: ExchangeFolderTransport,
          sim: CustomsSimulator, n: int) -> None:
    for _ in range(n):
        sim.run_once()
        process_inbox(sessions, actor, exchange)


def test_cancel_before_release_and_return_after_release(
        sessions: sessionmaker[Session], actor: Actor, exchange: ExchangeFolderTransport,
        broker: dict[str, str]) -> None:
    with sessions() as s, s.begin():
        ids = [make_declaration(s, status="ready") for _ in range(4)]
    _submit(sessions, actor, exchange, broker, ids)
    sim = CustomsSimulator(exchange, seed=3, now=NOW)
    _tick(sessions, actor, exchange, sim, 2)  # 2 → 120: customs gave inventory numbers
    with sessions() as s:
        rows = s.execute(select(Declaration.id, Declaration.status, Declaration.invtNo)
                         .where(Declaration.id.in_(ids))).all()
    held = [r.id for r in rows if r.invtNo and r.status == "accepted"]
    assert held, rows
    cancel_id = held[0]
    with sessions() as s, s.begin():
        result = lifecycle.request_cancellation(s, actor, [cancel_id], "订购人取消订单", broker,
                                                now=NOW)
    assert _status(sessions, cancel_id) == "cancel_requested"
    outbound.deliver_pending(sessions, actor, exchange)
    written = exchange.outbox / result.messages[0]
    doc = etree.fromstring(written.read_bytes())
    assert etree.QName(doc).localname == "CEB623Message"
    assert xsd.validate(doc, "I") == []
    _until_quiet(sessions, actor, exchange, sim)
    assert _status(sessions, cancel_id) == "cancelled"
    others = [i for i in ids if i != cancel_id]
    assert {_status(sessions, i) for i in others} == {"released"}
    with sessions() as s:
        req = s.execute(select(LifecycleRequest)).scalar_one()
        assert (req.state, req.return_status, req.previous_status) == (
            "accepted", "399", "accepted")
        actions = set(s.execute(select(AuditEvent.action)).scalars())
    assert "declaration.cancel_request" in actions

    # A released parcel cannot be cancelled, only returned.
    with sessions() as s, s.begin(), pytest.raises(ConflictError, match="register a return"):
        lifecycle.request_cancellation(s, actor, [others[0]], "x", broker)
    with sessions() as s, s.begin():
        lifecycle.request_return(s, actor, [others[0]], "买家七天无理由退货", broker, now=NOW)
    assert _status(sessions, others[0]) == "return_requested"
    outbound.deliver_pending(sessions, actor, exchange)
    _until_quiet(sessions, actor, exchange, sim)
    assert _status(sessions, others[0]) == "returned"
    with sessions() as s:
        kinds = list(s.execute(select(OutboundMessage.message_type)
                               .where(OutboundMessage.batch_id.is_(None))).scalars())
    assert sorted(kinds) == ["CEB623Message", "CEB625Message"]


def test_refused_request_puts_the_parcel_back(
        sessions: sessionmaker[Session], actor: Actor, exchange: ExchangeFolderTransport,
        broker: dict[str, str]) -> None:
    with sessions() as s, s.begin():
        decl = make_declaration(s, status="released", copNo="RET0001",
                                invtNo="51412026I000000001", preNo="B20261125000000001",
                                last_return_status="800",
                                last_return_time="20261125090000000")
        lifecycle.request_return(s, actor, [decl], "买家退货", broker, now=NOW)
    receipts = [
        # Out of order: the refusal (later returnTime) arrives in the first file.
        ("CEB626", "100", "20261126100000002", "超过退货期限"),
        ("CEB626", "2", "20261126100000001", "电子口岸申报中"),
    ]
    exchange.inbox.mkdir(parents=True, exist_ok=True)
    for kind, code, when, info in receipts:
        exchange.inbox.joinpath(f"{kind}_{code}.xml").write_bytes(build_inventory_receipt(
            kind, [{"guid": "A" * 36, "copNo": "RET0001", "preNo": "B20261125000000001",
                    "returnStatus": code, "returnTime": when, "returnInfo": info}]))
    result = process_inbox(sessions, actor, exchange, now=1e12)
    assert result.errors == 0 and result.unmatched == 0
    assert _status(sessions, decl) == "released"
    with sessions() as s:
        req = s.execute(select(LifecycleRequest)).scalar_one()
        assert (req.state, req.return_info) == ("refused", "超过退货期限")


def test_requests_need_a_supervisor_a_reason_and_an_inventory_number(
        sessions: sessionmaker[Session], actor: Actor, broker: dict[str, str]) -> None:
    clerk = Actor("clerk1", Role.CLERK)
    with sessions() as s, s.begin():
        decl = make_declaration(s, status="accepted", copNo="C1")
    with sessions() as s, s.begin(), pytest.raises(PermissionDeniedError):
        lifecycle.request_cancellation(s, clerk, [decl], "x", broker)
    with sessions() as s, s.begin(), pytest.raises(ValidationError, match="reason"):
        lifecycle.request_cancellation(s, actor, [decl], "  ", broker)
    with sessions() as s, s.begin(), pytest.raises(ValidationError, match="invtNo"):
        lifecycle.request_cancellation(s, actor, [decl], "lost", broker)
    assert _status(sessions, decl) == "accepted"


def test_returned_goods_leave_the_annual_quota(sessions: sessionmaker[Session]) -> None:
    with sessions() as s, s.begin():
        first = make_declaration(s, status="released", buyerIdNumber="110105194912310020")
        second = make_declaration(s, status="ready", buyerIdNumber="110105194912310020")
    with sessions() as s:
        assert annual_used(s, [second]).get(second, 0) > 0
    with sessions() as s, s.begin():
        s.execute(update(Declaration).where(Declaration.id == first).values(status="returned"))
    with sessions() as s:
        assert annual_used(s, [second]).get(second, 0) == 0


def test_format_error_on_a_cancellation_refuses_the_request_not_the_inventory(
        sessions: sessionmaker[Session], actor: Actor, exchange: ExchangeFolderTransport,
        broker: dict[str, str]) -> None:
    from app.submission.receipt_builders import build_ceb900

    with sessions() as s, s.begin():
        decl = make_declaration(s, status="inspection", copNo="FMT0001",
                                invtNo="51412026I000000009", preNo="B20261125000000009",
                                last_return_status="500",
                                last_return_time="20261125090000000")
        lifecycle.request_cancellation(s, actor, [decl], "订单取消", broker, now=NOW)
        guid = s.execute(select(OutboundMessage.guid)).scalar_one()
    exchange.inbox.mkdir(parents=True, exist_ok=True)
    (exchange.inbox / "CEB900_1.xml").write_bytes(build_ceb900(
        guid, "-1", "报文校验失败", datetime(2026, 11, 25, 10), ori_cop_msg_id="x",
        ori_message_type="CEB623Message"))
    result = process_inbox(sessions, actor, exchange, now=1e12)
    assert (result.applied, result.unmatched) == (1, 0)
    assert _status(sessions, decl) == "inspection"  # not "rejected"
    with sessions() as s:
        assert s.execute(select(LifecycleRequest.state)).scalar_one() == "refused"
