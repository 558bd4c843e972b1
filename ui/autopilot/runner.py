"""The autopilot inside the GUI of the workstation the office chose (`autopilotWorkstation`).

Every main window has a runner. On a timer it looks at the office's settings on a worker
thread; on the chosen workstation, unless a supervisor paused it, it runs one pass there
(`app.autopilot.run.run_once`: watch folders, then the batching rules) under the office lock.
Another autopilot holding the lock (a headless `cleardesk autopilot`) is said in the status
bar and tried again next time. Stopping (the window closing, a logout) cancels the pass
between files and waits for it: no file is left half imported, the lock is released.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from datetime import UTC, datetime

from PySide6.QtCore import QObject, QTimer, Signal

from app.autopilot.lock import AutopilotBusyError
from app.autopilot.rules import approver_may_act
from app.autopilot.run import PAUSED_KEY, PassReport, folders_from_settings, has_rules, run_once
from app.autopilot.station import ACTING_FOR_KEY, autopilot_workstation, gui_actor, runs_here
from app.domain.errors import UserFacingError
from app.jobs.base import CancelToken, Progress
from app.security.context import Actor
from app.services.settings import all_settings
from ui.context import GuiContext
from ui.workers import JobHandle, run_job

log = logging.getLogger(__name__)

DEFAULT_INTERVAL_MS = 30_000
STOP_WAIT_SECONDS = 120.0  # a pass stops after the file it is importing


@dataclass(frozen=True)
class AutopilotState:
    """What one look (and maybe one pass) found."""

    kind: str  # off | elsewhere | paused | ran | held | no_actor | nothing_to_watch | failed
    chosen: str = ""  # the workstation that runs it
    report: PassReport | None = None
    message: str = ""  # failed: the reason, in the user's language


class AutopilotRunner(QObject):
    state_changed = Signal(object)  # AutopilotState, after every look
    imported = Signal()  # a pass imported or batched something: screens refresh

    def __init__(self, ctx: GuiContext, *, workstation: str | None = None,
                 interval_ms: int = DEFAULT_INTERVAL_MS, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.workstation = workstation if workstation is not None else ctx.actor.workstation
        self.timer = QTimer(self)
        self.timer.setInterval(interval_ms)
        self.timer.timeout.connect(self.tick)
        self.state: AutopilotState | None = None
        self.last_pass_at: datetime | None = None  # the last pass that ran here (UTC)
        self.last_report: PassReport | None = None
        self.passes = 0
        self.stopped = False
        self.stopping = threading.Event()  # set by stop(): a pass in flight ends after its file
        self._job: JobHandle | None = None
        self._done = threading.Event()
        self._done.set()

    @property
    def busy(self) -> bool:
        return self._job is not None

    def start(self) -> None:
        self.stopped = False
        self.stopping.clear()
        self.timer.start()
        self.tick()

    def tick(self) -> None:
        """Look now (and run a pass if this is the workstation); skipped while one runs."""
        if self._job is not None or self.stopped:
            return
        ctx, workstation, logged_in = self.ctx, self.workstation, self.ctx.actor
        done = self._done
        done.clear()

        def job(progress: Progress, cancel: CancelToken) -> AutopilotState:
            try:
                return _look_and_run(ctx, workstation, logged_in, cancel)
            finally:
                done.set()

        self._job = run_job(job, on_finished=self._on_job_finished,
                            on_failed=self._on_job_failed, on_cancelled=self._on_job_cancelled,
                            parent=self)

    def stop(self) -> None:
        """Stop for good: no new pass; a running one stops after its current file and this
        waits for it (its transaction committed or rolled back, the lock released)."""
        self.stopped = True
        self.stopping.set()
        self.timer.stop()
        if self._job is not None:
            self._job.cancel()
            self._done.wait(STOP_WAIT_SECONDS)

    def _on_job_finished(self, state: AutopilotState) -> None:
        self._job = None
        if state.kind == "ran" and state.report is not None:
            self.passes += 1
            self.last_pass_at = datetime.now(UTC)
            self.last_report = state.report
            if state.report.watch.new_ids or any(r.batches for r in state.report.rules):
                self.imported.emit()
        self.state = state
        self.state_changed.emit(state)

    def _on_job_failed(self, exc: BaseException) -> None:
        self._job = None
        if isinstance(exc, UserFacingError):
            text = exc.text(self.ctx.lang)
        else:  # a bug: the log has the traceback, the status bar the gist; the next look retries
            log.error("autopilot pass failed", exc_info=exc)
            text = repr(exc)
        self.state = AutopilotState("failed", self.workstation, message=text)
        self.state_changed.emit(self.state)

    def _on_job_cancelled(self) -> None:
        self._job = None


def _look_and_run(ctx: GuiContext, workstation: str, logged_in: Actor,
                  cancel: CancelToken) -> AutopilotState:
    with ctx.transaction(write=False) as session:
        values = all_settings(session)
        acting_for = (values.get(ACTING_FOR_KEY) or "").strip()
        still = approver_may_act(session, acting_for) if acting_for else True
    chosen = autopilot_workstation(values)
    if not chosen:
        return AutopilotState("off")
    paused = (values.get(PAUSED_KEY) or "no").lower() == "yes"
    if paused:
        return AutopilotState("paused", chosen)
    if not runs_here(values, workstation):
        return AutopilotState("elsewhere", chosen)
    actor = gui_actor(values, workstation, logged_in, lambda _name: still)
    if actor is None:
        return AutopilotState("no_actor", chosen)
    if not folders_from_settings(values) and not has_rules(ctx.engine):
        return AutopilotState("nothing_to_watch", chosen)
    try:
        report = run_once(ctx.engine, ctx.transaction, actor, [], lang=ctx.lang, cancel=cancel)
    except AutopilotBusyError:
        return AutopilotState("held", chosen)
    if report.paused:  # paused between our look and the pass
        return AutopilotState("paused", chosen)
    return AutopilotState("ran", chosen, report)
