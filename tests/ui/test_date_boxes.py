"""Date boxes take a day typed the way Excel allows: 20261101, 2026/11/1, 2026-11-01."""

from __future__ import annotations

from datetime import date

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from ui.declarations.filter_bar import FilterBar
from ui.main_window import MainWindow
from ui.reports.dialog import ReportDialog


@pytest.mark.parametrize("typed", ["20261101", "2026/11/1", "2026-11-01"])
def test_filter_bar_takes_typed_days(qtbot: QtBot, typed: str) -> None:
    bar = FilterBar()
    qtbot.addWidget(bar)
    bar.show()
    bar.from_check.setChecked(True)
    bar.from_edit.lineEdit().selectAll()
    with qtbot.waitSignal(bar.changed):
        qtbot.keyClicks(bar.from_edit, typed)
    qtbot.keyClick(bar.from_edit, Qt.Key.Key_Return)
    assert bar.values()["created_from"] == date(2026, 11, 1)
    assert bar.from_edit.lineEdit().text() == "2026-11-01"


def test_report_dialog_takes_a_compact_day(window: MainWindow, qtbot: QtBot) -> None:
    dialog = ReportDialog(window.ctx, "declarations", window.current_filter(), window)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.grid_check.setChecked(False)
    dialog.to_edit.lineEdit().selectAll()
    qtbot.keyClicks(dialog.to_edit, "2026/12/3")  # no Return: that would press Export
    assert dialog.declaration_filter().created_to == date(2026, 12, 3)
