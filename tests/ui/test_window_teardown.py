"""A window that closes (quit, log out, a language switch) while its grid is still loading
stops for good: nothing it started or is asked afterwards queries the database, late pages are
dropped, and no Qt object of it is left for Python's garbage collector to delete on whichever
thread happens to run it (a page loader's), which crashed the process now and then."""

from __future__ import annotations

import gc
import threading
import weakref
from typing import Any

import pytest
import shiboken6
from PySide6.QtCore import QCoreApplication, QModelIndex, QObject, Qt
from PySide6.QtWidgets import QApplication, QLineEdit, QWidget
from pytestqt.qtbot import QtBot

from app.reference.tables import shipped_reference_tables
from tests.ui.conftest import main_window
from ui.declarations.completers import CodeCompleter, code_model
from ui.declarations.model import LOADING, PAGE_SIZE
from ui.i18n import Translators
from ui.language import LanguageSwitcher
from ui.main import open_database
from ui.main_window import MainWindow


class Queries:
    """Counts the background jobs the window and its grid start (ui.workers.run_job)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        import ui.declarations.model
        import ui.main_window
        import ui.workers

        self.started: list[str] = []
        real = ui.workers.run_job

        def counting(job: Any, **kwargs: Any) -> Any:
            self.started.append(getattr(job, "__qualname__", repr(job)))
            return real(job, **kwargs)

        for module in (ui.main_window, ui.declarations.model):
            monkeypatch.setattr(module, "run_job", counting)


@pytest.fixture
def queries(monkeypatch: pytest.MonkeyPatch) -> Queries:
    return Queries(monkeypatch)


def test_closing_while_the_first_page_loads_then_saving_queries_nothing(
        demo_db: str, queries: Queries, qtbot: QtBot) -> None:
    with main_window(demo_db, qtbot) as w:  # shown, its first page still being fetched
        assert w.close()
        assert w.model.is_idle()  # the page load in flight was waited for
        queries.started.clear()
        # An editor saved, another workstation's change, a sort click reach the closed window.
        w.data_changed.emit()
        w.refresh_counts()
        w.apply_filter()
        w.model.sort(2, Qt.SortOrder.AscendingOrder)
        w.model.refresh(reorder=True)
        assert queries.started == []
        assert w.model.is_idle()
        QCoreApplication.processEvents()  # the first page, late, is dropped quietly
        QCoreApplication.processEvents()
        assert w.model.rowCount() == 0
        assert queries.started == []


def test_rows_asked_for_after_closing_are_not_fetched(
        demo_db: str, queries: Queries, qtbot: QtBot) -> None:
    with main_window(demo_db, qtbot) as w:
        qtbot.waitUntil(lambda: w.model.ready)
        assert w.close()
        queries.started.clear()
        row = 2 * PAGE_SIZE + 1  # a page never shown
        assert w.model.data(w.model.index(row, 1)) == LOADING  # still "loading", and stays so
        QCoreApplication.processEvents()
        QCoreApplication.processEvents()
        assert queries.started == []
        assert w.model.is_idle()


def test_a_language_switch_closes_the_old_window_for_good(
        demo_db: str, queries: Queries, qtbot: QtBot, qapp: QApplication) -> None:
    translators = Translators(qapp)
    translators.install("en")
    ctx = open_database(demo_db)
    assert not isinstance(ctx, Exception)
    first = MainWindow(ctx)  # replaced (and deleted) by the switch
    first.show()
    switcher = LanguageSwitcher(translators, ctx, first)
    try:
        new = switcher.switch("zh_CN")
        qtbot.addWidget(new)
        assert first.closed and first.model.is_idle()
        started = len(queries.started)
        first.data_changed.emit()  # e.g. its editor saved: the old grid does not reload
        first.model.refresh(reorder=True)
        assert len(queries.started) == started
        qtbot.waitUntil(lambda: new.model.ready)
        qtbot.waitUntil(lambda: not shiboken6.isValid(first))  # deleted by the switch
        # The new window kept the settings (columns, geometry) the old one was using.
        assert shiboken6.isValid(new.ui_settings)
        assert new.close()
    finally:
        translators.install("en")
        ctx.lang = "en"
        switcher.window.change_listener.stop()  # type: ignore[union-attr]
        ctx.engine.dispose()


def _use_and_delete_a_window(url: str, qtbot: QtBot) -> None:
    ctx = open_database(url)
    assert not isinstance(ctx, Exception)
    w = MainWindow(ctx)  # not given to qtbot: deleted here, as a log-out deletes it
    w.show()
    qtbot.waitUntil(lambda: w.model.ready)
    assert w.close()
    w.deleteLater()
    qtbot.waitUntil(lambda: not shiboken6.isValid(w))
    ctx.engine.dispose()


def test_a_deleted_window_leaves_no_qt_object_to_the_garbage_collector(
        demo_db: str, qtbot: QtBot) -> None:
    if not gc.get_freeze_count():
        gc.freeze()  # as the first main window of the process does (it would freeze itself)
    _use_and_delete_a_window(demo_db, qtbot)
    flags = gc.get_debug()
    gc.set_debug(gc.DEBUG_SAVEALL)
    try:
        gc.collect()
        left = [type(o).__name__ for o in gc.garbage
                if isinstance(o, QObject) and shiboken6.isValid(o)
                and shiboken6.ownedByPython(o)]
    finally:
        gc.set_debug(flags)
        gc.garbage.clear()
    assert left == []


def test_a_code_picked_just_before_its_field_closes_is_dropped(qtbot: QtBot) -> None:
    form = QWidget()
    qtbot.addWidget(form)
    edit = QLineEdit(form)
    completer = CodeCompleter(code_model(shipped_reference_tables(), "country", "zh_CN", edit),
                              edit)
    completer.attach(edit)
    model = completer.model()
    completer.activated[QModelIndex].emit(model.index(0, 0))  # type: ignore[index]
    shiboken6.delete(edit)  # the editor closed before the bare code was put in
    # The pending "put the bare code" is dropped with its field (no "already deleted" error).
    QCoreApplication.processEvents()
    QCoreApplication.processEvents()
    assert form.findChildren(QLineEdit) == []


class _Node:
    me: object = None


def _cycle_freed_into(freed_in: list[str]) -> weakref.ref[_Node]:
    node = _Node()
    node.me = node  # only the cyclic collector frees it
    return weakref.ref(node, lambda _ref: freed_in.append(threading.current_thread().name))


def test_garbage_is_collected_on_the_gui_thread_between_events(
        window: MainWindow, qtbot: QtBot) -> None:
    """A page loader allocating (here: a plain thread) never runs a collection: the Qt
    objects a collection frees are freed between events of the GUI thread, not in a paint."""
    freed_in: list[str] = []
    ref = _cycle_freed_into(freed_in)
    loader = threading.Thread(target=lambda: [[n] for n in range(200_000)], name="page-loader")
    loader.start()
    loader.join()
    assert freed_in == []
    # Past the first threshold on the GUI thread (net new objects): a collection is due.
    due = [[n] for n in range(gc.get_threshold()[0] + 1_000)]
    qtbot.waitUntil(lambda: ref() is None)
    assert freed_in == ["MainThread"]
    del due


def test_a_closed_window_scans_the_exchange_folder_no_more(demo_db: str, qtbot: QtBot) -> None:
    from ui.submission.watcher import ExchangeWatcher

    with main_window(demo_db, qtbot) as w:
        watcher = w.findChild(ExchangeWatcher)
        assert watcher is not None
        qtbot.waitUntil(lambda: watcher.timer.isActive())  # started after the first page
        assert w.close()
        assert not watcher.timer.isActive()
        assert not watcher.settle_timer.isActive()
