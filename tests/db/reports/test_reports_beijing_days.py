"""Days are Beijing days: a parcel declared at 04:00 on the 26th in Beijing (20:00 UTC on the
25th) belongs to the 26th in the grid filter, the summary and the export."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

from openpyxl import load_workbook
from sqlalchemy.orm import Session, sessionmaker

from app.reports.detail import export_declarations
from app.reports.summary_data import SummaryScope, collect_summary
from app.services.queries import DeclarationFilter
from tests.db.reports.conftest import SUPERVISOR
from tests.factories import make_declaration


def test_early_morning_parcel_counts_on_its_beijing_day(sessions: sessionmaker[Session],
                                                         tmp_path: Path) -> None:
    with sessions() as s, s.begin():
        make_declaration(s, orderNo="EARLY", created_at=datetime(2026, 11, 25, 20, 0,
                                                                        tzinfo=UTC))
        make_declaration(s, orderNo="EVENING", created_at=datetime(2026, 11, 25, 15, 30,
                                                                   tzinfo=UTC))  # 23:30 on 25th
    with sessions() as s:
        data = collect_summary(s, SummaryScope(date(2026, 11, 26), date(2026, 11, 26)))
        assert data.overview.total.count == 1
        assert [(d.key, d.count) for d in data.days] == [(date(2026, 11, 26), 1)]
        both = collect_summary(s, SummaryScope(date(2026, 11, 25), date(2026, 11, 26)))
        assert [(d.key, d.count) for d in both.days] == [(date(2026, 11, 25), 1),
                                                          (date(2026, 11, 26), 1)]
        target = tmp_path / "day.xlsx"
        result = export_declarations(s, SUPERVISOR, DeclarationFilter(
            created_from=date(2026, 11, 26), created_to=date(2026, 11, 26)), target, lang="en")
    assert result.rows == 1
    ws = load_workbook(target).active
    assert ws is not None
    header = [c.value for c in ws[1]]
    created = header.index("Created (Beijing time)")
    row = [c.value for c in ws[2]]
    assert row[header.index("Order No.")] == "EARLY"
    assert row[created] == datetime(2026, 11, 26, 4, 0)
