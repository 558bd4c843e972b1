"""Settings ▸ Autopilot: watch folders are picked with a folder chooser and given an import
profile each; saving stores them in the form the autopilot reads (FOLDER=PROFILE;…)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QComboBox
from pytestqt.qtbot import QtBot
from sqlalchemy.orm import Session, sessionmaker

from app.autopilot.run import folders_from_settings
from app.autopilot.watch import WatchFolder
from app.intake.mapping import MappingSpec
from app.intake.profile_store import save_profile
from app.security.context import Actor, Role, system_actor
from app.services.settings import all_settings, set_setting
from tests.ui.conftest import main_window
from tests.unit.intake.filemakers import CN_HEADERS
from ui.workspace.settings_dialog import SettingsDialog


def test_watch_folders_are_chosen_with_a_profile_each_and_saved(
        db_url: str, sessions: sessionmaker[Session], qtbot: QtBot, tmp_path: Path) -> None:
    with sessions() as s, s.begin():
        save_profile(s, system_actor(), "JD Global", MappingSpec(), CN_HEADERS)
        set_setting(s, system_actor(), "watchFolders", str(tmp_path / "tmall"))
    with main_window(db_url, qtbot, show=False) as w:
        w.ctx.actor = Actor("admin", Role.ADMIN, None, "desk-a")
        dialog = SettingsDialog(w.ctx, w)
        qtbot.addWidget(dialog)
        page = dialog.autopilot_page
        assert page.table.rowCount() == 1  # the folder already set
        assert page.table.item(0, 0).text() == str(tmp_path / "tmall")
        page.ask_folder = lambda parent, title, start: str(tmp_path / "jd")
        page.add_button.click()
        combo = page.table.cellWidget(1, 1)
        assert isinstance(combo, QComboBox)
        combo.setCurrentIndex(combo.findData("JD Global"))
        page.edits["autopilotWorkstation"].setText("desk-a")
        assert "desk-a" in page.here.text()
        assert dialog.save()
    with sessions() as s:
        values = all_settings(s)
    assert folders_from_settings(values) == [WatchFolder(tmp_path / "tmall"),
                                             WatchFolder(tmp_path / "jd", "JD Global")]
    assert values["autopilotWorkstation"] == "desk-a"


def test_a_clerk_sees_the_watch_folders_greyed(db_url: str, qtbot: QtBot) -> None:
    with main_window(db_url, qtbot, show=False) as w:
        w.ctx.actor = Actor("li", Role.CLERK, None, "desk-a")
        dialog = SettingsDialog(w.ctx, w)
        qtbot.addWidget(dialog)
        page = dialog.autopilot_page
        assert not page.add_button.isEnabled() and not page.table.isEnabled()
        assert not page.edits["watchSettleSeconds"].isEnabled()
