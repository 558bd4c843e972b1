"""Reports ▸ Exceptions…: stopped parcels by cause, and the supervisor's pause switch, which
every main window's status bar then shows."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from pytestqt.qtbot import QtBot
from sqlalchemy.orm import Session, sessionmaker

from app.db.models import Problem
from app.security.context import Actor, Role
from tests.factories import make_declaration
from tests.ui.conftest import main_window
from ui.main_window import MainWindow
from ui.reports.exceptions_dialog import ExceptionsDialog


@pytest.fixture
def window(db_url: str, sessions: sessionmaker[Session], qtbot: QtBot) -> Iterator[MainWindow]:
    with sessions() as s, s.begin():
        bad = make_declaration(s, status="invalid")
        s.add(Problem(declaration_id=bad, field="buyerIdNumber", code="ID_CHECKSUM",
                      severity="error", msgid="x", params={}))
    with main_window(db_url, qtbot) as w:
        w.ctx.actor = Actor("wang.sup", Role.SUPERVISOR, None, "desk-1")
        qtbot.waitUntil(lambda: w.model.ready)
        yield w


def test_exceptions_listed_and_pause_shown_in_the_status_bar(window: MainWindow,
                                                             qtbot: QtBot) -> None:
    dialog: ExceptionsDialog = window.report_actions.open_exceptions()  # type: ignore[attr-defined]
    qtbot.addWidget(dialog)
    assert dialog.table.rowCount() == 1
    assert dialog.table.item(0, 0).text() == "Pre-check: Invalid buyer ID number"
    assert dialog.table.item(0, 1).text() == "1"
    assert not window.autopilot_label.isVisible()
    dialog.pause_button.click()
    assert dialog.paused_label.text() == "Autopilot paused"
    assert dialog.pause_button.text() == "Resume autopilot"
    window.refresh_counts()
    qtbot.waitUntil(window.autopilot_label.isVisible)
    assert window.autopilot_label.text() == "Autopilot paused"
    dialog.pause_button.click()
    window.refresh_counts()
    qtbot.waitUntil(lambda: not window.autopilot_label.isVisible())


def test_a_clerk_sees_the_exceptions_but_cannot_pause(window: MainWindow, qtbot: QtBot) -> None:
    window.ctx.actor = Actor("li", Role.CLERK, None, "desk-1")
    dialog = ExceptionsDialog(window.ctx, window)
    qtbot.addWidget(dialog)
    assert dialog.table.rowCount() == 1 and not dialog.pause_button.isEnabled()
