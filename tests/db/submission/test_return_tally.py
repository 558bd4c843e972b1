"""Returned export parcels tallied in at the site: the CEB215 return tally after a CEB213
return, valid against the official export schema, answered by the training customs with
CEB216; each answer applied once, a tally's status never going back."""

from __future__ import annotations

import json

import pytest
from lxml import etree
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from app.cli import main
from app.db.models import Declaration, InboundReceipt, OutboundMessage, ReturnTally
from app.domain.errors import ConflictError, PermissionDeniedError, ValidationError
from app.security.context import Actor, Role
from app.submission import lifecycle, outbound, return_tally, xsd
from app.submission.exchange import ExchangeFolderTransport
from app.submission.receipts_job import process_inbox
from tests.db.submission.test_export_flow import _Customs, _export_batch

SITE = {"operatorCode": "5141980001", "operatorName": "白云机场跨境电商监管中心"}


def _returned(sessions: sessionmaker[Session], actor: Actor, exchange: ExchangeFolderTransport,
              broker: dict[str, str]) -> tuple[_Customs, int, int]:
    """Two released export parcels, the first returned (CEB213 approved by customs)."""
    batch_no = _export_batch(sessions, actor, 2)
    with sessions() as s, s.begin():
        outbound.record_batch(s, actor, batch_no, broker)
    outbound.deliver_pending(sessions, actor, exchange)
    customs = _Customs(sessions, actor, exchange)
    customs.settle()
    with sessions() as s:
        first, second = s.execute(select(Declaration.id).order_by(Declaration.id)).scalars()
    with sessions() as s, s.begin():
        lifecycle.request_return(s, Actor("wang.sup", Role.SUPERVISOR), [first], "买家拒收",
                                 broker)
    outbound.deliver_pending(sessions, actor, exchange)
    customs.settle()
    return customs, first, second


def _tally(sessions: sessionmaker[Session]) -> list[tuple[str, str, str | None]]:
    with sessions() as s:
        return [tuple(r) for r in s.execute(select(  # type: ignore[misc]
            ReturnTally.cop_no, ReturnTally.status, ReturnTally.return_status)
            .order_by(ReturnTally.id))]


def test_return_tally_is_a_valid_ceb215_answered_once_by_ceb216(
        sessions: sessionmaker[Session], actor: Actor, exchange: ExchangeFolderTransport,
        broker: dict[str, str]) -> None:
    customs, returned, kept = _returned(sessions, actor, exchange, broker)
    site = {**broker, **SITE}
    with sessions() as s, s.begin(), pytest.raises(ConflictError, match="no return application"):
        return_tally.tally_returns(s, actor, [kept], site)
    with sessions() as s, s.begin(), pytest.raises(ValidationError, match="operatorCode"):
        return_tally.tally_returns(s, actor, [returned], broker)  # no site operator set
    admin = Actor("zhao.admin", Role.ADMIN)
    with sessions() as s, s.begin(), pytest.raises(PermissionDeniedError):
        return_tally.tally_returns(s, admin, [returned], site)
    with sessions() as s, s.begin():
        result = return_tally.tally_returns(s, actor, [returned], site, location="退货区A-03")
    assert result.messages[0].startswith("CEB215_TALLY_")
    outbound.deliver_pending(sessions, actor, exchange)
    with sessions() as s:
        (content,) = s.execute(select(OutboundMessage.content).where(
            OutboundMessage.message_type == "CEB215Message")).scalars()
    doc = etree.fromstring(content)
    assert xsd.validate(doc, "E") == []
    ns = {"ceb": xsd.CEB_NS}
    assert doc.findtext("ceb:InvtRefundDetail/ceb:ieFlag", namespaces=ns) == "I"
    assert doc.findtext("ceb:InvtRefundDetail/ceb:location", namespaces=ns) == "退货区A-03"
    assert doc.findtext("ceb:InvtRefundDetail/ceb:coElNo", namespaces=ns) == f"TH{returned}"
    with sessions() as s, s.begin(), pytest.raises(ConflictError, match="not answered yet"):
        return_tally.tally_returns(s, actor, [returned], site)
    # Customs answers (2 then 399); every receipt file kept to be delivered again.
    delivered: list[bytes] = []
    for _ in range(8):
        customs.sim.run_once()
        delivered += [p.read_bytes() for p in exchange.inbox_files()]
        process_inbox(sessions, actor, exchange)
        if customs.sim.pending() == 0:
            break
    assert _tally(sessions) == [(f"TH{returned}", "accepted", "399")]
    with sessions() as s:
        kinds = set(s.execute(select(InboundReceipt.message_type)
                              .where(InboundReceipt.declaration_id == returned)).scalars())
    assert "CEB216" in kinds
    # The same receipts delivered twice change nothing: no return applied, status kept.
    for n, data in enumerate(delivered):
        (exchange.inbox / f"again_{n}.xml").write_bytes(data)
    again = process_inbox(sessions, actor, exchange)
    assert again.applied == 0 and again.duplicates >= 2
    assert _tally(sessions) == [(f"TH{returned}", "accepted", "399")]
    with sessions() as s, s.begin(), pytest.raises(ConflictError, match="accepted already"):
        return_tally.tally_returns(s, actor, [returned], site)


def test_a_refused_tally_is_sent_again_under_a_new_number(
        sessions: sessionmaker[Session], actor: Actor, exchange: ExchangeFolderTransport,
        broker: dict[str, str]) -> None:
    customs, returned, _kept = _returned(sessions, actor, exchange, broker)
    site = {**broker, **SITE}
    customs.sim.reject_rate = 1.0
    with sessions() as s, s.begin():
        return_tally.tally_returns(s, actor, [returned], site)
    outbound.deliver_pending(sessions, actor, exchange)
    customs.settle()
    assert _tally(sessions) == [(f"TH{returned}", "rejected", "100")]
    customs.sim.reject_rate = 0.0
    with sessions() as s, s.begin():
        (row,) = return_tally.tally_returns(s, actor, [returned], site).tallies
    assert row.co_el_no == f"TH{returned}-2"
    outbound.deliver_pending(sessions, actor, exchange)
    customs.settle()
    assert _tally(sessions) == [(f"TH{returned}", "rejected", "100"),
                                (f"TH{returned}-2", "accepted", "399")]


def test_return_tally_command(db_url: str, sessions: sessionmaker[Session], actor: Actor,
                              exchange: ExchangeFolderTransport, broker: dict[str, str],
                              capsys: pytest.CaptureFixture[str]) -> None:
    customs, returned, kept = _returned(sessions, actor, exchange, broker)
    code = main(["--db", db_url, "--lang", "zh_CN", "return-tally", "--ids", str(kept)])
    out, err = capsys.readouterr()
    assert code == 1 and "退货申请" in err
    code = main(["--db", db_url, "return-tally", "--ids", str(returned), "--location",
                 "A-03", "--traf-name", "CZ3101", "--voyage-no", "CZ3101", "--json"])
    out, err = capsys.readouterr()
    assert code == 0, err
    data = json.loads(out)
    assert data["pending"] == 0 and data["tallies"][0]["status"] == "sent"
    content = (exchange.outbox / data["messages"][0]).read_bytes()
    assert b"<ceb:trafName>CZ3101</ceb:trafName>" in content
    customs.settle()
    code = main(["--db", db_url, "return-tally", "--show", "--json"])
    out, err = capsys.readouterr()
    (shown,) = json.loads(out)["tallies"]
    assert shown["status"] == "accepted" and shown["return_status"] == "399"
