from __future__ import annotations

import threading
from array import array
from collections.abc import Callable

import pytest
from PySide6.QtCore import QSettings, Qt
from pytestqt.qtbot import QtBot
from sqlalchemy import func, select, update

from app.db.models import Declaration
from app.services import grid
from app.services.queries import DeclarationFilter
from app.services.views import ViewSpec
from tests.factories import make_declaration
from ui.main_window import MainWindow


def _count(w: MainWindow, *where: object) -> int:
    with w.ctx.transaction() as s:
        stmt = select(func.count()).select_from(Declaration).where(*where)  # type: ignore[arg-type]
        return int(s.execute(stmt).scalar_one())


def test_status_panel_shows_counts_and_filters(window: MainWindow, qtbot: QtBot) -> None:
    invalid = _count(window, Declaration.status == "invalid")
    qtbot.waitUntil(lambda: window.status_panel.count_of("") == 600)
    assert window.status_panel.count_of("invalid") == invalid
    texts = [window.status_panel.list.item(i).text()
             for i in range(window.status_panel.list.count())]
    assert texts[0] == "All statuses (600)"
    assert f"Check failed  {invalid}" in texts
    with qtbot.waitSignal(window.model.refreshed):
        window.status_panel.select_status("invalid")
    assert window.model.rowCount() == invalid


def test_platform_and_problem_filters(window: MainWindow, qtbot: QtBot) -> None:
    combo = window.filter_bar.platform_combo
    qtbot.waitUntil(lambda: combo.count() > 1)
    platform = combo.itemData(1)
    with qtbot.waitSignal(window.model.refreshed):
        combo.setCurrentIndex(1)
    assert window.model.rowCount() == _count(window, Declaration.ebpName == platform)
    with qtbot.waitSignal(window.model.refreshed):
        window.filter_bar.problems_combo.setCurrentIndex(1)  # has problems
    assert window.model.rowCount() == _count(
        window, Declaration.ebpName == platform,
        Declaration.error_count + Declaration.warning_count > 0)


def test_search_escapes_like_wildcards(window: MainWindow, qtbot: QtBot) -> None:
    with qtbot.waitSignal(window.model.refreshed):
        window.model.set_filter(DeclarationFilter(search="%"))
    assert window.model.rowCount() == 0


def test_refresh_keeps_selection_and_scroll(window: MainWindow, qtbot: QtBot) -> None:
    model = window.model
    window.table.scrollTo(model.index(300, 0))
    window.table.selectRow(305)
    selected = window.selected_ids()
    top = model.declaration_id(window.table.rowAt(0))
    with window.ctx.transaction() as s:  # new data arrives (an import): rows shift down
        for _ in range(3):
            make_declaration(s)
    with qtbot.waitSignal(model.refreshed):
        window.data_changed.emit()
    assert model.rowCount() == 603
    assert window.selected_ids() == selected
    assert model.declaration_id(window.table.rowAt(0)) == top
    assert window.selection_label.text() == "1 selected of 603"


def test_selection_count_is_live(window: MainWindow) -> None:
    window.table.selectRow(0)
    window.table.selectionModel().select(
        window.model.index(5, 0), window.table.selectionModel().SelectionFlag.Select
        | window.table.selectionModel().SelectionFlag.Rows)
    assert window.selection_label.text() == "2 selected of 600"
    assert len(window.selected_ids()) == 2


def test_saved_view_round_trip(window: MainWindow, qtbot: QtBot) -> None:
    with qtbot.waitSignal(window.model.refreshed):
        window.status_panel.select_status("ready")
    window.columns.set_visible(7, False)  # hide the address
    with qtbot.waitSignal(window.model.refreshed):
        window.table.sortByColumn(2, Qt.SortOrder.AscendingOrder)
    window.views_menu.ask_name = lambda *_a: "Ready by order"
    assert window.views_menu.save_current() == "Ready by order"

    with qtbot.waitSignal(window.model.refreshed):
        window.apply_view(ViewSpec())
    assert window.model.rowCount() == 600
    (name, spec), = window.views_menu.views()
    assert name == "Ready by order"
    with qtbot.waitSignal(window.model.refreshed):
        window.apply_view(spec)
    assert window.model.filter.statuses == ("ready",)
    assert window.model.sort_state == ("orderNo", False)
    assert "consigneeAddress" not in window.columns.visible_keys()
    assert window.status_panel.selected_status() == "ready"


def test_column_chooser_and_header_state_are_remembered(
    window: MainWindow, qtbot: QtBot
) -> None:
    menu = window.columns.menu()
    address = next(a for a in menu.actions() if a.text() == "Address")
    address.setChecked(False)
    assert window.table.horizontalHeader().isSectionHidden(7)
    window.close()
    w2 = MainWindow(window.ctx, QSettings())
    qtbot.addWidget(w2)
    assert w2.table.horizontalHeader().isSectionHidden(7)
    assert "consigneeAddress" not in w2.columns.visible_keys()


def test_rows_of_a_declaration_changed_elsewhere_show_new_values(
    window: MainWindow, qtbot: QtBot
) -> None:
    window.model.fetch_now(0)
    decl_id = window.model.declaration_id(0)
    with window.ctx.transaction() as s:
        s.execute(update(Declaration).where(Declaration.id == decl_id).values(buyerName="赵六"))
    with qtbot.waitSignal(window.model.refreshed):
        window.refresh()
    window.model.fetch_now(0)
    assert window.model.data(window.model.index(0, 4)) == "赵六"


def test_model_passes_qtmodeltester_with_filter(window: MainWindow, qtbot: QtBot,
                                                qtmodeltester: object) -> None:
    with qtbot.waitSignal(window.model.refreshed):
        window.status_panel.select_status("ready")
    window.model.fetch_now(0)
    qtmodeltester.check(window.model)  # type: ignore[attr-defined]


def test_new_sort_shows_its_first_page_before_the_id_scan(
    window: MainWindow, qtbot: QtBot
) -> None:
    qtbot.waitUntil(lambda: window.model.ready)
    events: list[tuple[str, bool]] = []
    window.model.modelReset.connect(lambda: events.append(("first page", window.model.ready)))
    window.model.refreshed.connect(lambda: events.append(("ids", window.model.ready)))
    order_col = [c.key for c in window.model.columns].index("orderNo")
    with qtbot.waitSignal(window.model.refreshed):
        window.table.sortByColumn(order_col, Qt.SortOrder.AscendingOrder)
    # The scan starts only after the first page is shown; then the rows grow in place.
    assert events == [("first page", False), ("ids", True)]
    assert window.model.rowCount() == 600
    window.model.fetch_now(599)
    shown = [window.model.data(window.model.index(r, order_col)) for r in (0, 1, 598, 599)]
    assert shown == sorted(shown)


def test_a_newer_filter_cancels_the_older_id_scan(window: MainWindow, qtbot: QtBot) -> None:
    qtbot.waitUntil(lambda: window.model.ready)
    window.model.refresh()  # new data: the scan starts at once
    token = window.model._ids_token
    assert token is not None and not token.cancelled
    with qtbot.waitSignal(window.model.refreshed):
        window.status_panel.select_status("invalid")
    assert token.cancelled
    assert window.model.rowCount() == _count(window, Declaration.status == "invalid")


def test_created_column_and_date_filter_use_beijing_days(window: MainWindow,
                                                         qtbot: QtBot) -> None:
    from datetime import UTC, date, datetime

    with window.ctx.transaction() as s:  # 04:00 on the 2nd in Beijing, 20:00 on the 1st in UTC
        make_declaration(s, orderNo="EARLY-BIRD", created_at=datetime(2031, 3, 1, 20, 0,
                                                                      tzinfo=UTC))
    with qtbot.waitSignal(window.model.refreshed):
        window.model.set_filter(DeclarationFilter(created_from=date(2031, 3, 2),
                                                  created_to=date(2031, 3, 2)))
    model = window.model
    assert model.rowCount() == 1
    keys = [c.key for c in model.columns]
    model.fetch_now(0)
    assert model.data(model.index(0, keys.index("orderNo"))) == "EARLY-BIRD"
    assert model.data(model.index(0, keys.index("createdAt"))) == "2031-03-02 04:00"


def test_closing_the_window_stops_its_id_scan(window: MainWindow, qtbot: QtBot,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """A scan still running when the window closes is cancelled and waited for: no job
    outlives the window and then finds its database gone."""
    started, release = threading.Event(), threading.Event()

    def endless_scan(*args: object, check: Callable[[], None] | None = None,
                     **kwargs: object) -> array[int]:
        started.set()
        while not release.is_set():  # until cancelled (or the test gives up)
            if check is not None:
                check()
        return array("q")

    qtbot.waitUntil(window.model.is_idle)
    monkeypatch.setattr(grid, "ordered_ids", endless_scan)
    window.model.refresh()
    qtbot.waitUntil(started.is_set)
    try:
        window.close()
        assert window.model.is_idle()
    finally:
        release.set()
