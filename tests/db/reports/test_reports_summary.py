"""The summary workbook as a supervisor opens it: sheets, headings, formats, charts, totals."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from app.db.models import Declaration, Problem
from app.domain.errors import PermissionDeniedError
from app.reports.summary import export_summary
from app.reports.summary_data import SummaryScope, collect_summary
from tests.db.reports.conftest import CLERK, FROM, SUPERVISOR, TO, ReportData


def _export(sessions: sessionmaker[Session], tmp_path: Path, lang: str = "en",
            **scope: object) -> Path:
    target = tmp_path / f"summary-{lang}.xlsx"
    with sessions() as s:
        export_summary(s, SUPERVISOR, SummaryScope(FROM, TO, **scope),  # type: ignore[arg-type]
                       target, lang=lang)
    return target


def test_overview_numbers(report_data: ReportData, sessions: sessionmaker[Session]) -> None:
    with sessions() as s:
        data = collect_summary(s, SummaryScope(FROM, TO))
    o = data.overview
    assert o.total.count == 8  # the parcel of the 25th is outside the range
    assert o.total.released == 3  # released + cleared
    assert o.total.rejected == 2
    assert o.submitted == 6
    assert o.rejection_rate == pytest.approx(2 / 6)
    assert o.total.goods_value == Decimal("913.50000")
    assert o.released_timed == 3
    assert o.median_hours == pytest.approx(6.0)  # 2 h, 6 h, 10 h
    assert o.p90_hours == pytest.approx(10.0)
    clerks = {c.user: c for c in data.clerks}
    assert (clerks["li.clerk"].imports, clerks["li.clerk"].edits) == (6, 2)
    assert (clerks["wang.sup"].submissions, clerks["wang.sup"].other) == (2, 2)  # apply, batch
    causes = {(c.source, c.code): c for c in data.causes}
    limit = causes["customs", "-621005"]  # two parcels, two amounts: one cause
    assert (limit.declarations, limit.text) == (2, "超过单次限额")
    assert limit.example.startswith("ORD")
    assert "single-purchase limit" in limit.advice
    assert causes["customs", "100"].text == "商品编码与名称不符"
    assert causes["precheck", "id.checksum"].declarations == 1


def test_workbook_sheets_headings_formats_charts(report_data: ReportData,
                                                 sessions: sessionmaker[Session],
                                                 tmp_path: Path) -> None:
    wb = load_workbook(_export(sessions, tmp_path))
    assert wb.sheetnames == ["Overview", "By day", "By platform", "By batch", "By clerk",
                             "Rejection causes", "Tax", "Tax mismatches"]
    days = wb["By day"]
    assert [c.value for c in days[1]][:6] == ["Date (Beijing time)", "Declarations", "Released",
                                              "Rejected", "Goods value (CNY)",
                                              "Estimated tax (CNY)"]
    assert days["A2"].value.date() == date(2026, 11, 20)
    assert days["A2"].number_format == "yyyy-mm-dd"
    assert days["E2"].number_format == "#,##0.00"
    assert days.freeze_panes == "A2"
    assert days.auto_filter.ref == "A1:F4"
    assert days.page_setup.orientation == "landscape"
    assert days.sheet_properties.pageSetUpPr.fitToPage
    assert days.print_title_rows == "$1:$1"
    assert len(days._charts) == 1
    assert len(wb["Overview"]._charts) == 1  # status mix
    assert len(wb["Rejection causes"]._charts) == 1
    assert wb["By platform"]["E2"].number_format == "0.0%"
    assert days.column_dimensions["E"].width >= 15


def _data_rows(ws: object) -> list[tuple[object, ...]]:
    rows = list(ws.iter_rows(min_row=2, values_only=True))  # type: ignore[attr-defined]
    return rows[:-1]  # the last row is the bold total


def test_totals_tie(report_data: ReportData, sessions: sessionmaker[Session],
                    tmp_path: Path) -> None:
    wb = load_workbook(_export(sessions, tmp_path))
    ov = wb["Overview"]
    metrics = {ov.cell(r, 1).value: ov.cell(r, 2).value for r in range(6, 16)}
    total = metrics["Declarations"]
    assert total == 8
    for name, count_col, value_col in (("By day", 1, 4), ("By platform", 1, 5),
                                       ("By batch", 1, 5)):
        rows = _data_rows(wb[name])
        assert sum(r[count_col] for r in rows) == total, name
        assert sum(Decimal(str(r[value_col])) for r in rows) == Decimal(
            str(metrics["Goods value (CNY)"])), name
        last = list(wb[name].iter_rows(values_only=True))[-1]
        assert last[0] == "Total" and last[count_col] == total
    # the status table of the overview sums to the same total
    status_rows = [r for r in ov.iter_rows(min_row=17, values_only=True) if r[0]]
    assert status_rows[-1][0] == "Total"
    assert sum(r[1] for r in status_rows[1:-1]) == total


def test_chinese_headings(report_data: ReportData, sessions: sessionmaker[Session],
                          tmp_path: Path) -> None:
    wb = load_workbook(_export(sessions, tmp_path, lang="zh_CN"))
    assert wb.sheetnames[0] == "概览"
    assert wb.worksheets[1]["B1"].value == "清单数"
    assert wb.worksheets[0]["A1"].value == "申报汇总"


def test_platform_scope_and_permission(report_data: ReportData,
                                       sessions: sessionmaker[Session],
                                       tmp_path: Path) -> None:
    wb = load_workbook(_export(sessions, tmp_path, platform="天猫国际"))
    rows = _data_rows(wb["By platform"])
    assert [r[0] for r in rows] == ["天猫国际"]
    with sessions() as s, pytest.raises(PermissionDeniedError):
        export_summary(s, CLERK, SummaryScope(FROM, TO), tmp_path / "x.xlsx")
    assert not (tmp_path / "x.xlsx").exists()


def test_rejection_codes_are_numbers(report_data: ReportData, sessions: sessionmaker[Session],
                                     tmp_path: Path) -> None:
    ws = load_workbook(_export(sessions, tmp_path))["Rejection causes"]
    codes = {r[1] for r in ws.iter_rows(min_row=2, values_only=True)}
    assert {-621005, 100, "id.checksum"} <= codes


def test_a_precheck_cause_is_named_by_its_code_not_one_of_its_messages(
        report_data: ReportData, sessions: sessionmaker[Session], tmp_path: Path) -> None:
    """Found walking the supervisor's day: 39 parcels missing net weights, models and units were
    listed under "Legal quantity for …: give its HS code first" (the first message of the
    code in alphabetical order). The cause is the code's title, as the Problems panel says."""
    with sessions() as s, s.begin():
        ids = list(s.scalars(select(Declaration.id).order_by(Declaration.id).limit(2)))
        s.add_all([
            Problem(declaration_id=ids[0], field="netWeight", code="REQUIRED", severity="error",
                    msgid="{field} is required.", params={"field": "x"}),
            Problem(declaration_id=ids[1], field="qty1", code="REQUIRED", severity="error",
                    msgid="Legal quantity for “{name}”: give its HS code first; the legal "
                          "unit of the code decides what to record.", params={"name": "y"})])
    with sessions() as s:
        causes = {(c.source, c.code): c for c in collect_summary(s, SummaryScope(FROM, TO)).causes}
    required = causes["precheck", "REQUIRED"]
    assert (required.text, required.declarations) == ("Required field missing", 2)
    sheet = load_workbook(_export(sessions, tmp_path, "zh_CN"))["退单原因"]
    assert ("预检", "REQUIRED", "必填项缺失", 2) in [
        r[:4] for r in sheet.iter_rows(values_only=True)]
