"""Settings → “Apply to open declarations…”: confirm the count, fill, undo."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from pytestqt.qtbot import QtBot
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from app.db.models import Declaration
from app.security.context import Actor, Role
from tests.factories import make_declaration
from tests.ui.conftest import main_window
from ui.main_window import MainWindow
from ui.workspace.settings_dialog import SettingsDialog


@pytest.fixture
def window(db_url: str, sessions: sessionmaker[Session], qtbot: QtBot) -> Iterator[MainWindow]:
    with sessions() as s, s.begin():
        # Imported before the office settings were entered.
        for n in range(3):
            make_declaration(s, logisticsNo=f"EA00000001{n}CN", agentCode=None,
                             agentName=None)
        make_declaration(s, logisticsNo="EA000000019CN", agentCode=None, status="sent")
    with main_window(db_url, qtbot) as w:
        qtbot.waitUntil(lambda: w.model.ready)
        yield w


def _agents(window: MainWindow) -> list[str | None]:
    with window.ctx.transaction() as s:
        return list(s.execute(select(Declaration.agentCode).order_by(Declaration.id))
                    .scalars())


def test_apply_settings_to_open_declarations_confirms_fills_and_undoes(
        window: MainWindow, qtbot: QtBot) -> None:
    dialog = window.workspace.more.open_settings()  # type: ignore[attr-defined]
    qtbot.addWidget(dialog)
    dialog.edits["agentCode"].setText("5141980XYZ")  # typed, not yet saved
    dialog.edits["agentName"].setText("广州清关通报关有限公司")
    asked: list[str] = []
    dialog.ask_confirm = lambda _p, _t, text: asked.append(text) or True
    with qtbot.waitSignal(window.data_changed, timeout=10_000):
        dialog.apply_button.click()
    assert "Fill 6 empty fields in 3 open declarations" in asked[0]
    assert "Declaring agent code: 3" in asked[0]
    assert _agents(window) == ["5141980XYZ"] * 3 + [None]  # the sent one is left alone
    assert "Filled 6 empty fields in 3 open declarations." in dialog.message.text()
    assert dialog.undo_apply_button.isEnabled()
    with qtbot.waitSignal(window.data_changed, timeout=10_000):
        dialog.undo_apply_button.click()
    assert _agents(window) == [None] * 4
    assert "6 fields emptied again in 3 declarations" in dialog.message.text()


def test_declining_the_confirmation_changes_nothing_and_the_admin_cannot(
        window: MainWindow, qtbot: QtBot) -> None:
    dialog = window.workspace.more.open_settings()  # type: ignore[attr-defined]
    qtbot.addWidget(dialog)
    dialog.edits["agentCode"].setText("5141980XYZ")
    dialog.ask_confirm = lambda *_a: False
    assert not dialog.apply_to_open()
    assert _agents(window) == [None] * 4
    window.ctx.actor = Actor("root", Role.ADMIN)  # keeps the settings, edits no declaration
    admin = SettingsDialog(window.ctx, window)
    qtbot.addWidget(admin)
    assert not admin.apply_button.isEnabled()
