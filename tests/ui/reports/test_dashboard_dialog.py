"""Reports ▸ Today's flow…: the supervisor's dashboard, hour by hour, with totals; the
exceptions of an hour open the Exceptions view."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot
from sqlalchemy.orm import Session, sessionmaker

from app.domain.errors import PermissionDeniedError
from app.security.context import Actor, Role
from tests.db.test_autopilot_dashboard import DAY, NOW, build_flow
from tests.ui.conftest import main_window
from ui.main_window import MainWindow
from ui.reports.actions import ReportActions
from ui.reports.dashboard_dialog import DashboardDialog
from ui.reports.exceptions_dialog import ExceptionsDialog

LATER = NOW + timedelta(hours=4)  # midnight after DAY in Beijing: every hour has passed
RECEIVED, AUTO, PEOPLE, EXCEPTIONS, RELEASED = range(5)


@pytest.fixture
def window(db_url: str, sessions: sessionmaker[Session], qtbot: QtBot) -> Iterator[MainWindow]:
    with sessions() as s, s.begin():
        build_flow(s)
    with main_window(db_url, qtbot) as w:
        w.ctx.actor = Actor("wang.sup", Role.SUPERVISOR, None, "desk-1")
        qtbot.waitUntil(lambda: w.model.ready)
        yield w


def _open(window: MainWindow, qtbot: QtBot) -> DashboardDialog:
    dialog: DashboardDialog = window.report_actions.open_dashboard()  # type: ignore[attr-defined]
    qtbot.addWidget(dialog)
    dialog.now = lambda: LATER
    dialog.day_box.set_day(DAY)  # refreshes
    return dialog


def _cells(dialog: DashboardDialog, row: int) -> list[str]:
    return [dialog.table.item(row, c).text() for c in range(5)]


def test_each_hour_and_the_totals(window: MainWindow, qtbot: QtBot) -> None:
    dialog = _open(window, qtbot)
    assert dialog.table.rowCount() == 25
    assert dialog.table.verticalHeaderItem(10).text() == "10:00"
    assert _cells(dialog, 0) == ["4", "2", "0", "1", "1"]
    assert _cells(dialog, 9) == ["0", "0", "0", "3", "0"]
    assert _cells(dialog, 10) == ["5", "1", "2", "3", "2"]
    assert _cells(dialog, 19) == ["0", "0", "0", "1", "0"]  # overdue by LATER
    assert _cells(dialog, 23) == ["1", "0", "1", "1", "0"]
    assert _cells(dialog, 24) == ["14", "3", "3", "9", "3"]
    tip = dialog.table.item(10, EXCEPTIONS).toolTip()
    assert "Unacknowledged warnings: 1" in tip and "Held by customs: 1" in tip
    assert "14 received, 6 declared (3 by the autopilot)" in dialog.title.text()


def test_the_hours_still_to_come_are_blank(window: MainWindow, qtbot: QtBot) -> None:
    dialog = _open(window, qtbot)
    dialog.now = lambda: NOW  # 20:00 in Beijing
    dialog.refresh_button.click()
    assert _cells(dialog, 20)[RECEIVED] == "0" and _cells(dialog, 21) == [""] * 5
    assert _cells(dialog, 24)[RECEIVED] == "14"


def test_clicking_an_hours_exceptions_opens_the_exceptions_view(window: MainWindow,
                                                                qtbot: QtBot) -> None:
    dialog = _open(window, qtbot)
    table = dialog.table

    def click(row: int, column: int) -> None:
        rect = table.visualItemRect(table.item(row, column))
        qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())

    click(10, RECEIVED)
    click(5, EXCEPTIONS)  # a quiet hour
    assert not [d for d in window.findChildren(ExceptionsDialog) if d.isVisible()]
    table.scrollToItem(table.item(10, EXCEPTIONS))
    click(10, EXCEPTIONS)
    qtbot.waitUntil(lambda: any(d.isVisible() for d in window.findChildren(ExceptionsDialog)))
    shown = next(d for d in window.findChildren(ExceptionsDialog) if d.isVisible())
    qtbot.addWidget(shown)
    # The view lists what waits now: the import rejects of DAY are past its 7 days.
    assert shown.summary.text() == "6 parcels wait for a person."


def test_refreshes_on_its_timer(window: MainWindow, sessions: sessionmaker[Session],
                                qtbot: QtBot) -> None:
    from sqlalchemy import update

    from app.db.models import Declaration
    from tests.factories import make_declaration

    dialog = _open(window, qtbot)
    with sessions() as s, s.begin():
        i = make_declaration(s, orderNo="LATE1", logisticsNo="YTLATE0001")
        s.execute(update(Declaration).where(Declaration.id == i)
                  .values(created_at=NOW, updated_at=NOW))
    assert _cells(dialog, 20)[RECEIVED] == "0"
    dialog.timer.timeout.emit()
    assert _cells(dialog, 20)[RECEIVED] == "1"


def test_a_clerk_has_no_dashboard(window: MainWindow, qtbot: QtBot) -> None:
    window.ctx.actor = Actor("li", Role.CLERK, None, "desk-1")
    assert not ReportActions(window).dashboard.isEnabled()
    with pytest.raises(PermissionDeniedError):
        DashboardDialog(window.ctx, lambda: None, window)


def test_a_typed_day_is_counted_on_enter(window: MainWindow, qtbot: QtBot) -> None:
    dialog: DashboardDialog = window.report_actions.open_dashboard()  # type: ignore[attr-defined]
    qtbot.addWidget(dialog)
    dialog.now = lambda: LATER
    box = dialog.day_box
    box.setFocus()
    box.lineEdit().selectAll()
    qtbot.keyClicks(box.lineEdit(), "2026/11/20")
    qtbot.keyClick(box.lineEdit(), Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: _cells(dialog, 24)[RECEIVED] == "14")
