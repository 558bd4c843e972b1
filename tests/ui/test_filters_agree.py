"""Filters and panels agree: the Problems panel counts the current filter, the selected
row's problems follow the selection, "Show these parcels" is a chip that "All statuses" and
F5 clear, and the status bar's total is what the grid shows."""

from __future__ import annotations

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot
from sqlalchemy import func, select

from app.db.models import Declaration, Problem
from ui.main_window import MainWindow


def _with_problems(w: MainWindow, status: str | None = None) -> int:
    stmt = select(func.count(func.distinct(Problem.declaration_id))).join(
        Declaration, Declaration.id == Problem.declaration_id)
    if status:
        stmt = stmt.where(Declaration.status == status)
    with w.ctx.transaction() as s:
        return int(s.execute(stmt).scalar_one())


def _count(w: MainWindow, status: str) -> int:
    with w.ctx.transaction() as s:
        return int(s.execute(select(func.count()).select_from(Declaration)
                             .where(Declaration.status == status)).scalar_one())


def _problems_head(w: MainWindow) -> str:
    return w.precheck.panel._list.item(0).text()  # type: ignore[attr-defined]


def test_problems_panel_and_total_follow_the_status_filter(window: MainWindow,
                                                           qtbot: QtBot) -> None:
    assert _problems_head(window) == f"All problems ({_with_problems(window)})"
    qtbot.waitUntil(lambda: window.status_panel.count_of("") == 600)
    with qtbot.waitSignal(window.model.refreshed):
        window.status_panel.select_status("ready")
    assert _problems_head(window) == f"All problems ({_with_problems(window, 'ready')})"
    assert _with_problems(window, "ready") != _with_problems(window)
    ready = _count(window, "ready")
    assert window.model.rowCount() == ready
    qtbot.waitUntil(lambda: window.counts_label.text() == f"Total {ready}")


def test_selected_row_problems_follow_the_selection(window: MainWindow, qtbot: QtBot) -> None:
    pane = window.precheck.problem_list  # type: ignore[attr-defined]
    with qtbot.waitSignal(window.model.refreshed):
        window.status_panel.select_status("invalid")
    window.table.selectRow(0)
    assert pane.count() > 0
    with qtbot.waitSignal(window.model.refreshed):
        window.status_panel.select_status("ready")  # the invalid row is gone from the grid
    assert window.selected_ids() == []
    assert pane.count() == 0


def test_show_these_parcels_is_a_chip_cleared_by_all_statuses_and_f5(
    window: MainWindow, qtbot: QtBot
) -> None:
    ids = [window.model.declaration_id(r) for r in (3, 10, 42)]
    qtbot.waitUntil(lambda: window.status_panel.count_of("") == 600)
    with qtbot.waitSignal(window.model.refreshed):
        window.status_panel.select_status("draft")
    dialog = window.submission.open_to_fix()  # type: ignore[attr-defined]
    qtbot.addWidget(dialog)
    with qtbot.waitSignal(window.model.refreshed):
        dialog.show_declarations.emit(ids)
    bar = window.filter_bar
    assert bar.chip_text() == "From To fix: 3 parcels"
    assert sorted(window.model.declaration_id(r) for r in range(3)) == sorted(ids)
    assert window.model.rowCount() == 3
    assert window.status_panel.selected_status() == ""
    qtbot.waitUntil(lambda: window.counts_label.text() == "Total 3")
    assert window.status_panel.count_of("") == 3

    # "All statuses" (already the current row) clears the chip.
    lst = window.status_panel.list
    with qtbot.waitSignal(window.model.refreshed):
        qtbot.mouseClick(lst.viewport(), Qt.MouseButton.LeftButton,
                         pos=lst.visualItemRect(lst.item(0)).center())
    assert bar.chip_text() is None
    assert window.model.rowCount() == 600
    qtbot.waitUntil(lambda: window.counts_label.text() == "Total 600")

    with qtbot.waitSignal(window.model.refreshed):
        window.show_only(ids, "From To fix: 3 parcels")
    assert bar.chip.isVisible()
    with qtbot.waitSignal(window.model.refreshed):
        window.action_refresh.trigger()  # F5
    assert bar.chip_text() is None
    assert window.model.rowCount() == 600

    with qtbot.waitSignal(window.model.refreshed):
        window.show_only(ids, "From To fix: 3 parcels")
    with qtbot.waitSignal(window.model.refreshed):
        bar.chip.click()  # its ✕
    assert window.model.rowCount() == 600


def test_the_chip_does_not_make_the_window_wider(window: MainWindow, qtbot: QtBot) -> None:
    """The chip sits beside the search box, which gives way to it: a window at its narrowest
    stays that wide (in the filter row, full of fixed-width controls, it pushed the window
    out by its own width)."""
    widest_needed = window.minimumSizeHint().width()
    ids = [window.model.declaration_id(r) for r in (3, 10)]
    with qtbot.waitSignal(window.model.refreshed):
        window.show_only(ids, "From To fix: 2 parcels, returned by customs for a reason")
    assert window.filter_bar.chip.isVisible()
    assert window.minimumSizeHint().width() <= widest_needed
    assert window.filter_bar.chip.parentWidget() is window.search_edit.parentWidget()
