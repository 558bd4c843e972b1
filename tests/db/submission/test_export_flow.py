"""The export chain in the training database: an export batch's waybills, inventories, arrival
(scanned in at the site), master-bill list and departure, answered by the training customs,
until every parcel departed; its monthly summary with the CEB792 result; a return and its
tally; every message valid against the official export schema."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pytest
from lxml import etree
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from app.cli import main
from app.db.models import (
    Declaration,
    ExportDocument,
    InboundReceipt,
    OutboundMessage,
    ReturnTally,
    Waybill,
)
from app.domain.errors import ConflictError, PermissionDeniedError, ValidationError
from app.intake.service import ImportRequest, import_file
from app.security.context import Actor, Role
from app.services import settings as settings_service
from app.station import arrival
from app.submission import batches, export_flow, lifecycle, outbound, return_tally, summary, xsd
from app.submission.exchange import ExchangeFolderTransport
from app.submission.receipts_job import process_inbox
from app.submission.simulator import CustomsSimulator
from tests.db.submission.test_submission_e2e import EXPORT_HEAD
from tests.factories import make_declaration
from tests.unit.intake.export_orders import write_export_orders

WHEN = datetime(2026, 11, 25, 9)


def _export_batch(sessions: sessionmaker[Session], actor: Actor, count: int = 6) -> str:
    with sessions() as s, s.begin():
        # Declared for the monthly summary (statisticsFlag B, 汇总申报).
        ids = [make_declaration(s, status="ready", **{**EXPORT_HEAD, "statisticsFlag": "B"},
                                copNo=f"EXP{n:05d}") for n in range(count)]
        settings_service.set_settings(s, actor, {"operatorCode": "5141980001",
                                                 "operatorName": "白云机场跨境电商监管中心"})
        return batches.create_batch(s, actor, ids=ids, transport=batches.TransportData(
            billNo="784-12345675", trafMode="5", trafName="CZ3102", voyageNo="CZ3102",
            trafNo="粤A12345")).batch_no


def _step(sessions: sessionmaker[Session], actor: Actor, exchange: ExchangeFolderTransport,
          step: str, batch_no: str, **options: object) -> export_flow.StepResult:
    with sessions() as s, s.begin():
        settings = settings_service.all_settings(s)
        result = export_flow.run_step(s, actor, step, batch_no, settings, **options)
    outbound.deliver_pending(sessions, actor, exchange)
    return result


def _stages(sessions: sessionmaker[Session]) -> set[str | None]:
    with sessions() as s:
        return set(s.execute(select(Declaration.export_stage)).scalars())


def _all_valid(sessions: sessionmaker[Session]) -> list[str]:
    with sessions() as s:
        rows = s.execute(select(OutboundMessage.message_type, OutboundMessage.content)).all()
    for kind, content in rows:
        assert xsd.validate(etree.fromstring(content), "E") == [], kind
    return sorted({r.message_type for r in rows})


class _Customs:
    def __init__(self, sessions: sessionmaker[Session], actor: Actor,
                 exchange: ExchangeFolderTransport) -> None:
        self.sim = CustomsSimulator(exchange, seed=5, now=WHEN)
        self.sessions, self.actor, self.exchange = sessions, actor, exchange

    def tick(self) -> None:
        self.sim.run_once()
        result = process_inbox(self.sessions, self.actor, self.exchange)
        assert result.errors == result.unmatched == 0
        outbound.deliver_pending(self.sessions, self.actor, self.exchange)

    def settle(self) -> None:
        """Ticks until customs has answered everything (some answers come a tick late)."""
        for _ in range(8):
            self.tick()
            if self.sim.pending() == 0:
                return


def test_export_batch_goes_from_import_to_departed_summary_and_return(
        sessions: sessionmaker[Session], actor: Actor, exchange: ExchangeFolderTransport,
        broker: dict[str, str], db_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    batch_no = _export_batch(sessions, actor)
    customs = _Customs(sessions, actor, exchange)
    waybills = _step(sessions, actor, exchange, "waybills", batch_no)
    assert waybills.parcels == 6
    assert _stages(sessions) == {"waybill_sent"}
    with sessions() as s, s.begin():
        outbound.record_batch(s, actor, batch_no, broker)
    outbound.deliver_pending(sessions, actor, exchange)
    customs.tick()
    with (pytest.raises(ConflictError, match="not ready for the Master-bill list"),
          sessions() as s, s.begin()):  # arrival and release first
        export_flow.file_manifest(s, actor, batch_no, broker)
    customs.settle()  # 2 → 120 → 399 → 800
    with sessions() as s:
        assert set(s.execute(select(Waybill.status)).scalars()) == {"accepted"}
        assert set(s.execute(select(Declaration.status)).scalars()) == {"released"}
    # The parcels are scanned in at the site; the last scan records the arrival report.
    with sessions() as s:
        waybill_nos = list(s.execute(select(Declaration.logisticsNo)).scalars())
    with sessions() as s, s.begin():
        site = settings_service.all_settings(s)  # with the site operator
        scans = [arrival.scan_parcel(s, actor, batch_no, str(n), site) for n in waybill_nos]
    assert [x.outcome for x in scans] == ["arrived"] * 6
    assert scans[-1].report is not None and scans[-1].report.parcels == 6
    outbound.deliver_pending(sessions, actor, exchange)
    customs.settle()
    assert _stages(sessions) == {"arrived"}
    _step(sessions, actor, exchange, "manifest", batch_no)
    customs.settle()
    assert _stages(sessions) == {"manifested"}
    _step(sessions, actor, exchange, "departure", batch_no, leave_time=datetime(2026, 11, 26, 1))
    customs.settle()
    assert _stages(sessions) == {"departed"}
    with sessions() as s:
        status = export_flow.flow_status(s, actor, batch_no)
        docs = s.execute(select(ExportDocument.kind, ExportDocument.status,
                                ExportDocument.pre_no)).all()
        answered = set(s.execute(select(InboundReceipt.message_type)).scalars())
    assert status.stages == (("departed", 6),) and status.next_step is None
    assert {(d.kind, d.status) for d in docs} == {
        ("arrival", "accepted"), ("manifest", "accepted"), ("departure", "accepted")}
    assert all(d.pre_no for d in docs)
    assert {"CEB506", "CEB508", "CEB608", "CEB510"} <= answered
    # The month's summary application: one per exporter (all six share one), answered with
    # customs' summary number and then the result naming the customs declaration.
    with sessions() as s:
        month = str(s.execute(select(Declaration.appTime)).scalars().first())[:6]
    month = f"{month[:4]}-{month[4:]}"
    code = main(["--db", db_url, "summary-application", "--month", month, "--json"])
    out, err = capsys.readouterr()
    assert code == 0, err
    applied = json.loads(out)
    assert [a["inventories"] for a in applied["applications"]] == [6]
    assert applied["pending"] == 0
    customs.settle()
    code = main(["--db", db_url, "summary-application", "--month", month, "--show", "--json"])
    out, err = capsys.readouterr()
    (shown,) = json.loads(out)["applications"]
    assert shown["status"] == "accepted" and shown["entry_id"]
    with sessions() as s, s.begin():
        (row,) = summary.list_summaries(s, actor, month=month)
        with pytest.raises(ConflictError, match="left to summarise"):  # each inventory once
            summary.apply_for_summary(s, actor, month, broker)
    assert row.status == "accepted" and row.sum_no and row.pre_no
    assert row.entry_id and row.decl_seq_no and row.dec_state == "10"
    # A buyer abroad sends one parcel back: the return (CEB213) and, once it is back at the
    # site, its tally (CEB215), both answered by customs.
    with sessions() as s:
        returned = s.execute(select(Declaration.id).order_by(Declaration.id)).scalars().first()
    assert returned
    with sessions() as s, s.begin():
        lifecycle.request_return(s, Actor("wang.sup", Role.SUPERVISOR), [returned], "买家退货",
                                 broker)
    outbound.deliver_pending(sessions, actor, exchange)
    customs.settle()
    with sessions() as s, s.begin():
        return_tally.tally_returns(s, actor, [returned], settings_service.all_settings(s))
    outbound.deliver_pending(sessions, actor, exchange)
    customs.settle()
    with sessions() as s:
        assert s.get(Declaration, returned).status == "returned"  # type: ignore[union-attr]
        assert s.execute(select(ReturnTally.status)).scalar_one() == "accepted"
    assert _all_valid(sessions) == ["CEB213Message", "CEB215Message", "CEB505Message",
                                    "CEB507Message", "CEB509Message", "CEB603Message",
                                    "CEB607Message", "CEB701Message"]


def test_refused_arrival_is_sent_again_and_stages_never_go_back(
        sessions: sessionmaker[Session], actor: Actor, exchange: ExchangeFolderTransport,
        broker: dict[str, str]) -> None:
    batch_no = _export_batch(sessions, actor, 3)
    customs = _Customs(sessions, actor, exchange)
    _step(sessions, actor, exchange, "waybills", batch_no)
    with sessions() as s, s.begin():
        outbound.record_batch(s, actor, batch_no, broker)
    outbound.deliver_pending(sessions, actor, exchange)
    customs.settle()
    customs.sim.reject_rate = 1.0  # customs refuses the arrival report
    _step(sessions, actor, exchange, "arrival", batch_no)
    customs.sim.run_once()
    replay = [p.read_bytes() for p in exchange.inbox_files()]
    process_inbox(sessions, actor, exchange)
    with sessions() as s:
        (doc,) = s.execute(select(ExportDocument)).scalars()
        assert (doc.status, doc.return_status) == ("rejected", "100")
        assert export_flow.flow_status(s, actor, batch_no).next_step == "arrival"
    assert _stages(sessions) == {"waybill_sent"}
    customs.sim.reject_rate = 0.0
    again = _step(sessions, actor, exchange, "arrival", batch_no)
    customs.settle()
    assert _stages(sessions) == {"arrived"}
    with sessions() as s:
        latest = s.execute(select(ExportDocument.cop_no, ExportDocument.status)
                           .order_by(ExportDocument.id)).all()
    assert latest[-1] == (f"YD{batch_no}-2", "accepted")
    assert again.parcels == 3
    # The old refusal delivered again changes nothing, and a waybill sent again later
    # does not take the parcels back to waybill_sent.
    for n, data in enumerate(replay):
        (exchange.inbox / f"again_{n}.xml").write_bytes(data)
    assert process_inbox(sessions, actor, exchange).applied == 0
    with sessions() as s, s.begin():
        s.execute(Waybill.__table__.update().values(status="rejected"))
    _step(sessions, actor, exchange, "waybills", batch_no)
    assert _stages(sessions) == {"arrived"}


def test_steps_check_batch_role_and_data(
        sessions: sessionmaker[Session], actor: Actor, exchange: ExchangeFolderTransport,
        broker: dict[str, str]) -> None:
    batch_no = _export_batch(sessions, actor, 2)
    with sessions() as s, s.begin(), pytest.raises(ConflictError, match="not been submitted"):
        export_flow.report_arrival(s, actor, batch_no, broker)
    admin = Actor("zhao.admin", Role.ADMIN)  # administers; does not declare
    with sessions() as s, s.begin(), pytest.raises(PermissionDeniedError):
        export_flow.send_waybills(s, admin, batch_no, broker)
    with sessions() as s, s.begin():
        outbound.record_batch(s, actor, batch_no, broker)
    with sessions() as s, s.begin(), pytest.raises(ValidationError, match="operatorCode"):
        export_flow.report_arrival(s, actor, batch_no, broker)
    site = {**broker, "operatorCode": "5141980001", "operatorName": "监管中心"}
    with sessions() as s, s.begin(), pytest.raises(ConflictError, match="export stage"):
        export_flow.report_arrival(s, actor, batch_no, site)  # no waybills yet
    with sessions() as s, s.begin():
        ids = [make_declaration(s, status="ready", copNo="IMP1")]
        imp = batches.create_batch(s, actor, ids=ids, transport=batches.TransportData(
            billNo="1", trafNo="CZ1")).batch_no
    with sessions() as s, s.begin(), pytest.raises(ConflictError, match="import batch"):
        export_flow.send_waybills(s, actor, imp, broker)


def test_export_flow_command(db_url: str, sessions: sessionmaker[Session], actor: Actor,
                             exchange: ExchangeFolderTransport, broker: dict[str, str],
                             capsys: pytest.CaptureFixture[str]) -> None:
    batch_no = _export_batch(sessions, actor, 2)
    code = main(["--db", db_url, "export-flow", "waybills", "--batch", batch_no, "--json"])
    out, err = capsys.readouterr()
    assert code == 0, err
    data = json.loads(out)
    assert data["step"] == "waybills" and data["parcels"] == 2 and data["pending"] == 0
    assert (exchange.outbox / data["messages"][0]).read_bytes().count(b"<ceb:Logistics>") == 2
    # Arrival before the inventories were submitted: a clear refusal, exit 1.
    code = main(["--db", db_url, "--lang", "en", "export-flow", "arrival", "--batch",
                 batch_no, "--truck", "粤A12345"])
    out, err = capsys.readouterr()
    assert code == 1 and "submit its inventories first" in err
    with sessions() as s, s.begin():
        outbound.record_batch(s, actor, batch_no, broker)
    code = main(["--db", db_url, "export-flow", "arrival", "--batch", batch_no, "--truck",
                 "粤A12345", "--json"])
    out, err = capsys.readouterr()
    assert code == 0, err
    content = (exchange.outbox / json.loads(out)["messages"][0]).read_bytes()
    assert b"<ceb:domesticTrafNo>\xe7\xb2\xa4A12345</ceb:domesticTrafNo>" in content
    code = main(["--db", db_url, "export-flow", "status", "--batch", batch_no, "--json"])
    out, err = capsys.readouterr()
    status = json.loads(out)["batch"]
    assert status["stages"] == {"waybill_sent": 2} and status["next_step"] == "arrival"
    assert [d["status"] for d in status["documents"]] == ["sent"]


def test_export_cancellation_is_a_ceb605_answered_by_ceb606(
        sessions: sessionmaker[Session], actor: Actor, exchange: ExchangeFolderTransport,
        broker: dict[str, str]) -> None:
    batch_no = _export_batch(sessions, actor, 2)
    with sessions() as s, s.begin():
        outbound.record_batch(s, actor, batch_no, broker)
    outbound.deliver_pending(sessions, actor, exchange)
    customs = _Customs(sessions, actor, exchange)
    for _ in range(4):  # until customs gave the inventory numbers (120)
        customs.tick()
        with sessions() as s:
            held = s.execute(select(Declaration.id).where(
                Declaration.invtNo.is_not(None), Declaration.status == "accepted")
                .order_by(Declaration.id)).scalars().first()
        if held:
            break
    assert held
    supervisor = Actor("wang.sup", Role.SUPERVISOR)
    with sessions() as s, s.begin():
        result = lifecycle.request_cancellation(s, supervisor, [held], "出口包裹破损", broker)
    assert result.messages[0].startswith("CEB605_")
    outbound.deliver_pending(sessions, actor, exchange)
    assert "CEB605Message" in _all_valid(sessions)
    customs.settle()
    with sessions() as s:
        assert s.get(Declaration, held).status == "cancelled"  # type: ignore[union-attr]
        kinds = set(s.execute(select(InboundReceipt.message_type)
                              .where(InboundReceipt.declaration_id == held)).scalars())
    assert "CEB606" in kinds


def test_export_return_is_a_ceb213_answered_by_ceb214(
        sessions: sessionmaker[Session], actor: Actor, exchange: ExchangeFolderTransport,
        broker: dict[str, str]) -> None:
    batch_no = _export_batch(sessions, actor, 2)
    with sessions() as s, s.begin():
        outbound.record_batch(s, actor, batch_no, broker)
    outbound.deliver_pending(sessions, actor, exchange)
    customs = _Customs(sessions, actor, exchange)
    customs.settle()
    with sessions() as s:
        released = s.execute(select(Declaration.id).where(Declaration.status == "released")
                             .order_by(Declaration.id)).scalars().first()
    assert released
    supervisor = Actor("wang.sup", Role.SUPERVISOR)
    with sessions() as s, s.begin():
        result = lifecycle.request_return(s, supervisor, [released], "境外买家拒收退回", broker)
    assert result.messages[0].startswith("CEB213_")
    outbound.deliver_pending(sessions, actor, exchange)
    assert "CEB213Message" in _all_valid(sessions)
    customs.settle()
    with sessions() as s:
        assert s.get(Declaration, released).status == "returned"  # type: ignore[union-attr]
        kinds = set(s.execute(select(InboundReceipt.message_type)
                              .where(InboundReceipt.declaration_id == released)).scalars())
    assert "CEB214" in kinds


def test_export_orders_imported_from_a_file_go_to_departed_and_into_a_summary(
        sessions: sessionmaker[Session], actor: Actor, exchange: ExchangeFolderTransport,
        broker: dict[str, str], tmp_path: Path) -> None:
    """The issue's "from import": the platform's export order file imported as export
    (ieFlag E, pre-checked ready without any buyer ID), batched, and carried through waybills,
    arrival, master-bill list and departure to "departed", then into the month's CEB701."""
    path = write_export_orders(tmp_path / "出口订单.xlsx", count=4)
    with sessions() as s, s.begin():
        imported = import_file(s, actor, ImportRequest(path=path, direction="E"))
    assert imported.declarations == 4 and imported.errors == ()
    with sessions() as s:
        assert s.execute(select(Declaration.ieFlag, Declaration.status)).all() == [
            ("E", "ready")] * 4
    with sessions() as s, s.begin():
        settings_service.set_settings(s, actor, {"operatorCode": "5141980001",
                                                 "operatorName": "白云机场跨境电商监管中心"})
        batch_no = batches.create_batch(s, actor, transport=batches.TransportData(
            billNo="784-12345675", trafMode="5", trafName="CZ3102", voyageNo="CZ3102",
            trafNo="粤A12345")).batch_no
    customs = _Customs(sessions, actor, exchange)
    assert _step(sessions, actor, exchange, "waybills", batch_no).parcels == 4
    with sessions() as s, s.begin():
        outbound.record_batch(s, actor, batch_no, broker)
    outbound.deliver_pending(sessions, actor, exchange)
    customs.settle()
    with sessions() as s:
        assert set(s.execute(select(Declaration.status)).scalars()) == {"released"}
    _step(sessions, actor, exchange, "arrival", batch_no)
    customs.settle()
    _step(sessions, actor, exchange, "manifest", batch_no)
    customs.settle()
    _step(sessions, actor, exchange, "departure", batch_no, leave_time=datetime(2026, 11, 26, 1))
    customs.settle()
    assert _stages(sessions) == {"departed"}
    with sessions() as s:
        month = str(s.execute(select(Declaration.appTime)).scalars().first())[:6]
    with sessions() as s, s.begin():
        applied = summary.apply_for_summary(s, actor, f"{month[:4]}-{month[4:]}", broker)
    outbound.deliver_pending(sessions, actor, exchange)
    customs.settle()
    assert sum(a.inventories for a in applied.applications) == 4
    with sessions() as s:
        rows = summary.list_summaries(s, actor, month=f"{month[:4]}-{month[4:]}")
    assert [r.status for r in rows] == ["accepted"]
    assert _all_valid(sessions) == ["CEB505Message", "CEB507Message", "CEB509Message",
                                    "CEB603Message", "CEB607Message", "CEB701Message"]
