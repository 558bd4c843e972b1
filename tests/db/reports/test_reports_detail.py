"""Detail exports as the user opens them: XLSX split past the row limit, CSV with BOM,
masking per role, formula injection neutralised."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from app.db.models import AuditEvent
from app.domain.errors import Cancelled, PermissionDeniedError, ValidationError
from app.jobs.base import CancelToken
from app.reports.detail import export_declarations
from app.security.context import Actor
from app.services.queries import DeclarationFilter
from tests.db.reports.conftest import CLERK, SUPERVISOR, ReportData

ALL = DeclarationFilter()


def test_xlsx_split_into_sheets(report_data: ReportData, sessions: sessionmaker[Session],
                                tmp_path: Path) -> None:
    target = tmp_path / "decl.xlsx"
    with sessions() as s:
        result = export_declarations(s, SUPERVISOR, ALL, target, max_rows_per_sheet=4)
    assert result.rows == 9
    assert [(x.name, x.rows) for x in result.sheets] == [
        ("Declaration list", 4), ("Declaration list (2)", 4), ("Declaration list (3)", 1)]
    wb = load_workbook(target)
    assert wb.sheetnames == ["Declaration list", "Declaration list (2)", "Declaration list (3)"]
    ws = wb["Declaration list (2)"]
    assert ws["A1"].value == "ID" and ws["C1"].value == "Order No."
    assert ws.freeze_panes == "A2"
    assert ws.auto_filter.ref == "A1:U5"
    assert ws.max_row == 5
    ids = [r[0] for name in wb.sheetnames for r in wb[name].iter_rows(min_row=2, values_only=True)]
    assert ids == sorted(report_data.ids.values())
    first = wb["Declaration list"]
    assert first["L2"].value == 198 and first["L2"].data_type == "n"  # goods value, a number
    assert first["U2"].is_date and first["U2"].value.year == 2026
    assert first["B2"].value == "Released"
    assert first["R1"].value == "Batch No." and first["R2"].value == "B1-20261120"


def test_masking_per_role(report_data: ReportData, sessions: sessionmaker[Session],
                          tmp_path: Path) -> None:
    def ids_and_phones(actor: Actor, name: str, reason: str | None = None
                       ) -> set[tuple[str, str]]:
        target = tmp_path / name
        with sessions() as s, s.begin():
            export_declarations(s, actor, ALL, target, unmask_reason=reason)
        ws = load_workbook(target).active
        return {(r[8], r[9]) for r in ws.iter_rows(min_row=2, values_only=True)}

    buyer = report_data.buyer_id
    masked = {(buyer[:4] + "*" * 10 + buyer[-4:], "138****5678")}
    assert ids_and_phones(CLERK, "clerk.xlsx") == masked
    assert ids_and_phones(SUPERVISOR, "sup.xlsx") == masked  # masked by default for everyone
    assert ids_and_phones(SUPERVISOR, "full.xlsx", "customs audit 2026-11") == {
        (buyer, "13812345678")}
    with sessions() as s:
        unmasks = s.execute(select(AuditEvent).where(AuditEvent.action == "unmask")).scalars()
        assert [(e.user_name, e.details["purpose"], e.details["count"], e.reason)
                for e in unmasks] == [("wang.sup", "export", 9, "customs audit 2026-11")]
    with sessions() as s, pytest.raises(PermissionDeniedError):
        export_declarations(s, CLERK, ALL, tmp_path / "no.xlsx", unmask_reason="curious")
    assert not (tmp_path / "no.xlsx").exists()


def test_injection_neutralised_xlsx_and_csv(report_data: ReportData,
                                            sessions: sessionmaker[Session],
                                            tmp_path: Path) -> None:
    flt = DeclarationFilter(ids=(report_data.ids["jd3"],))
    with sessions() as s:
        export_declarations(s, SUPERVISOR, flt, tmp_path / "x.xlsx")
        export_declarations(s, SUPERVISOR, flt, tmp_path / "x.csv")
    ws = load_workbook(tmp_path / "x.xlsx").active
    row = [c for c in next(ws.iter_rows(min_row=2))]
    assert all(c.data_type != "f" for c in row)
    values = {c.value for c in row}
    assert "'=HYPERLINK(\"http://x\",\"hi\")" in values
    assert "'@SUM(A1)" in values and "'+86 广州" in values
    raw = (tmp_path / "x.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(raw.decode("utf-8-sig").splitlines()))
    assert rows[0][:3] == ["ID", "Status", "Order No."]
    assert "'=HYPERLINK(\"http://x\",\"hi\")" in rows[1]
    assert "'@SUM(A1)" in rows[1] and "'+86 广州" in rows[1]
    assert not any(v[:1] in "=+-@" for v in rows[1] if v)


def test_csv_chinese_and_masked(report_data: ReportData, sessions: sessionmaker[Session],
                                tmp_path: Path) -> None:
    target = tmp_path / "d.csv"
    with sessions() as s:
        result = export_declarations(s, CLERK, DeclarationFilter(platform="天猫国际"), target,
                                     lang="zh_CN")
    assert result.rows == 3 and result.format == "csv"
    text = target.read_text(encoding="utf-8-sig")
    assert "天猫国际" in text and report_data.buyer_id not in text


def test_cancel_and_bad_target_leave_nothing(report_data: ReportData,
                                             sessions: sessionmaker[Session],
                                             tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    token = CancelToken()
    token.cancel()
    with sessions() as s, pytest.raises(Cancelled):
        export_declarations(s, SUPERVISOR, ALL, out / "c.xlsx", cancel=token)
    assert list(out.iterdir()) == []
    with sessions() as s, pytest.raises(ValidationError):
        export_declarations(s, SUPERVISOR, ALL, tmp_path / "c.pdf")
