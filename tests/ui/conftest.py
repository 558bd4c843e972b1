from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from pytestqt.qtbot import QtBot
from sqlalchemy.orm import Session, sessionmaker

from app.reference.store import reference_from_db
from app.security.context import Actor
from app.services.demo import add_demo_declarations
from ui.main import open_database
from ui.main_window import MainWindow


@pytest.fixture
def demo_db(db_url: str, sessions: sessionmaker[Session], actor: Actor) -> str:
    with sessions() as session, session.begin():
        add_demo_declarations(session, actor, 600, 21, reference_from_db(session), {})
    return db_url


@pytest.fixture(autouse=True)
def _isolated_qsettings(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Window state (header, geometry) goes to a scratch folder, not the user's config."""
    from PySide6.QtCore import QSettings

    folder = tmp_path_factory.mktemp("qsettings")
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(folder))


@pytest.fixture(autouse=True)
def _unsaved_edits_are_discarded_at_teardown(monkeypatch: pytest.MonkeyPatch) -> None:
    """Windows closed after a test must not wait on the modal unsaved-changes question."""
    monkeypatch.setattr("ui.declarations.editor.ask_unsaved_changes", lambda parent: "discard")


@pytest.fixture(scope="package", autouse=True)
def _python_collects_again_after_the_gui_tests() -> Iterator[None]:
    """The main window moves garbage collection to the GUI thread's event loop (ui.gc_policy);
    the tests that follow (no event loop) get Python's own collector back."""
    yield
    from ui.gc_policy import collect_on_gui_thread

    collector = collect_on_gui_thread()
    if collector is not None:
        collector.stop()


@pytest.fixture(scope="session", autouse=True)
def _bundled_font(qapp: object) -> None:
    from PySide6.QtWidgets import QApplication

    from ui.fonts import register_bundled_font

    assert isinstance(qapp, QApplication)
    register_bundled_font(qapp)


@contextmanager
def main_window(url: str, qtbot: QtBot, *, show: bool = True) -> Iterator[MainWindow]:
    """The main window on the database at `url`; its engine is disposed afterwards."""
    ctx = open_database(url)
    assert not isinstance(ctx, Exception)
    w = MainWindow(ctx)
    qtbot.addWidget(w)
    if show:
        w.show()
    yield w
    w.change_listener.stop()  # its thread must not outlive the test's database
    ctx.engine.dispose()


@pytest.fixture
def window(demo_db: str, qtbot: QtBot) -> Iterator[MainWindow]:
    """The main window on the demo database, its grid loaded (test files may build on it)."""
    with main_window(demo_db, qtbot) as w:
        qtbot.waitUntil(lambda: w.model.ready)
        yield w
