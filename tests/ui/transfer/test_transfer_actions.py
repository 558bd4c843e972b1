"""File ▸ Transfer: export the selected declarations, import them at another site, and see
what was added, skipped or in conflict."""

from __future__ import annotations

import shutil
from pathlib import Path

from pytestqt.qtbot import QtBot
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from app.db.models import Declaration
from app.security.context import Actor
from app.services.settings import SITE_CODE, set_setting
from tests.factories import make_declaration
from tests.ui.conftest import main_window


def test_export_then_import_at_another_site_shows_the_counts(
        db_url: str, sessions: sessionmaker[Session], actor: Actor, qtbot: QtBot,
        template_db: Path, tmp_path: Path) -> None:
    with sessions() as s, s.begin():
        set_setting(s, actor, SITE_CODE, "SC1")
        for _ in range(3):
            make_declaration(s)
    office = tmp_path / "office.sqlite3"
    shutil.copyfile(template_db, office)
    pack = tmp_path / "handover.cdtransfer"

    with main_window(db_url, qtbot) as w:
        qtbot.waitUntil(lambda: w.model.ready)
        actions = w.transfer_actions  # type: ignore[attr-defined]
        assert actions.export_action.isEnabled()
        assert "action_transfer_export" in [a.objectName() for a in
                                            w.findChildren(type(actions.export_action))]
        actions.choose_export_path = lambda: str(pack)
        w.table.selectRow(0)
        w.table.selectionModel().select(
            w.model.index(1, 0), w.table.selectionModel().SelectionFlag.Select
            | w.table.selectionModel().SelectionFlag.Rows)
        with qtbot.waitSignal(actions.export().ended, timeout=60000):
            pass
        qtbot.waitUntil(lambda: actions.summary is not None)
        assert actions.summary.values["Declarations"].text() == "2"
        assert pack.exists()

    errors: list[str] = []
    with main_window(f"sqlite:///{office}", qtbot) as w:
        qtbot.waitUntil(lambda: w.model.ready)
        actions = w.transfer_actions  # type: ignore[attr-defined]
        actions.show_error = lambda parent, title, text: errors.append(text)
        actions.choose_import_path = lambda: str(pack)
        with qtbot.waitSignal(actions.import_file().ended, timeout=60000):
            pass
        # The office has no site code yet: told plainly, nothing written.
        qtbot.waitUntil(lambda: bool(errors))
        assert "no site code" in errors[0] and actions.summary is None
        with w.ctx.transaction() as s:
            set_setting(s, actor, SITE_CODE, "HQ")
        for expected_added, expected_skipped in ((2, 0), (0, 2)):
            with qtbot.waitSignal(actions.import_file().ended, timeout=60000):
                pass
            qtbot.waitUntil(lambda: actions.summary is not None)
            values = actions.summary.values
            assert values["Declarations added"].text() == str(expected_added)
            assert values["Already here (skipped)"].text() == str(expected_skipped)
            assert values["Conflicts"].text() == "0"
            actions.summary = None
        with w.ctx.transaction(write=False) as s:
            assert s.scalar(select(func.count()).select_from(Declaration)) == 2
