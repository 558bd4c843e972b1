"""The Reports menu and dialog: export runs off the GUI thread, progress, Cancel, open file."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from openpyxl import load_workbook
from PySide6.QtCore import QDate
from pytestqt.qtbot import QtBot

from app.jobs.base import CancelToken
from app.security.context import Permission
from tests.db.reports.conftest import ReportData, report_data  # noqa: F401 - fixture
from ui.main import open_database
from ui.main_window import MainWindow
from ui.reports.dialog import ReportDialog


@pytest.fixture
def window(report_data: ReportData, db_url: str, qtbot: QtBot) -> Iterator[MainWindow]:  # noqa: F811
    ctx = open_database(db_url)
    assert not isinstance(ctx, Exception)
    w = MainWindow(ctx)
    qtbot.addWidget(w)
    yield w
    ctx.engine.dispose()


def _dialog(window: MainWindow, qtbot: QtBot, kind: str) -> ReportDialog:
    dialog: ReportDialog = window.report_actions.open_dialog(kind)  # type: ignore[attr-defined]
    qtbot.addWidget(dialog)
    return dialog


def test_reports_menu(window: MainWindow) -> None:
    texts = [a.text() for a in window.menus["reports"].actions()]
    assert texts == ["&Summary workbook…", "&Export declarations…", "Export e&vidence pack…",
                     "&Tax reconciliation…", "E&xceptions…", "Today's &flow…"]
    assert window.menus["reports"].menuAction().isVisible()


def test_summary_export_then_open(window: MainWindow, qtbot: QtBot, tmp_path: Path) -> None:
    dialog = _dialog(window, qtbot, "summary")
    dialog.from_edit.setDate(QDate(2026, 11, 20))
    dialog.to_edit.setDate(QDate(2026, 11, 22))
    dialog.lang_combo.setCurrentIndex(dialog.lang_combo.findData("en"))
    target = tmp_path / "summary.xlsx"
    dialog.file_edit.setText(str(target))
    opened: list[Path] = []
    dialog.open_file = opened.append
    assert dialog.platform_combo.count() == 4  # all + three platforms
    dialog.export_button.click()
    assert dialog.cancel_button.text() == "Cancel"
    qtbot.waitUntil(lambda: dialog.handle is None, timeout=20_000)
    assert dialog.open_button.isVisible()
    assert "summary.xlsx" in dialog.status_label.text()
    dialog.open_button.click()
    assert opened == [target]
    wb = load_workbook(target)
    assert wb["Overview"]["A1"].value == "Declarations summary"
    assert dialog.scope().date_from == date(2026, 11, 20)


def test_declarations_export_uses_grid_filter(window: MainWindow, qtbot: QtBot,
                                              tmp_path: Path) -> None:
    window.status_panel.select_status("rejected")
    assert window.current_filter().statuses == ("rejected",)
    dialog = _dialog(window, qtbot, "declarations")
    assert not dialog.from_edit.isEnabled()
    target = tmp_path / "d.csv"
    dialog.file_edit.setText(str(target))
    dialog.export_button.click()
    qtbot.waitUntil(lambda: dialog.handle is None, timeout=20_000)
    lines = target.read_text(encoding="utf-8-sig").splitlines()
    assert len(lines) == 3  # header + the two rejected declarations


def test_errors_are_shown(window: MainWindow, qtbot: QtBot, tmp_path: Path) -> None:
    dialog = _dialog(window, qtbot, "evidence")
    assert dialog.batch_combo.count() == 2
    errors: list[str] = []
    dialog.show_error = errors.append
    dialog.file_edit.setText(str(tmp_path / "pack.txt"))
    dialog.export_button.click()
    qtbot.waitUntil(lambda: dialog.handle is None and bool(errors), timeout=20_000)
    assert ".zip" in errors[0]


def test_cancel(window: MainWindow, qtbot: QtBot, tmp_path: Path) -> None:
    dialog = _dialog(window, qtbot, "summary")
    dialog.file_edit.setText(str(tmp_path / "s.xlsx"))

    running, resume = threading.Event(), threading.Event()

    def slow_job(progress: object, cancel: CancelToken) -> Path:
        running.set()
        resume.wait(20)
        cancel.raise_if_cancelled()
        raise AssertionError("not cancelled")

    dialog._job = lambda: slow_job  # type: ignore[method-assign, assignment, return-value]
    dialog.export_button.click()
    qtbot.waitUntil(running.is_set, timeout=20_000)
    dialog.cancel_button.click()  # the user presses Cancel while the job runs
    resume.set()
    qtbot.waitUntil(lambda: dialog.handle is None, timeout=20_000)
    assert "cancelled" in dialog.status_label.text()
    assert not (tmp_path / "s.xlsx").exists()
    assert dialog.cancel_button.text() == "Close"


def test_unmasked_export_needs_a_reason(window: MainWindow, qtbot: QtBot,
                                        tmp_path: Path) -> None:
    dialog = _dialog(window, qtbot, "declarations")
    errors: list[str] = []
    dialog.show_error = errors.append
    assert dialog.unmask_check.isEnabled() == window.ctx.actor.can(Permission.UNMASK)
    dialog.unmask_check.setChecked(True)
    assert dialog.unmask_reason.isEnabled()
    dialog.file_edit.setText(str(tmp_path / "full.xlsx"))
    dialog.export_button.click()
    qtbot.waitUntil(lambda: dialog.handle is None, timeout=20_000)
    assert errors and "reason" in errors[0]
    dialog.unmask_reason.setText("customs audit")
    dialog.export_button.click()
    qtbot.waitUntil(lambda: dialog.handle is None, timeout=20_000)
    assert (tmp_path / "full.xlsx").exists()
