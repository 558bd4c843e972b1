"""The autopilot in the main window: its runner (on the chosen workstation it runs passes),
its state in the status bar, and Batches ▸ Batching rules…, Run the autopilot on this
workstation, Pause autopilot (the last two a supervisor's; the services check the role).

The menu entries are there with the window; the runner (and the autopilot's code behind it)
is made and makes its first look once the grid has painted its first page."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication, QObject
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QLabel

from app.domain.clock import to_beijing
from app.domain.errors import UserFacingError
from app.security.context import Permission

if TYPE_CHECKING:
    from ui.autopilot.rules_window import RulesWindow
    from ui.autopilot.runner import AutopilotRunner, AutopilotState
    from ui.main_window import MainWindow


class AutopilotActions(QObject):
    """Owns the autopilot runner, actions and status-bar label of one main window."""

    def __init__(self, window: MainWindow, *, interval_ms: int | None = None) -> None:
        super().__init__(window)
        self.window = window
        self.ctx = window.ctx
        self._interval_ms = interval_ms
        self.runner: AutopilotRunner | None = None  # made after the grid's first page
        self.closed = False  # the window closed (or was replaced): no runner starts any more
        self.rules_window: RulesWindow | None = None
        self._build_ui()
        self._connect_signals()
        window.after_first_page(self.start_runner)

    def start_runner(self) -> None:
        """Make the runner and let it make its first look (once, after the first page)."""
        if self.runner is not None or self.closed:
            return
        from ui.autopilot.runner import AutopilotRunner

        kwargs = {} if self._interval_ms is None else {"interval_ms": self._interval_ms}
        runner = AutopilotRunner(self.ctx, parent=self, **kwargs)
        runner.state_changed.connect(self._on_runner_state_changed)
        runner.imported.connect(self.window.data_changed)
        self.window.settings_changed.connect(runner.tick)
        app = QCoreApplication.instance()
        if app is not None:
            app.aboutToQuit.connect(runner.stop)
        self.runner = runner
        runner.start()

    def _build_ui(self) -> None:
        w = self.window
        can = self.ctx.actor.can(Permission.AUTOPILOT)
        menu = w.menus["batches"]
        menu.addSeparator()
        self.action_rules = QAction(self.tr("Batchin&g rules…"), w)
        self.action_rules.setObjectName("action_batching_rules")
        self.action_run_here = QAction(self.tr("Run the autopilot on this &workstation"), w)
        self.action_run_here.setObjectName("action_autopilot_here")
        self.action_run_here.setCheckable(True)
        self.action_run_here.setEnabled(can)
        self.action_pause = QAction(self.tr("&Pause autopilot"), w)
        self.action_pause.setObjectName("action_autopilot_pause")
        self.action_pause.setCheckable(True)
        self.action_pause.setEnabled(can)
        for action in (self.action_rules, self.action_run_here, self.action_pause):
            menu.addAction(action)
        self.label = QLabel(w)
        self.label.setObjectName("autopilot_runner_label")
        self.label.setVisible(False)
        w.statusBar().addPermanentWidget(self.label)

    def _connect_signals(self) -> None:
        self.action_rules.triggered.connect(self._on_action_rules_triggered)
        self.action_run_here.triggered.connect(self._on_action_run_here_triggered)
        self.action_pause.triggered.connect(self._on_action_pause_triggered)
        self.window.closing.connect(self._on_window_closing)

    def _on_window_closing(self) -> None:
        self.closed = True
        if self.runner is not None:
            self.runner.stop()

    def _tick(self) -> None:
        if self.runner is not None:
            self.runner.tick()

    # --- actions --------------------------------------------------------------------------
    def open_rules(self) -> RulesWindow:
        if self.rules_window is None:
            from ui.autopilot.rules_window import RulesWindow

            self.rules_window = RulesWindow(self.ctx, self.window)
        self.rules_window.show()
        self.rules_window.raise_()
        return self.rules_window

    def _on_action_rules_triggered(self) -> None:
        self.open_rules()

    def run_here(self, on: bool) -> bool:
        """Make this workstation the one that runs the autopilot (or stop it running here)."""
        from app.autopilot.station import choose_workstation

        try:
            with self.ctx.transaction() as session:
                choose_workstation(session, self.ctx.actor, self.workstation if on else "")
        except UserFacingError as exc:
            self._say(exc.text(self.ctx.lang))
            self.action_run_here.setChecked(not on)
            return False
        self._tick()
        return True

    def _on_action_run_here_triggered(self, checked: bool) -> None:
        self.run_here(checked)

    def pause(self, paused: bool) -> bool:
        from app.autopilot.run import set_paused

        try:
            with self.ctx.transaction() as session:
                set_paused(session, self.ctx.actor, paused=paused)
        except UserFacingError as exc:
            self._say(exc.text(self.ctx.lang))
            self.action_pause.setChecked(not paused)
            return False
        self._show_paused(paused)
        self._tick()
        return True

    def _on_action_pause_triggered(self, checked: bool) -> None:
        self.pause(checked)

    def _say(self, text: str) -> None:
        self.window.statusBar().showMessage(text, 10_000)

    # --- state ----------------------------------------------------------------------------
    def _show_paused(self, paused: bool) -> None:
        self.action_pause.setChecked(paused)
        label = self.window.autopilot_label  # the pause, as every window says it
        label.setText(self.tr("Autopilot paused") if paused else "")
        label.setVisible(paused)

    def _on_runner_state_changed(self, state: AutopilotState) -> None:
        if self.window.closed:
            return
        self._show_paused(state.kind == "paused")
        self.action_run_here.setChecked(state.kind not in ("off", "elsewhere")
                                        and bool(state.chosen)
                                        and state.chosen.casefold()
                                        == self.workstation.casefold())
        text = self.state_text(state)
        self.label.setText(text)
        self.label.setVisible(bool(text))

    @property
    def workstation(self) -> str:
        """This workstation's name, as the runner knows it."""
        return self.runner.workstation if self.runner is not None else self.ctx.actor.workstation

    def state_text(self, state: AutopilotState) -> str:
        assert self.runner is not None  # states come from the runner
        seconds = self.runner.timer.interval() // 1000
        if state.kind == "elsewhere":
            return self.tr("Autopilot runs on {workstation}").format(workstation=state.chosen)
        if state.kind == "held":
            return self.tr("Autopilot: held by another process; trying again in {n} s").format(
                n=seconds)
        if state.kind == "no_actor":
            return self.tr("Autopilot waits for a supervisor: log in here, or choose this "
                           "workstation again")
        if state.kind == "nothing_to_watch":
            return self.tr("Autopilot: no watch folder and no batching rule yet")
        if state.kind == "failed":
            return self.tr("Autopilot stopped at an error (trying again): {reason}").format(
                reason=state.message[:120])
        if state.kind == "ran":
            report = self.runner.last_report
            at = self.runner.last_pass_at
            if report is None or at is None:
                return self.tr("Autopilot running")
            sent = sum(r.declarations for r in report.rules)
            return self.tr("Autopilot running · last pass {time}: {files} files, {parcels} "
                           "parcels imported, {sent} sent, {exceptions} exceptions").format(
                time=to_beijing(at).strftime("%H:%M:%S"), files=len(report.watch.files),
                parcels=len(report.watch.new_ids), sent=sent, exceptions=report.exceptions)
        return ""  # off; paused is said by the window's pause label


def install(window: MainWindow) -> None:
    window.autopilot = AutopilotActions(window)  # type: ignore[attr-defined]
