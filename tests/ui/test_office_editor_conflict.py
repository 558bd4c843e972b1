"""An open editor whose goods lines another workstation changed meanwhile (a real process)
gets the conflict dialog on save, instead of silently writing back the old goods lines."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from pytestqt.qtbot import QtBot
from sqlalchemy.orm import Session, sessionmaker

from app.db.models import Declaration
from tests.db.test_office_lost_edits import BULK_HS_CHANGE, _other_workstation
from tests.factories import make_declaration
from tests.ui.conftest import main_window
from tests.ui.test_workspace_editor import open_editor
from ui.declarations.conflict_dialog import ConflictDialog
from ui.main_window import MainWindow


@pytest.fixture
def window(db_url: str, sessions: sessionmaker[Session], qtbot: QtBot) -> Iterator[MainWindow]:
    with sessions() as s, s.begin():
        make_declaration(s)
    with main_window(db_url, qtbot) as w:
        qtbot.waitUntil(lambda: w.model.ready)
        yield w


def test_stale_goods_line_save_asks_instead_of_reverting(
        window: MainWindow, qtbot: QtBot, db_url: str) -> None:
    editor = open_editor(window, qtbot, 1)
    assert editor.items_model.setData(editor.items_model.index(0, 2), "奶粉 旧包装")  # gname
    _other_workstation(BULK_HS_CHANGE, db_url, 1)  # a supervisor's bulk HS change meanwhile
    asked: list[int] = []

    def resolve(parent: Any, head: dict[str, str], items: Any, theirs: Any, lang: str) -> Any:
        dialog = ConflictDialog(head, items, theirs, lang, parent)
        qtbot.addWidget(dialog)
        asked.append(theirs.version)
        return None  # the clerk cancels to look again

    editor.resolve_conflict = resolve
    assert not editor.save()
    assert asked == [2]
    with window.ctx.transaction() as s:
        decl = s.get(Declaration, 1)
        assert decl is not None
        assert decl.items[0].gcode == "0402210000"  # the bulk change was not reverted


def test_settings_on_a_database_server_hide_the_password_and_say_who_backs_up(
        window: MainWindow, qtbot: QtBot) -> None:
    import dataclasses

    from PySide6.QtWidgets import QLabel

    from ui.workspace.settings_dialog import SettingsDialog

    ctx = dataclasses.replace(
        window.ctx, url="postgresql+psycopg://cleardesk:s3cret@db-server/cleardesk")
    dialog = SettingsDialog(ctx, window)
    qtbot.addWidget(dialog)
    texts = [label.text() for label in dialog.findChildren(QLabel)]
    assert "postgresql+psycopg://cleardesk:***@db-server/cleardesk" in texts
    assert not any("s3cret" in t for t in texts)
    assert any("backups are the server administrator's job" in t for t in texts)


def test_saving_with_no_changes_of_mine_loads_theirs_without_an_empty_question(
        window: MainWindow, qtbot: QtBot, db_url: str) -> None:
    """Found walking the clerk's day: after a supervisor filled office codes, Enter in the
    clerk's unchanged editor asked to pick between versions — over an empty list."""
    editor = open_editor(window, qtbot, 1)
    _other_workstation(BULK_HS_CHANGE, db_url, 1)
    editor.resolve_conflict = lambda *_a: pytest.fail("nothing of mine to weigh")
    assert editor.save()
    assert editor.snapshot is not None and editor.snapshot.version == 2
    assert editor.items_model.values()[0]["gcode"] == "0402210000"
    assert "version 2" in editor.message.text()
