"""Reports ▸ Tax reconciliation…: totals, the mismatches table and the export."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import load_workbook
from pytestqt.qtbot import QtBot
from sqlalchemy.orm import Session, sessionmaker

from app.db.models import TaxBill
from tests.factories import make_declaration
from ui.context import GuiContext
from ui.main import open_database
from ui.main_window import MainWindow
from ui.reports.tax_dialog import TaxReconcileDialog


@pytest.fixture
def ctx(db_url: str, sessions: sessionmaker[Session]) -> Iterator[GuiContext]:
    with sessions() as s, s.begin():
        for n, (estimate, vat) in enumerate([("18.93", "18.93"), ("18.93", "25.00"),
                                             ("10.00", "10.00")], start=1):
            decl = make_declaration(s, status="released", copNo=f"TD{n}",
                                    invtNo=f"51412026I00000000{n}", goodsValue=Decimal("198"),
                                    tax_estimate=Decimal(estimate))
            s.add(TaxBill(declaration_id=decl, invt_no=f"51412026I00000000{n}",
                          tax_no=f"TX{n}", customs_tax=Decimal(0),
                          value_added_tax=Decimal(vat), consumption_tax=Decimal(0),
                          tax_price=Decimal("208"), status="1", assure_code="1105W6B002",
                          return_time="20261125100000000"))
    opened = open_database(db_url)
    assert not isinstance(opened, Exception)
    yield opened
    opened.engine.dispose()


def test_tax_view_from_the_reports_menu(ctx: GuiContext, qtbot: QtBot, tmp_path: Path,
                                        qtmodeltester: object) -> None:
    window = MainWindow(ctx)
    qtbot.addWidget(window)
    texts = [a.text() for a in window.menus["reports"].actions()]
    assert "&Tax reconciliation…" in texts
    dialog: TaxReconcileDialog = window.report_actions.open_tax()  # type: ignore[attr-defined]
    qtbot.addWidget(dialog)
    # Today's window of 30 days does not hold bills from 2026-11-25 … unless today is near.
    dialog.all_dates.setChecked(True)
    rec = dialog.run()
    assert rec is not None and rec.declarations == 3
    assert "3 declarations" in dialog.totals.text() and "1 mismatches" in dialog.totals.text()
    assert dialog.model.rowCount() == 1
    assert dialog.model.index(0, 0).data() == "TD2"
    assert dialog.model.index(0, 7).data() == "6.07"
    qtmodeltester.check(dialog.model)  # type: ignore[attr-defined]
    target = tmp_path / "tax.xlsx"
    dialog.choose_target = lambda: str(target)
    assert dialog.export() is not None
    assert load_workbook(target).sheetnames == ["Tax", "Tax mismatches"]


def test_dates_and_unknown_batch(ctx: GuiContext, qtbot: QtBot) -> None:
    dialog = TaxReconcileDialog(ctx, today=date(2026, 11, 30))
    qtbot.addWidget(dialog)
    rec = dialog.run()  # 2026-10-31 … 2026-11-30 holds the bills
    assert rec is not None and rec.declarations == 3
    errors: list[str] = []
    dialog.show_error = errors.append
    dialog.batch_edit.setText("NOPE")
    assert dialog.run() is None
    assert errors and "NOPE" in errors[0]
