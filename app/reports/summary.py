"""The supervisor's summary workbook: overview, breakdowns, rejection causes and charts."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.chart import BarChart, PieChart, Reference
from openpyxl.chart.label import DataLabelList
from openpyxl.styles import Alignment
from openpyxl.worksheet.worksheet import Worksheet
from sqlalchemy.orm import Session

from app.domain.status import DeclarationStatus
from app.i18n import N_, translate
from app.jobs.base import CancelToken, Progress, no_progress
from app.reports import cells
from app.reports.atomic import atomic_path, check_target
from app.reports.detail import ExportResult, SheetCount
from app.reports.sheets import TITLE_FONT, Col, print_setup, write_table
from app.reports.summary_data import SummaryData, SummaryScope, Totals, collect_summary
from app.reports.tax_reconcile import (
    ReconcileScope,
    Reconciliation,
    reconcile,
    write_tax_sheets,
)
from app.security.audit import record_event
from app.security.context import Actor, Permission, require

SHEET_TITLES = {
    "overview": N_("Overview"),
    "days": N_("By day"),
    "platforms": N_("By platform"),
    "batches": N_("By batch"),
    "clerks": N_("By clerk"),
    "causes": N_("Rejection causes"),
}
_PLACEHOLDER = re.compile(r"\{[^}]*\}")


def export_summary(session: Session, actor: Actor, scope: SummaryScope, target: Path, *,
                   lang: str = "en", progress: Progress = no_progress,
                   cancel: CancelToken | None = None,
                   now: datetime | None = None) -> ExportResult:
    """Write the summary workbook of `scope` to `target` (.xlsx).

    Raises PermissionDeniedError without the reports permission, ValidationError for a bad
    target or range, Cancelled when `cancel` is set.
    """
    require(actor, Permission.REPORTS)
    path = check_target(target, (".xlsx",))
    if scope.date_to < scope.date_from:
        from app.domain.errors import ValidationError

        raise ValidationError("The end date is before the start date.")
    progress(0, 3, translate(N_("Adding up declarations…"), lang))
    data = collect_summary(session, scope)
    # The tax sheet: bills issued in the same days (and batch) against the estimates.
    tax = reconcile(session, actor, ReconcileScope(scope.date_from, scope.date_to,
                                                   batch_id=scope.batch_id))
    if cancel is not None:
        cancel.raise_if_cancelled()
    progress(1, 3, translate(N_("Writing the workbook…"), lang))
    wb = build_workbook(data, lang, now or datetime.now(UTC), tax=tax)
    if cancel is not None:
        cancel.raise_if_cancelled()
    progress(2, 3, "")
    with atomic_path(path) as temp:
        wb.save(temp)
        record_event(session, actor, "export.summary", entity="file", entity_id=path.name,
                     details={"from": scope.date_from.isoformat(),
                              "to": scope.date_to.isoformat(),
                              "platform": scope.platform, "batchId": scope.batch_id})
    progress(3, 3, "")
    sheets = (
        SheetCount(wb.worksheets[0].title, len(data.statuses)),
        SheetCount(wb.worksheets[1].title, len(data.days)),
        SheetCount(wb.worksheets[2].title, len(data.platforms)),
        SheetCount(wb.worksheets[3].title, len(data.batches)),
        SheetCount(wb.worksheets[4].title, len(data.clerks)),
        SheetCount(wb.worksheets[5].title, len(data.causes)),
        SheetCount(wb.worksheets[6].title, len(tax.by_batch) + len(tax.by_guarantor)),
        SheetCount(wb.worksheets[7].title, len(tax.mismatches)),
    )
    return ExportResult(path, "xlsx", data.overview.total.count, sheets)


def build_workbook(data: SummaryData, lang: str, now: datetime, *,
                   tax: Reconciliation | None = None) -> Workbook:
    def t(msgid: str) -> str:
        return translate(msgid, lang)

    wb = Workbook()
    overview = wb.active
    assert overview is not None
    overview.title = t(SHEET_TITLES["overview"])
    _overview(overview, data, t, now)
    _days(wb.create_sheet(t(SHEET_TITLES["days"])), data, t)
    _groups(wb.create_sheet(t(SHEET_TITLES["platforms"])), data.platforms, data.overview.total,
            t(N_("Platform")), t(N_("(no platform)")), t)
    _groups(wb.create_sheet(t(SHEET_TITLES["batches"])), data.batches, data.overview.total,
            t(N_("Batch No.")), t(N_("(no batch)")), t)
    _clerks(wb.create_sheet(t(SHEET_TITLES["clerks"])), data, t)
    _causes(wb.create_sheet(t(SHEET_TITLES["causes"])), data, t)
    if tax is not None:
        write_tax_sheets(wb, tax, t)
    return wb


def _measure_cols(t: Any, first: Col) -> list[Col]:
    return [first, Col(t(N_("Declarations")), cells.FMT_INT, 13),
            Col(t(N_("Released")), cells.FMT_INT, 11), Col(t(N_("Rejected")), cells.FMT_INT, 11),
            Col(t(N_("Goods value (CNY)")), cells.FMT_MONEY, 17),
            Col(t(N_("Estimated tax (CNY)")), cells.FMT_MONEY, 17)]


def _measures(row: Totals) -> list[Any]:
    return [row.count, row.released, row.rejected, row.goods_value, row.tax]


def _status_label(status: str, t: Any) -> str:
    try:
        return str(t(DeclarationStatus(status).label))
    except ValueError:
        return status


def _overview(ws: Worksheet, data: SummaryData, t: Any, now: datetime) -> None:
    s, o = data.scope, data.overview
    ws["A1"] = t(N_("Declarations summary"))
    ws["A1"].font = TITLE_FONT
    period = f"{s.date_from.isoformat()} – {s.date_to.isoformat()}"
    ws["A2"] = cells.xlsx_text(
        f"{t(N_('Period (Beijing time)'))}: {period}   "
        f"{t(N_('Platform'))}: {s.platform or t(N_('all'))}"
        f"   {t(N_('Batch'))}: {s.batch_id if s.batch_id is not None else t(N_('all'))}")
    ws["A3"] = (f"{t(N_('Generated'))}: {cells.naive_beijing(now):%Y-%m-%d %H:%M} "
                f"{t(N_('Beijing time'))}")
    hours = t(N_("hours"))
    metrics: list[tuple[str, Any, str | None]] = [
        (t(N_("Declarations")), o.total.count, cells.FMT_INT),
        (t(N_("Goods value (CNY)")), o.total.goods_value, cells.FMT_MONEY),
        (t(N_("Estimated tax (CNY)")), o.total.tax, cells.FMT_MONEY),
        (t(N_("Submitted to customs")), o.submitted, cells.FMT_INT),
        (t(N_("Released")), o.total.released, cells.FMT_INT),
        (t(N_("Rejected")), o.total.rejected, cells.FMT_INT),
        (t(N_("Rejection rate")), o.rejection_rate, cells.FMT_PERCENT),
        (t(N_("Released with timing")), o.released_timed, cells.FMT_INT),
        (f"{t(N_('Submission to release, median'))} ({hours})", o.median_hours, cells.FMT_HOURS),
        (f"{t(N_('Submission to release, 90th percentile'))} ({hours})", o.p90_hours,
         cells.FMT_HOURS),
    ]
    top = 5
    write_table(ws, top, [Col(t(N_("Measure")), None, 40), Col(t(N_("Value")), None, 18)],
                [[m, v] for m, v, _ in metrics], filter_and_freeze=False)
    for i, (_, value, fmt) in enumerate(metrics, start=top + 1):
        if fmt and value is not None:
            ws.cell(i, 2).number_format = fmt
    status_top = top + len(metrics) + 2
    cols = [Col(t(N_("Status")), None, 40), Col(t(N_("Declarations")), cells.FMT_INT, 18),
            Col(t(N_("Goods value (CNY)")), cells.FMT_MONEY, 17),
            Col(t(N_("Estimated tax (CNY)")), cells.FMT_MONEY, 17)]
    rows = [[_status_label(r.key, t), r.count, r.goods_value, r.tax] for r in data.statuses]
    total = [t(N_("Total")), o.total.count, o.total.goods_value, o.total.tax]
    last = write_table(ws, status_top, cols, rows, total)
    ws.freeze_panes = "A5"
    print_setup(ws, "1:4")
    if rows:
        pie = PieChart()
        pie.title = t(N_("Status mix"))
        pie.add_data(Reference(ws, min_col=2, min_row=status_top, max_row=last),
                     titles_from_data=True)
        pie.set_categories(Reference(ws, min_col=1, min_row=status_top + 1, max_row=last))
        pie.dataLabels = DataLabelList()
        pie.dataLabels.showPercent = True
        pie.height, pie.width = 9, 14
        ws.add_chart(pie, "F5")


def _bar(title: str, y_title: str, horizontal: bool = False) -> BarChart:
    chart = BarChart()
    chart.type = "bar" if horizontal else "col"
    chart.title = title
    chart.y_axis.title = y_title
    chart.legend = None
    chart.height, chart.width = 9, 18
    # openpyxl ≥ 3.1 hides axes unless told otherwise.
    chart.x_axis.delete = False
    chart.y_axis.delete = False
    return chart


def _days(ws: Worksheet, data: SummaryData, t: Any) -> None:
    cols = _measure_cols(t, Col(t(N_("Date (Beijing time)")), cells.FMT_DATE, 12))
    rows = [[r.key, *_measures(r)] for r in data.days]
    total = [t(N_("Total")), *_measures(data.overview.total)]
    last = write_table(ws, 1, cols, rows, total)
    print_setup(ws, "1:1")
    if rows:
        chart = _bar(t(N_("Declarations by day")), t(N_("Declarations")))
        chart.add_data(Reference(ws, min_col=2, min_row=1, max_row=last), titles_from_data=True)
        chart.set_categories(Reference(ws, min_col=1, min_row=2, max_row=last))
        chart.x_axis.number_format = "mm-dd"
        ws.add_chart(chart, "H2")


def _groups(ws: Worksheet, groups: tuple[Totals, ...], total_row: Totals, heading: str,
            empty: str, t: Any) -> None:
    cols = _measure_cols(t, Col(heading, None, 24))
    cols.insert(4, Col(t(N_("Rejection rate")), cells.FMT_PERCENT, 13))

    def rate(r: Totals) -> float | None:
        return r.rejected / r.count if r.count else None

    rows = [[r.key or empty, *_measures(r)[:3], rate(r), *_measures(r)[3:]] for r in groups]
    m = _measures(total_row)
    write_table(ws, 1, cols, rows, [t(N_("Total")), *m[:3], rate(total_row), *m[3:]])
    print_setup(ws, "1:1")


def _clerks(ws: Worksheet, data: SummaryData, t: Any) -> None:
    cols = [Col(t(N_("Clerk")), None, 18), Col(t(N_("Imports")), cells.FMT_INT, 11),
            Col(t(N_("Edits")), cells.FMT_INT, 11), Col(t(N_("Submissions")), cells.FMT_INT, 13),
            Col(t(N_("Other actions")), cells.FMT_INT, 13),
            Col(t(N_("All actions")), cells.FMT_INT, 13)]
    rows: list[list[Any]] = [
        [r.user or t(N_("(unknown)")), r.imports, r.edits, r.submissions, r.other, r.total]
        for r in data.clerks]
    sums = [sum(int(r[i]) for r in rows) for i in range(1, 6)]
    write_table(ws, 1, cols, rows, [t(N_("Total")), *sums])
    print_setup(ws, "1:1")


def _causes(ws: Worksheet, data: SummaryData, t: Any) -> None:
    cols = [Col(t(N_("Source")), None, 12), Col(t(N_("Code")), None, 16),
            Col(t(N_("Cause")), None, 45), Col(t(N_("Declarations")), cells.FMT_INT, 13),
            Col(t(N_("Example order No.")), None, 22), Col(t(N_("What to do")), None, 50)]
    source = {"customs": t(N_("Customs")), "precheck": t(N_("Pre-check"))}
    rows = [[source[r.source], cells.code_value(r.code),
             r.text if r.source == "customs" else _PLACEHOLDER.sub("…", t(r.text)),
             r.declarations, r.example, t(r.advice) if r.advice else ""] for r in data.causes]
    last = write_table(ws, 1, cols, rows)
    for r in range(2, last + 1):
        for col in (3, 6):
            ws.cell(r, col).alignment = Alignment(wrap_text=True, vertical="top")
    print_setup(ws, "1:1")
    if rows:
        chart = _bar(t(N_("Rejection causes")), t(N_("Declarations")), horizontal=True)
        chart.add_data(Reference(ws, min_col=4, min_row=1, max_row=last), titles_from_data=True)
        # Labelled with the causes (column C), not their codes: a code means nothing at a glance.
        chart.set_categories(Reference(ws, min_col=3, min_row=2, max_row=last))
        ws.add_chart(chart, "H2")
