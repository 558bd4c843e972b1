"""The summary workbook read back as a supervisor sees it: submissions per clerk from a real
submission, the rejection-cause chart labelled with causes, every day of the period charted."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from openpyxl import load_workbook
from sqlalchemy.orm import Session, sessionmaker

from app.domain.clock import beijing_today
from app.reports.summary import export_summary
from app.reports.summary_data import SummaryScope
from app.security.context import Actor, Role, system_actor
from app.services import settings as settings_service
from app.submission import batches, outbound
from tests.db.reports.conftest import SUPERVISOR, ReportData
from tests.db.submission.conftest import BROKER
from tests.factories import make_declaration, valid_id_number


def _export(sessions: sessionmaker[Session], path: Path, scope: SummaryScope) -> Any:
    with sessions() as s, s.begin():
        export_summary(s, SUPERVISOR, scope, path, lang="en")
    return load_workbook(path)


def _chart_ref(ws: Any) -> tuple[str, str]:
    (chart,) = ws._charts
    (series,) = chart.series
    cat = series.cat.numRef or series.cat.strRef
    return cat.f, series.val.numRef.f


def test_submissions_per_clerk_come_from_a_real_submission(
        sessions: sessionmaker[Session], tmp_path: Path) -> None:
    clerk = Actor("li.clerk", Role.CLERK)
    with sessions() as s, s.begin():
        settings_service.set_settings(s, system_actor(), dict(BROKER))
        ids = [make_declaration(s, status="ready", buyerIdNumber=valid_id_number(
            f"11010519900101{i:03d}")) for i in range(3)]
        batch_no = batches.create_batch(s, clerk, ids=ids, transport=batches.TransportData(
            billNo="78412345675", trafNo="CZ3102", voyageNo="CZ3102", ieDate="20261125")
        ).batch_no
        outbound.record_batch(s, clerk, batch_no, settings_service.all_settings(s))
    today = beijing_today()
    wb = _export(sessions, tmp_path / "s.xlsx", SummaryScope(today, today))
    ws = wb["By clerk"]
    headings = [c.value for c in ws[1]]
    rows = {r[0]: dict(zip(headings, r, strict=True))
            for r in ws.iter_rows(min_row=2, values_only=True)}
    assert rows["li.clerk"]["Submissions"] == 3
    assert rows["Total"]["Submissions"] == 3


def test_rejection_cause_chart_is_labelled_with_causes(
        report_data: ReportData, sessions: sessionmaker[Session], tmp_path: Path) -> None:
    wb = _export(sessions, tmp_path / "s.xlsx",
                 SummaryScope(date(2026, 11, 20), date(2026, 11, 22)))
    ws = wb["Rejection causes"]
    categories, values = _chart_ref(ws)
    assert categories == "'Rejection causes'!$C$2:$C$4"
    assert values == "'Rejection causes'!$D$2:$D$4"
    assert ws["C1"].value == "Cause"
    labels = [ws.cell(r, 3).value for r in range(2, 5)]
    assert labels[0] == "超过单次限额" and "商品编码与名称不符" in labels


def test_by_day_shows_every_day_of_the_period(
        report_data: ReportData, sessions: sessionmaker[Session], tmp_path: Path) -> None:
    # Data on the 20th, 21st and 22nd only; the 19th and the 23rd are quiet days.
    wb = _export(sessions, tmp_path / "s.xlsx",
                 SummaryScope(date(2026, 11, 19), date(2026, 11, 23)))
    ws = wb["By day"]
    rows = list(ws.iter_rows(min_row=2, max_row=6, values_only=True))
    assert [r[0].date() for r in rows] == [date(2026, 11, d) for d in range(19, 24)]
    assert [r[1] for r in rows] == [0, 3, 3, 2, 0]
    assert ws["A7"].value == "Total" and ws["B7"].value == 8
    assert _chart_ref(ws) == ("'By day'!$A$2:$A$6", "'By day'!$B$2:$B$6")


def test_failed_logins_do_not_invent_operators(sessions: sessionmaker[Session],
                                                tmp_path: Path) -> None:
    """Found walking the supervisor's day: a mistyped login name ("k") was listed as an
    operator with 2 actions — and a password typed into the name box would have been too."""
    from app.security.auth import login
    from app.security.passwords import FAST_TEST_PARAMETERS, PasswordHasher
    for name in ("k", "Secret-pass-1"):
        outcome = login(sessions, name, "wrong", hasher=PasswordHasher(FAST_TEST_PARAMETERS))
        assert outcome.error is not None
    today = beijing_today()
    wb = _export(sessions, tmp_path / "s.xlsx", SummaryScope(today, today))
    names = {r[0] for r in wb["By clerk"].iter_rows(min_row=2, values_only=True)}
    assert not {"k", "Secret-pass-1"} & names
