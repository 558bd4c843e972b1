"""The autopilot inside the GUI of the workstation the office chose: it imports what is dropped
in a watch folder; another workstation's window does not; a pause stops the next pass; another
autopilot holding the office lock is said and retried; closing the window ends a pass in flight
after its file and releases the lock."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session, sessionmaker

import app.intake.service as intake_service
from app.autopilot.lock import office_lock
from app.autopilot.station import choose_workstation
from app.db.models import AuditEvent, Declaration
from app.security.context import Actor, Role, system_actor
from app.services.settings import set_setting
from tests.db.test_autopilot_watch import _orders
from ui.autopilot.actions import AutopilotActions
from ui.autopilot.runner import AutopilotRunner, AutopilotState
from ui.i18n import Translators
from ui.language import LanguageSwitcher
from ui.main import open_database
from ui.main_window import MainWindow

SUP = Actor("wang.sup", Role.SUPERVISOR, None, "desk-a")


@pytest.fixture
def drop(sessions: sessionmaker[Session], tmp_path: Path) -> Path:
    folder = tmp_path / "drop"
    folder.mkdir()
    with sessions() as s, s.begin():
        set_setting(s, system_actor(), "watchFolders", str(folder))
        choose_workstation(s, SUP, "desk-a")
    return folder


@contextmanager
def desk(url: str, qtbot: QtBot, actor: Actor) -> Iterator[MainWindow]:
    """A main window on `url` of the workstation `actor.workstation`, `actor` logged in."""
    ctx = open_database(url)
    assert not isinstance(ctx, Exception)
    ctx.actor = actor
    w = MainWindow(ctx)
    qtbot.addWidget(w)
    w.show()
    try:
        yield w
    finally:
        w.close()
        w.change_listener.stop()
        ctx.engine.dispose()


def autopilot(w: MainWindow) -> AutopilotActions:
    actions = w.autopilot  # type: ignore[attr-defined]
    assert isinstance(actions, AutopilotActions)
    return actions


def runner_of(qtbot: QtBot, w: MainWindow) -> AutopilotRunner:
    """The window's runner: made, and its first look started, once the grid's first page is
    painted."""
    actions = autopilot(w)
    qtbot.waitUntil(lambda: actions.runner is not None, timeout=30_000)
    assert actions.runner is not None
    return actions.runner


def next_state(qtbot: QtBot, w: MainWindow) -> AutopilotState:
    """The state after one more look (started now, or the one already running)."""
    runner = runner_of(qtbot, w)
    with qtbot.waitSignal(runner.state_changed, timeout=30_000) as blocker:
        runner.tick()
    state = blocker.args[0]
    assert isinstance(state, AutopilotState)
    return state


def declarations(sessions: sessionmaker[Session]) -> int:
    with sessions() as s:
        return int(s.execute(select(func.count()).select_from(Declaration)).scalar_one())


def test_the_chosen_workstation_imports_a_dropped_file_and_another_does_not(
        db_url: str, sessions: sessionmaker[Session], drop: Path, qtbot: QtBot) -> None:
    _orders(drop / "tmall-1.csv", 1, 2)
    clerk_b = Actor("li", Role.CLERK, None, "desk-b")
    with desk(db_url, qtbot, clerk_b) as other:
        assert next_state(qtbot, other).kind == "elsewhere"
        assert autopilot(other).label.text() == "Autopilot runs on desk-a"
        assert declarations(sessions) == 0 and (drop / "tmall-1.csv").exists()
        assert not autopilot(other).action_run_here.isEnabled()  # a clerk's menu: greyed
    # A clerk is logged in at the chosen desk: the autopilot acts for the supervisor who
    # chose it, not as the clerk.
    with desk(db_url, qtbot, Actor("zhao", Role.CLERK, None, "desk-a")) as chosen:
        state = next_state(qtbot, chosen)
        assert state.kind == "ran"
        assert declarations(sessions) == 2
        assert not (drop / "tmall-1.csv").exists()
        assert len(list((drop / "done").glob("*/tmall-1.csv"))) == 1
        label = autopilot(chosen).label
        assert label.isVisible()
        assert "1 files, 2 parcels imported" in label.text()
        with sessions() as s:
            users = set(s.execute(select(AuditEvent.user_name)
                                  .where(AuditEvent.action == "import.file")).scalars())
        assert users == {"autopilot:wang.sup"}


def test_pause_stops_the_next_pass_until_resumed(
        db_url: str, sessions: sessionmaker[Session], drop: Path, qtbot: QtBot) -> None:
    with desk(db_url, qtbot, SUP) as w:
        actions = autopilot(w)
        assert next_state(qtbot, w).kind == "ran"  # nothing dropped yet: an empty pass
        assert actions.action_run_here.isChecked()
        actions.action_pause.trigger()  # Batches ▸ Pause autopilot
        assert w.autopilot_label.isVisible() and w.autopilot_label.text() == "Autopilot paused"
        _orders(drop / "tmall-2.csv", 10, 3)
        assert next_state(qtbot, w).kind == "paused"
        assert declarations(sessions) == 0 and (drop / "tmall-2.csv").exists()
        actions.action_pause.trigger()  # resume
        assert not w.autopilot_label.isVisible()
        assert next_state(qtbot, w).kind == "ran"
        assert declarations(sessions) == 3


def test_a_clerk_cannot_pause(db_url: str, drop: Path, qtbot: QtBot) -> None:
    with desk(db_url, qtbot, Actor("li", Role.CLERK, None, "desk-a")) as w:
        actions = autopilot(w)
        assert not actions.action_pause.isEnabled()
        assert not actions.pause(True)  # the service refuses, the window says why
        assert "not allowed" in w.statusBar().currentMessage()
        assert not w.autopilot_label.isVisible()


def test_held_by_another_autopilot_is_said_and_retried(
        db_url: str, engine: Engine, sessions: sessionmaker[Session], drop: Path,
        qtbot: QtBot) -> None:
    with desk(db_url, qtbot, SUP) as w:
        runner = runner_of(qtbot, w)
        qtbot.waitUntil(lambda: not runner.busy)
        _orders(drop / "tmall-3.csv", 20, 1)
        with office_lock(engine):  # a headless `cleardesk autopilot` runs
            assert next_state(qtbot, w).kind == "held"
            assert autopilot(w).label.text().startswith(
                "Autopilot: held by another process")
            assert declarations(sessions) == 0
        assert next_state(qtbot, w).kind == "ran"  # the next look takes over
        assert declarations(sessions) == 1


def test_closing_ends_a_pass_after_its_file_and_releases_the_lock(
        db_url: str, engine: Engine, sessions: sessionmaker[Session], drop: Path,
        qtbot: QtBot, monkeypatch: pytest.MonkeyPatch) -> None:
    _orders(drop / "a-first.csv", 30, 2)
    _orders(drop / "b-second.csv", 40, 2)
    # Written later than the first: the pass takes it second.
    first = (drop / "a-first.csv").stat().st_mtime
    os.utime(drop / "b-second.csv", (first + 60, first + 60))
    started = threading.Event()
    holder: dict[str, Any] = {}
    real_import = intake_service.import_file

    def import_while_closing(*args: Any, **kwargs: Any) -> Any:
        started.set()
        assert holder["runner"].stopping.wait(30)  # the window is closing meanwhile
        return real_import(*args, **kwargs)

    monkeypatch.setattr(intake_service, "import_file", import_while_closing)
    with sessions() as s, s.begin():  # no pass may run before the runner is reachable
        set_setting(s, system_actor(), "autopilotPaused", "yes")
    with desk(db_url, qtbot, SUP) as w:
        runner = runner_of(qtbot, w)
        holder["runner"] = runner
        qtbot.waitUntil(lambda: not runner.busy)
        with sessions() as s, s.begin():
            set_setting(s, system_actor(), "autopilotPaused", "no")
        runner.tick()
        qtbot.waitUntil(started.is_set, timeout=30_000)
        w.close()  # waits for the pass: its file finishes, the next is not started
        assert runner.stopped and not runner.timer.isActive()
        assert declarations(sessions) == 2
        assert len(list((drop / "done").glob("*/a-first.csv"))) == 1
        assert (drop / "b-second.csv").exists()
        with office_lock(engine):  # released: another autopilot may start
            pass


def test_a_language_switch_hands_the_autopilot_to_the_new_window(
        db_url: str, sessions: sessionmaker[Session], drop: Path, qtbot: QtBot,
        qapp: QApplication) -> None:
    translators = Translators(qapp)
    translators.install("en")
    ctx = open_database(db_url)
    assert not isinstance(ctx, Exception)
    ctx.actor = SUP
    first = MainWindow(ctx)  # replaced (and deleted) by the switch
    first.show()
    old = runner_of(qtbot, first)
    qtbot.waitUntil(lambda: not old.busy)
    _orders(drop / "tmall-4.csv", 50, 2)
    switcher = LanguageSwitcher(translators, ctx, first)
    try:
        new = switcher.switch("zh_CN")
        qtbot.addWidget(new)
        assert old.stopped and not old.timer.isActive()
        assert next_state(qtbot, new).kind == "ran"  # not "held" by the old window's runner
        assert declarations(sessions) == 2
        new.close()
    finally:
        translators.install("en")
        ctx.lang = "en"
        switcher.window.change_listener.stop()
        ctx.engine.dispose()


def test_a_failing_pass_is_said_and_tried_again(
        db_url: str, sessions: sessionmaker[Session], drop: Path, qtbot: QtBot,
        monkeypatch: pytest.MonkeyPatch) -> None:
    with desk(db_url, qtbot, SUP) as w:
        runner = runner_of(qtbot, w)
        qtbot.waitUntil(lambda: not runner.busy)

        def broken(*args: Any, **kwargs: Any) -> Any:
            raise OSError("share unreachable")

        with monkeypatch.context() as patched:
            patched.setattr("ui.autopilot.runner.run_once", broken)
            assert next_state(qtbot, w).kind == "failed"
        assert "share unreachable" in autopilot(w).label.text()
        assert runner.timer.isActive()  # the next look tries again
        _orders(drop / "tmall-5.csv", 60, 1)
        assert next_state(qtbot, w).kind == "ran" and declarations(sessions) == 1


def test_the_desk_stops_acting_for_a_supervisor_who_was_disabled(
        db_url: str, sessions: sessionmaker[Session], drop: Path, qtbot: QtBot) -> None:
    from app.db.models import User

    with sessions() as s, s.begin():
        s.add(User(name="wang.sup", role="supervisor", password_hash="x", active=False))
    _orders(drop / "tmall-3.csv", 20, 2)
    with desk(db_url, qtbot, Actor("zhao", Role.CLERK, None, "desk-a")) as w:
        assert next_state(qtbot, w).kind == "no_actor"
        assert autopilot(w).label.text().startswith("Autopilot waits for a supervisor")
        assert declarations(sessions) == 0 and (drop / "tmall-3.csv").exists()
