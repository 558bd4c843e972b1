"""Export parcels scanned in at the site: each scan recorded for its batch, wrong parcels
refused with the reason, the arrival report (CEB507) of the scanned parcels on the clerk's
word, and of the rest by itself once the last one is scanned; answered by the training
customs until every parcel arrived."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from app.cli import main
from app.db.models import Declaration, ExportDocument, SiteArrival
from app.domain.errors import ConflictError
from app.security.context import Actor
from app.services import settings as settings_service
from app.station import arrival
from app.submission import batches, export_flow, outbound
from app.submission.exchange import ExchangeFolderTransport
from tests.db.submission.test_export_flow import _Customs, _export_batch, _stages, _step
from tests.db.submission.test_submission_e2e import EXPORT_HEAD
from tests.factories import make_declaration


def _ready_for_arrival(sessions: sessionmaker[Session], actor: Actor,
                       exchange: ExchangeFolderTransport, broker: dict[str, str]
                       ) -> tuple[_Customs, str, list[str]]:
    batch_no = _export_batch(sessions, actor, 3)
    customs = _Customs(sessions, actor, exchange)
    _step(sessions, actor, exchange, "waybills", batch_no)
    with sessions() as s, s.begin():
        outbound.record_batch(s, actor, batch_no, broker)
    outbound.deliver_pending(sessions, actor, exchange)
    customs.settle()
    with sessions() as s:
        waybills = [str(n) for n in s.execute(select(Declaration.logisticsNo)
                                              .order_by(Declaration.id)).scalars()]
    return customs, batch_no, waybills


def _scan(sessions: sessionmaker[Session], actor: Actor, batch_no: str,
          code: str) -> arrival.ArrivalScan:
    with sessions() as s, s.begin():
        return arrival.scan_parcel(s, actor, batch_no, code, settings_service.all_settings(s),
                                   station="站点1")


def test_scanning_in_at_the_site_reports_the_arrival(
        sessions: sessionmaker[Session], actor: Actor, exchange: ExchangeFolderTransport,
        broker: dict[str, str]) -> None:
    customs, batch_no, waybills = _ready_for_arrival(sessions, actor, exchange, broker)
    with sessions() as s, s.begin():
        imp = make_declaration(s, status="released", logisticsNo="SF1000000001")
        other_ids = [make_declaration(s, status="ready", **EXPORT_HEAD, copNo="EXPOTHER",
                                      logisticsNo="YT2000000002")]
        other = batches.create_batch(s, actor, ids=other_ids).batch_no
    assert imp
    with sessions() as s:
        assert arrival.arrival_batches(s, actor) == [batch_no]
    unknown = _scan(sessions, actor, batch_no, "NOSUCH123")
    assert unknown.outcome == arrival.UNKNOWN
    assert unknown.message.text("zh_CN") == "没有单号为 NOSUCH123 的包裹。"
    wrong = _scan(sessions, actor, batch_no, "sf1000000001 ")  # scanner text, normalised
    assert wrong.outcome == arrival.NOT_EXPORT and "进口包裹" in wrong.message.text("zh_CN")
    elsewhere = _scan(sessions, actor, batch_no, "YT2000000002")
    assert elsewhere.outcome == arrival.OTHER_BATCH
    assert other in elsewhere.message.text("zh_CN") and "属于批次" in elsewhere.message.text(
        "zh_CN")
    first = _scan(sessions, actor, batch_no, waybills[0])
    assert first.outcome == arrival.ARRIVED and first.report is None
    assert (first.progress.scanned, first.progress.expected) == (1, 3)
    assert [n for _c, n in first.progress.unscanned] == waybills[1:]
    assert _scan(sessions, actor, batch_no, waybills[0]).outcome == arrival.AGAIN
    with sessions() as s:
        assert s.execute(select(SiteArrival.station)).scalars().all() == ["站点1"]
    # The clerk confirms the one scanned: its arrival report goes, the others wait.
    with sessions() as s, s.begin():
        confirmed = arrival.confirm_arrival(s, actor, batch_no,
                                            settings_service.all_settings(s))
    assert confirmed.parcels == 1
    outbound.deliver_pending(sessions, actor, exchange)
    customs.settle()
    assert _stages(sessions) == {"arrived", "waybill_sent", None}
    with sessions() as s, s.begin(), pytest.raises(ConflictError, match="scanned in yet"):
        arrival.confirm_arrival(s, actor, batch_no, settings_service.all_settings(s))
    # The last two scanned: the arrival report of the rest is recorded by the last scan.
    assert _scan(sessions, actor, batch_no, waybills[1]).report is None
    last = _scan(sessions, actor, batch_no, waybills[2])
    assert last.report is not None and last.report.parcels == 2
    assert last.progress.expected == 0
    outbound.deliver_pending(sessions, actor, exchange)
    customs.settle()
    with sessions() as s:
        stages = set(s.execute(select(Declaration.export_stage)
                               .where(Declaration.batch_id.is_not(None),
                                      Declaration.copNo != "EXPOTHER")).scalars())
        docs = s.execute(select(ExportDocument.cop_no, ExportDocument.parcels,
                                ExportDocument.status).order_by(ExportDocument.id)).all()
    assert stages == {"arrived"}
    assert [tuple(d) for d in docs] == [(f"YD{batch_no}", 1, "accepted"),
                                        (f"YD{batch_no}-2", 2, "accepted")]
    # On to the master-bill list: every parcel arrived.
    assert _step(sessions, actor, exchange, "manifest", batch_no).parcels == 3


def test_last_scan_without_site_operator_keeps_the_scan_and_says_why(
        sessions: sessionmaker[Session], actor: Actor, exchange: ExchangeFolderTransport,
        broker: dict[str, str], db_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    _customs, batch_no, waybills = _ready_for_arrival(sessions, actor, exchange, broker)
    with sessions() as s, s.begin():
        settings_service.set_settings(s, actor, {"operatorCode": "", "operatorName": ""})
    code = main(["--db", db_url, "export-flow", "scan", "--batch", batch_no, *waybills[:2],
                 "--json"])
    out, err = capsys.readouterr()
    assert code == 0, err
    data = json.loads(out)
    assert [r["outcome"] for r in data["scans"]] == ["arrived", "arrived"]
    assert data["progress"]["unscanned"] == [{"copNo": "EXP00002", "logisticsNo": waybills[2]}]
    code = main(["--db", db_url, "--lang", "en", "export-flow", "scan", "--batch", batch_no,
                 waybills[2], "--json"])
    out, err = capsys.readouterr()
    (scan,) = json.loads(out)["scans"]
    assert scan["report"] is None and "operatorCode" in scan["report_error"]
    with sessions() as s:
        assert len(s.execute(select(SiteArrival.declaration_id)).all()) == 3
        assert s.execute(select(ExportDocument.id)).first() is None
    code = main(["--db", db_url, "export-flow", "arrival", "--batch", batch_no,
                 "--scanned-only", "--operator-code", "5141980001", "--operator-name",
                 "监管中心", "--json"])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert json.loads(out)["parcels"] == 3
    with sessions() as s:
        status = export_flow.flow_status(s, actor, batch_no)
    assert [d.status for d in status.documents] == ["sent"]
