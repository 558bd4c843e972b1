"""Electronic tax bills (CEB816/CEB818) stored per declaration, and the reconciliation."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from lxml import etree
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from app.db.models import Declaration, TaxBill
from app.domain.errors import PermissionDeniedError
from app.precheck.service import check_declarations
from app.reports.tax_reconcile import ReconcileScope, export_reconciliation, reconcile
from app.security.context import Actor, Role
from app.submission import xsd
from app.submission.exchange import ExchangeFolderTransport
from app.submission.receipt_builders import build_tax_bills, build_tax_statuses
from app.submission.receipts_job import process_inbox
from app.submission.simulator import CustomsSimulator
from tests.db.submission.test_submission_e2e import _submit
from tests.factories import make_declaration

NOW = datetime(2026, 11, 25, 9)


def _bill(invt_no: str, tax_no: str, vat: str, when: str, status: str = "1",
          price: str = "208") -> dict[str, object]:
    return {"guid": "B" * 36, "returnTime": when, "invtNo": invt_no, "taxNo": tax_no,
            "customsTax": Decimal(0), "valueAddedTax": Decimal(vat),
            "consumptionTax": Decimal(0), "status": status, "assureCode": "1105W6B002",
            "lines": [{"gnum": 1, "gcode": "1901101000", "taxPrice": Decimal(price),
                       "customsTax": Decimal(0), "valueAddedTax": Decimal(vat),
                       "consumptionTax": Decimal(0)}]}


def test_bill_files_are_schema_valid() -> None:
    doc = etree.fromstring(build_tax_bills([_bill("51412026I000000001", "T1", "18.93",
                                                  "20261125100000000")]))
    assert xsd.validate(doc, "I") == []
    doc = etree.fromstring(build_tax_statuses([{"guid": "B" * 36, "invtNo": "51412026I1",
                                                "taxNo": "T1", "status": "2",
                                                "returnTime": "20261125100000000"}]))
    assert xsd.validate(doc, "I") == []


def _inbox(exchange: ExchangeFolderTransport, name: str, data: bytes) -> None:
    exchange.inbox.mkdir(parents=True, exist_ok=True)
    (exchange.inbox / name).write_bytes(data)


def test_bills_and_statuses_stored_then_reconciled(
        sessions: sessionmaker[Session], actor: Actor, exchange: ExchangeFolderTransport,
        tmp_path: Path) -> None:
    with sessions() as s, s.begin():
        a = make_declaration(s, status="released", copNo="TAX1", invtNo="51412026I000000001",
                             tax_estimate=Decimal("18.93"), goodsValue=Decimal("198"))
        b = make_declaration(s, status="released", copNo="TAX2", invtNo="51412026I000000002",
                             tax_estimate=Decimal("18.93"), goodsValue=Decimal("198"))
    _inbox(exchange, "CEB816_1.xml", build_tax_bills([
        _bill("51412026I000000001", "TX0001", "18.93", "20261125100000000"),
        # Customs valued the second parcel higher: 228.80 instead of 208.
        _bill("51412026I000000002", "TX0002", "20.82", "20261125100000001", price="228.80"),
        _bill("51412026I999999999", "TX0003", "5.00", "20261125100000002"),  # not ours
    ]))
    # The status arrives in a file read in the same run; out of order by name.
    _inbox(exchange, "CEB818_0.xml", build_tax_statuses([
        {"guid": "C" * 36, "invtNo": "51412026I000000001", "taxNo": "TX0001", "status": "2",
         "returnTime": "20261125110000000", "entDutyNo": "JK0001"}]))
    result = process_inbox(sessions, actor, exchange, now=1e12)
    assert (result.errors, result.unmatched) == (0, 0)
    with sessions() as s:
        bills = {r.tax_no: r for r in s.execute(select(TaxBill)).scalars()}
        assert bills["TX0001"].declaration_id == a and bills["TX0001"].status == "2"
        assert bills["TX0001"].ent_duty_no == "JK0001"
        assert bills["TX0002"].value_added_tax == Decimal("20.82")
        assert bills["TX0003"].declaration_id is None
        rec = reconcile(s, actor, ReconcileScope(date(2026, 11, 25), date(2026, 11, 25)))
    assert (rec.declarations, rec.estimated, rec.billed) == (
        2, Decimal("37.86"), Decimal("39.75"))
    assert rec.difference == Decimal("1.89") and rec.mismatch_count == 1
    (m,) = rec.mismatches
    assert (m.declaration_id, m.cause, m.difference) == (b, "value", Decimal("1.89"))
    assert rec.unmatched_bills == 1
    assert [(g.key, g.declarations, g.mismatches) for g in rec.by_guarantor] == [
        ("1105W6B002", 2, 1)]
    with sessions() as s:
        empty = reconcile(s, actor, ReconcileScope(date(2026, 11, 26), None))
        assert empty.declarations == 0 and empty.billed == 0
        with pytest.raises(PermissionDeniedError):
            reconcile(s, Actor("c", Role.CLERK), ReconcileScope())
    with sessions() as s, s.begin():
        export_reconciliation(s, actor, ReconcileScope(), tmp_path / "tax.xlsx", lang="zh_CN")
    wb = openpyxl.load_workbook(tmp_path / "tax.xlsx")
    assert wb.sheetnames == ["税款", "税款差异"]
    row = [c.value for c in wb["税款差异"][2]]
    assert row[0] == "TAX2" and "估价" in str(row[-1])


def test_simulated_customs_issues_bills_with_a_seeded_mismatch(
        sessions: sessionmaker[Session], actor: Actor, exchange: ExchangeFolderTransport,
        broker: dict[str, str]) -> None:
    with sessions() as s, s.begin():
        ids = [make_declaration(s, status="draft") for _ in range(12)]
        check_declarations(s, actor, ids)
    _submit(sessions, actor, exchange, broker, ids)
    sim = CustomsSimulator(exchange, seed=9, now=NOW, tax_mismatch_rate=0.25)
    for _ in range(10):
        sim.run_once()
        process_inbox(sessions, actor, exchange)
        if sim.pending() == 0:
            break
    with sessions() as s:
        statuses = set(s.execute(select(TaxBill.status)).scalars())
        assert statuses == {"2"}
        assert set(s.execute(select(Declaration.status)).scalars()) == {"released"}
        rec = reconcile(s, actor, ReconcileScope())
    assert rec.declarations == 12
    assert 0 < rec.mismatch_count < 12
    assert {m.cause for m in rec.mismatches} == {"value"}
    assert rec.billed > rec.estimated


def test_cli_tax_reconcile(db_url: str, sessions: sessionmaker[Session], actor: Actor,
                           exchange: ExchangeFolderTransport, tmp_path: Path,
                           capsys: pytest.CaptureFixture[str]) -> None:
    import json

    from app.cli import main

    with sessions() as s, s.begin():
        make_declaration(s, status="released", copNo="CLI1", invtNo="51412026I000000011",
                         tax_estimate=Decimal("18.93"), goodsValue=Decimal("198"))
    _inbox(exchange, "CEB816_9.xml", build_tax_bills([
        _bill("51412026I000000011", "TX0011", "17.50", "20261125100000000")]))
    process_inbox(sessions, actor, exchange, now=1e12)
    out_file = tmp_path / "rec.xlsx"
    code = main(["--db", db_url, "tax", "reconcile", "--from", "2026-11-25", "--to",
                 "2026-11-25", "-o", str(out_file), "--json"])
    out, err = capsys.readouterr()
    assert code == 0, err
    data = json.loads(out)
    assert {k: data[k] for k in ("declarations", "billed", "estimated", "difference")} == {
        "declarations": 1, "billed": "17.50", "estimated": "18.93", "difference": "-1.43"}
    assert data["mismatches"][0]["cause"] == "rates" and data["mismatchCount"] == 1
    assert openpyxl.load_workbook(out_file).sheetnames == ["Tax", "Tax mismatches"]
    code = main(["--db", db_url, "tax", "reconcile", "--batch", "NOPE"])
    assert code == 1 and "NOPE" in capsys.readouterr().err


def test_supervisor_summary_has_the_tax_sheet(sessions: sessionmaker[Session], actor: Actor,
                                              exchange: ExchangeFolderTransport,
                                              tmp_path: Path) -> None:
    from app.reports.summary import export_summary
    from app.reports.summary_data import SummaryScope

    with sessions() as s, s.begin():
        make_declaration(s, status="released", copNo="SUM1", invtNo="51412026I000000021",
                         tax_estimate=Decimal("18.93"), goodsValue=Decimal("198"))
    _inbox(exchange, "CEB816_5.xml", build_tax_bills([
        _bill("51412026I000000021", "TX0021", "21.00", "20261125100000000")]))
    process_inbox(sessions, actor, exchange, now=1e12)
    target = tmp_path / "summary.xlsx"
    with sessions() as s, s.begin():
        export_summary(s, actor, SummaryScope(date(2026, 11, 1), date(2026, 12, 31)), target)
    ws = openpyxl.load_workbook(target)["Tax"]
    assert [c.value for c in ws[3]][:5] == ["Declarations", "Estimated", "Billed", "Difference",
                                        "Mismatches"]
    assert [c.value for c in ws[4]][:5] == [1, pytest.approx(18.93), 21, pytest.approx(2.07), 1]


def test_a_checked_declaration_without_rates_is_not_called_unchecked(
        sessions: sessionmaker[Session], actor: Actor, exchange: ExchangeFolderTransport) -> None:
    """Found walking the supervisor's day: 11 pre-checked parcels whose HS codes have no rates
    in the tariff edition were reported "not pre-checked" in the tax differences."""
    with sessions() as s, s.begin():
        checked = make_declaration(s, status="released", copNo="TAX1", tax_estimate=None,
                                   invtNo="51412026I000000001",
                                   checked_at=NOW.replace(tzinfo=UTC))
        never = make_declaration(s, status="released", copNo="TAX2", tax_estimate=None,
                                 invtNo="51412026I000000002")
    _inbox(exchange, "CEB816_1.xml", build_tax_bills([
        _bill("51412026I000000001", "TX0001", "18.93", "20261125100000000"),
        _bill("51412026I000000002", "TX0002", "18.93", "20261125100000001")]))
    process_inbox(sessions, actor, exchange, now=1e12)
    with sessions() as s:
        rec = reconcile(s, actor, ReconcileScope())
    assert {m.declaration_id: m.cause for m in rec.mismatches} == {
        checked: "rates_unknown", never: "no_estimate"}


def test_a_status_before_its_bill_waits_and_is_applied_once_when_the_bill_arrives(
        sessions: sessionmaker[Session], actor: Actor,
        exchange: ExchangeFolderTransport) -> None:
    from app.db.models import InboundReceipt

    with sessions() as s, s.begin():
        decl = make_declaration(s, status="released", copNo="TAX9", invtNo="51412026I000000009")
    statuses = [  # customs' clock: bill at 10:00, summarised 11:00, void 12:00
        {"guid": "C" * 36, "invtNo": "51412026I000000009", "taxNo": "TX0009", "status": s,
         "returnTime": t, "entDutyNo": "JK0009"}
        for s, t in (("2", "20261125110000000"), ("3", "20261125120000000"))]
    _inbox(exchange, "CEB818_void.xml", build_tax_statuses(statuses[1:]))
    process_inbox(sessions, actor, exchange, now=1e12)
    _inbox(exchange, "CEB818_summarised.xml", build_tax_statuses(statuses[:1]))
    process_inbox(sessions, actor, exchange, now=1e12)
    with sessions() as s:
        assert s.scalar(select(TaxBill.id)) is None
        notes = set(s.execute(select(InboundReceipt.applied, InboundReceipt.note)).all())
        assert notes == {(False, "pending")}  # kept, not lost

    _inbox(exchange, "CEB816_late.xml", build_tax_bills([
        _bill("51412026I000000009", "TX0009", "18.93", "20261125100000000")]))
    process_inbox(sessions, actor, exchange, now=1e12)
    # Read again (a second watcher, the same files): nothing is applied twice.
    for name, data in (("CEB818_again.xml", build_tax_statuses(statuses[:1])),
                       ("CEB816_again.xml", build_tax_bills([_bill(
                           "51412026I000000009", "TX0009", "18.93", "20261125100000000")]))):
        _inbox(exchange, name, data)
    process_inbox(sessions, actor, exchange, now=1e12)
    with sessions() as s:
        bill = s.execute(select(TaxBill)).scalar_one()
        # Both statuses applied in returnTime order: the later "void" stands.
        assert (bill.declaration_id, bill.status, bill.status_time, bill.ent_duty_no) == (
            decl, "3", "20261125120000000", "JK0009")
        rows = s.execute(select(InboundReceipt.message_type, InboundReceipt.return_status,
                                InboundReceipt.applied, InboundReceipt.note)
                         .order_by(InboundReceipt.id)).all()
    assert [tuple(r) for r in rows] == [("CEB818", "3", True, None),
                                        ("CEB818", "2", True, None),
                                        ("CEB816", "1", True, None)]
