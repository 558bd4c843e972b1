"""File dialogs open where the clerk last was; the main window comes back maximised."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog
from pytestqt.qtbot import QtBot

from tests.ui.conftest import main_window
from ui import file_dialogs


def test_each_kind_of_dialog_starts_in_its_last_folder(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    downloads, reports = tmp_path / "下载", tmp_path / "reports"
    downloads.mkdir()
    reports.mkdir()
    starts: list[str] = []
    answers = iter([str(downloads / "orders.xlsx"), "", str(reports / "summary.xlsx")])

    def fake_dialog(_parent: object, _title: str, start: str,
                    _filter: str = "") -> tuple[str, str]:
        starts.append(start)
        return next(answers), ""

    monkeypatch.setattr(QFileDialog, "getOpenFileName", fake_dialog)
    monkeypatch.setattr(QFileDialog, "getSaveFileName", fake_dialog)
    assert file_dialogs.open_file(None, "Import", "*.xlsx", "import").endswith("orders.xlsx")
    assert file_dialogs.open_file(None, "Import", "*.xlsx", "import") == ""  # cancelled
    assert starts[1] == str(downloads)  # the second import starts where the first was
    file_dialogs.save_file(None, "Save", "summary.xlsx", "*.xlsx", "export")
    # An export does not start in the import folder, and proposes its name there.
    assert Path(starts[2]).name == "summary.xlsx" and Path(starts[2]).parent != downloads
    assert file_dialogs.last_folder("export") == str(reports)
    assert file_dialogs.last_folder("import") == str(downloads)
    downloads.rmdir()
    assert file_dialogs.last_folder("import") != str(downloads)  # gone: not offered


def test_the_main_window_comes_back_maximised(demo_db: str, qtbot: QtBot) -> None:
    with main_window(demo_db, qtbot, show=False) as first:
        first.showMaximized()
        qtbot.waitUntil(first.isMaximized)
        first.close()
    with main_window(demo_db, qtbot, show=False) as second:
        assert second.windowState() & Qt.WindowState.WindowMaximized


def test_without_a_documents_folder_files_are_proposed_at_home(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Found walking the supervisor's day: the summary's suggested path was in ~/Documents,
    which the machine did not have, and Export refused it as a missing folder."""
    from PySide6.QtCore import QSettings, QStandardPaths
    monkeypatch.setattr(QStandardPaths, "writableLocation",
                        lambda _loc: str(tmp_path / "Documents"))  # named, not there
    monkeypatch.setattr(Path, "home", lambda: tmp_path)
    settings = QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat)
    assert file_dialogs.last_folder("export", settings) == str(tmp_path)
    (tmp_path / "Documents").mkdir()
    assert file_dialogs.last_folder("export", settings) == str(tmp_path / "Documents")
