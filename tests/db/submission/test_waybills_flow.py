"""Waybills in the batch flow: CEB511 handed over before CEB621, CEB512 tracked, a refused
waybill in the To fix queue."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from app.db.models import Declaration, InboundReceipt, Waybill
from app.security.context import Actor
from app.services import settings as settings_service
from app.submission import fixqueue
from app.submission.exchange import ExchangeFolderTransport
from app.submission.receipts_job import process_inbox
from app.submission.simulator import CustomsSimulator
from tests.db.submission.test_submission_e2e import _submit
from tests.factories import make_declaration

NOW = datetime(2026, 11, 25, 9)


def _send_waybills(sessions: sessionmaker[Session], actor: Actor) -> dict[str, str]:
    with sessions() as s, s.begin():
        settings_service.set_setting(s, actor, "sendWaybills", "yes")
        return settings_service.all_settings(s)


def _quiet(sessions: sessionmaker[Session], actor: Actor, exchange: ExchangeFolderTransport,
           sim: CustomsSimulator) -> None:
    for _ in range(8):
        sim.run_once()
        process_inbox(sessions, actor, exchange)
        if sim.pending() == 0:
            return


def test_waybills_go_first_and_are_accepted(sessions: sessionmaker[Session], actor: Actor,
                                            exchange: ExchangeFolderTransport,
                                            broker: dict[str, str]) -> None:
    settings = _send_waybills(sessions, actor)
    with sessions() as s, s.begin():
        ids = [make_declaration(s, status="ready") for _ in range(3)]
    _submit(sessions, actor, exchange, settings, ids)
    handed = sorted(p.name for p in exchange.outbox_files())
    assert [n.split("_")[0] for n in handed] == ["CEB511", "CEB621"]
    with sessions() as s:
        statuses = set(s.execute(select(Declaration.status)).scalars())
        assert statuses == {"sent"}
    _quiet(sessions, actor, exchange, CustomsSimulator(exchange, seed=4, now=NOW))
    with sessions() as s:
        rows = s.execute(select(Waybill.declaration_id, Waybill.status,
                                Waybill.return_status)).all()
        assert sorted(r.declaration_id for r in rows) == sorted(ids)
        assert {(r.status, r.return_status) for r in rows} == {("accepted", "120")}
        assert set(s.execute(select(Declaration.status)).scalars()) == {"released"}
        kinds = set(s.execute(select(InboundReceipt.message_type)).scalars())
        assert "CEB512" in kinds


def test_refused_waybill_shows_in_the_fix_queue(sessions: sessionmaker[Session], actor: Actor,
                                                exchange: ExchangeFolderTransport,
                                                broker: dict[str, str]) -> None:
    settings = _send_waybills(sessions, actor)
    with sessions() as s, s.begin():
        ids = [make_declaration(s, status="ready") for _ in range(2)]
    _submit(sessions, actor, exchange, settings, ids)
    _quiet(sessions, actor, exchange, CustomsSimulator(exchange, seed=4, now=NOW,
                                                       reject_rate=1.0))
    with sessions() as s:
        assert set(s.execute(select(Waybill.status)).scalars()) == {"rejected"}
        groups = fixqueue.fix_groups(s, actor)
        waybill = [g for g in groups if g.source == "waybill"]
        assert len(waybill) == 1 and waybill[0].count == 2
        assert "运单信息与订单不符" in waybill[0].customs_text
        assert waybill[0].explanation is not None
        assert "waybill" in waybill[0].explanation.msgid
        assert sorted(fixqueue.declarations_for_cause(s, actor, waybill[0].key)) == sorted(ids)
        # Customs then refuses the inventories: order, payment and waybill do not match.
        assert any(g.code == "-621002" and g.count == 2 for g in groups)


def test_no_waybills_unless_the_office_sends_them(sessions: sessionmaker[Session],
                                                  actor: Actor,
                                                  exchange: ExchangeFolderTransport,
                                                  broker: dict[str, str]) -> None:
    with sessions() as s, s.begin():
        ids = [make_declaration(s, status="ready") for _ in range(2)]
    _submit(sessions, actor, exchange, broker, ids)
    assert [p.name.split("_")[0] for p in exchange.outbox_files()] == ["CEB621"]


def test_signed_for_reported_with_ceb513_and_answered(
        db_url: str, sessions: sessionmaker[Session], actor: Actor,
        exchange: ExchangeFolderTransport, broker: dict[str, str],
        capsys: pytest.CaptureFixture[str]) -> None:
    import json

    from lxml import etree

    from app.cli import main
    from app.submission import xsd

    settings = _send_waybills(sessions, actor)
    with sessions() as s, s.begin():
        ids = [make_declaration(s, status="ready") for _ in range(2)]
        unsent = make_declaration(s, status="released")
    _submit(sessions, actor, exchange, settings, ids)
    sim = CustomsSimulator(exchange, seed=4, now=NOW)
    _quiet(sessions, actor, exchange, sim)
    code = main(["--db", db_url, "signed", "--ids", str(unsent), "--json"])
    assert code == 1 and "no waybill" in capsys.readouterr().err
    code = main(["--db", db_url, "signed", "--ids", *map(str, ids), "--at",
                 "2026-11-27T15:30", "--json"])
    out, err = capsys.readouterr()
    assert code == 0, err
    data = json.loads(out)
    doc = etree.fromstring((exchange.outbox / data["messages"][0]).read_bytes())
    assert etree.QName(doc).localname == "CEB513Message"
    assert xsd.validate(doc, "I") == []
    assert doc.findtext(f"{{{xsd.CEB_NS}}}LogisticsStatus/{{{xsd.CEB_NS}}}logisticsTime") \
        == "20261127153000"
    _quiet(sessions, actor, exchange, sim)
    with sessions() as s:
        rows = s.execute(select(Waybill.delivery_status, Waybill.delivered_time)).all()
    assert set(rows) == {("accepted", "20261127153000")}
