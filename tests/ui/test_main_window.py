from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QMenu
from pytestqt.qtbot import QtBot
from sqlalchemy import func, select

from app.db.models import Declaration
from ui.i18n import Translators
from ui.main_window import MainWindow


def _count(w: MainWindow, **where: str) -> int:
    with w.ctx.transaction() as s:
        stmt = select(func.count()).select_from(Declaration)
        for k, v in where.items():
            stmt = stmt.where(getattr(Declaration, k) == v)
        return int(s.execute(stmt).scalar_one())


def test_window_shows_the_demo_rows(window: MainWindow, qtbot: QtBot) -> None:
    model = window.model
    assert model.rowCount() == 600 == _count(window)
    # The first page arrives on the next event-loop turn, not inside data().
    qtbot.waitUntil(lambda: model.data(model.index(0, 2)) not in ("…", None))
    first_id = model.data(model.index(0, 0))
    assert first_id == "600"  # newest first
    order_no = model.data(model.index(0, 2))
    with window.ctx.transaction() as s:
        assert s.get(Declaration, 600).orderNo == order_no  # type: ignore[union-attr]
    assert "Total 600" in window.counts_label.text()
    assert window.menus["file"].menuAction().isVisible()


def test_status_filter_and_search(window: MainWindow, qtbot: QtBot) -> None:
    ready = _count(window, status="ready")
    with qtbot.waitSignal(window.model.refreshed):
        window.status_panel.select_status("ready")
    assert window.model.rowCount() == ready
    window.model.fetch_now(0)
    assert window.model.data(window.model.index(0, 1)) == "Ready"
    qtbot.waitUntil(lambda: window.status_panel.count_of("ready") == ready)

    with qtbot.waitSignal(window.model.refreshed):
        window.status_panel.select_status("")
    window.model.fetch_now(0)
    waybill = window.model.data(window.model.index(3, 3))
    qtbot.keyClicks(window.search_edit, waybill)
    qtbot.waitUntil(lambda: window.model.ready and window.model.rowCount() == 1)
    window.model.fetch_now(0)
    assert window.model.data(window.model.index(0, 3)) == waybill


def test_sorting_requeries(window: MainWindow, qtbot: QtBot) -> None:
    with qtbot.waitSignal(window.model.refreshed):
        window.model.sort(0, Qt.SortOrder.AscendingOrder)
    window.model.fetch_now(0)
    assert window.model.data(window.model.index(0, 0)) == "1"


def test_selection_count_and_ids(window: MainWindow) -> None:
    window.model.fetch_now(0)
    window.table.selectRow(0)
    assert window.selected_ids() == [600]
    assert window.selection_label.text().startswith("1 selected")


def test_model_passes_qtmodeltester(window: MainWindow, qtmodeltester: object) -> None:
    window.model.fetch_now(0)
    qtmodeltester.check(window.model)  # type: ignore[attr-defined]


def test_chinese_interface(window: MainWindow, qapp: QApplication, qtbot: QtBot) -> None:
    translators = Translators(qapp)
    translators.install("zh_CN")
    try:
        w = MainWindow(window.ctx)
        qtbot.addWidget(w)  # deleted with the test, not left to the collector
        assert w.menus["file"].title() == "文件(&F)"
        w.refresh_counts()
        qtbot.waitUntil(lambda: w.model.ready and w.counts_label.text() != "")
        w.model.fetch_now(0)
        status = w.model.data(w.model.index(0, 1))
        assert status in {"草稿", "待申报", "预检未通过", "已放行", "已结关", "待发送", "已发送",
                          "已受理", "审核中", "查验", "扣留", "退单", "退运", "已撤销"}
        assert w.counts_label.text().startswith("共 600 票")
        w.close()
    finally:
        translators.install("en")


def _mnemonics_repeated(menu: QMenu) -> list[str]:
    """Mnemonic letters two visible entries of one menu share (Alt+letter would only cycle
    between them), this menu's and its submenus'."""
    seen: dict[str, str] = {}
    repeated: list[str] = []
    for action in menu.actions():
        if action.isSeparator() or not action.isVisible():
            continue
        text = action.text().replace("&&", "")
        if "&" in text and text.index("&") + 1 < len(text):
            key = text[text.index("&") + 1].lower()
            if key in seen:
                repeated.append(f"{menu.title()}: {seen[key]} / {text}")
            seen[key] = text
        if action.menu() is not None:
            repeated += _mnemonics_repeated(action.menu())
    return repeated


@pytest.mark.parametrize("lang", ["en", "zh_CN"])
def test_no_two_entries_of_a_menu_share_a_mnemonic(window: MainWindow, qapp: QApplication,
                                                    qtbot: QtBot, lang: str) -> None:
    translators = Translators(qapp)
    translators.install(lang)
    window.ctx.lang = lang
    try:
        w = MainWindow(window.ctx)
        qtbot.addWidget(w)
        menus = [a.menu() for a in w.menuBar().actions() if a.menu() is not None]
        assert len(menus) >= 5
        assert [r for m in menus for r in _mnemonics_repeated(m)] == []
        w.close()
    finally:
        translators.install("en")
        window.ctx.lang = "en"
