"""Background exchange work in the GUI: receipts watcher, pending messages, training customs.

A QFileSystemWatcher on the inbox reacts within a second of a receipt arriving; a periodic
scan catches what a watcher misses (network shares, USB sticks). The same timer retries
pending messages (offline exchange folder) and, in the training database, lets the simulator
answer. Work runs off the GUI thread, one job at a time.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtCore import QFileSystemWatcher, QObject, QTimer, Signal

from app.domain.errors import UserFacingError
from app.jobs.base import CancelToken, Progress
from app.security.context import Permission
from app.services import settings as settings_service
from ui.context import GuiContext
from ui.workers import JobHandle, run_job

if TYPE_CHECKING:
    from app.submission.exchange import ExchangeFolderTransport
    from app.submission.receipts_job import ReceiptsResult
    from app.submission.simulator import CustomsSimulator
# Delivery, receipts and the To fix count (which bring the message builders and the rules) are
# imported by the background pass that uses them, not before the main window's first page.


@dataclass(frozen=True)
class ExchangeState:
    online: bool
    pending: int
    to_fix: int
    receipts: ReceiptsResult | None
    problems: tuple[str, ...] = ()  # a linked exchange folder: that part was skipped


class ExchangeWatcher(QObject):
    """Scans the inbox, delivers pending messages, counts what the status bar shows."""

    scanned = Signal(object)  # ExchangeState
    failed = Signal(str)

    def __init__(self, ctx: GuiContext, *, interval_ms: int = 30_000, training: bool = False,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.training = training
        self._job: JobHandle | None = None
        self._again = False
        self.transport: ExchangeFolderTransport | None = None
        self.fs_watcher = QFileSystemWatcher(self)
        self.timer = QTimer(self)
        self.timer.setInterval(interval_ms)
        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(700)  # let the client finish writing a burst of files
        self.fs_watcher.directoryChanged.connect(self._on_fs_watcher_directory_changed)
        self.timer.timeout.connect(self.scan)
        self._debounce.timeout.connect(self.scan)
        # A receipt still being written is left in the inbox: look again once it has settled.
        self.settle_timer = QTimer(self)
        self.settle_timer.setSingleShot(True)
        self.settle_timer.timeout.connect(self.scan)
        self.simulator: CustomsSimulator | None = None

    def start(self) -> None:
        self.reload_settings()
        self.timer.start()
        self.scan()

    def stop(self) -> None:
        self.timer.stop()
        self._debounce.stop()
        self.settle_timer.stop()

    def reload_settings(self) -> None:
        with self.ctx.transaction() as session:
            values = settings_service.all_settings(session)
        try:
            from app.submission.exchange import transport_from_settings

            self.transport = transport_from_settings(values)
        except UserFacingError:
            self.transport = None
        if self.fs_watcher.directories():
            self.fs_watcher.removePaths(self.fs_watcher.directories())
        if self.transport is not None and self.transport.available():
            self.fs_watcher.addPath(str(self.transport.inbox))
        if self.training and self.transport is not None:
            from app.submission.simulator import CustomsSimulator

            self.simulator = CustomsSimulator(self.transport, reject_rate=0.15, seed=7,
                                              tax_mismatch_rate=0.1)

    def _on_fs_watcher_directory_changed(self, _path: str) -> None:
        self._debounce.start()

    @property
    def busy(self) -> bool:
        return self._job is not None

    def scan(self) -> None:
        """Start one background pass (or queue one if a pass is running)."""
        if self._job is not None:
            self._again = True
            return
        sessions, actor, transport, sim = (self.ctx.sessions, self.ctx.actor, self.transport,
                                           self.simulator)
        lang = self.ctx.lang

        def job(progress: Progress, cancel: CancelToken) -> ExchangeState:
            from app.submission import fixqueue, outbound
            from app.submission.exchange_fs import ExchangeSymlinkError
            from app.submission.receipts_job import process_inbox

            receipts = None
            problems: list[str] = []
            online = transport is not None and transport.available()
            if transport is not None and online:
                # Roles without these rights (admin) only see the counts. A linked outbox
                # stops the delivery, not the receipts (and the other way round).
                if actor.can(Permission.SUBMIT):
                    try:
                        outbound.deliver_pending(sessions, actor, transport, cancel=cancel)
                    except ExchangeSymlinkError as exc:
                        problems.append(exc.text(lang))
                if sim is not None:
                    sim.run_once()
                if actor.can(Permission.RECEIPTS):
                    try:
                        receipts = process_inbox(sessions, actor, transport, cancel=cancel)
                    except ExchangeSymlinkError as exc:
                        problems.append(exc.text(lang))
            with sessions() as session:
                pending = outbound.pending_count(session)
                to_fix = fixqueue.rejected_count(session)
            return ExchangeState(online, pending, to_fix, receipts, tuple(problems))

        self._job = run_job(job, on_finished=self._on_job_finished,
                            on_failed=self._on_job_failed, on_cancelled=self._on_job_done,
                            parent=self)

    def _on_job_finished(self, state: ExchangeState) -> None:
        self._on_job_done()
        if (self.transport is not None and state.online
                and str(self.transport.inbox) not in self.fs_watcher.directories()):
            self.fs_watcher.addPath(str(self.transport.inbox))
        if state.receipts is not None and state.receipts.waiting and self.transport is not None:
            self.settle_timer.start(int(self.transport.settle_seconds * 1000) + 500)
        self.scanned.emit(state)

    def _on_job_failed(self, exc: BaseException) -> None:
        self._on_job_done()
        self.failed.emit(exc.text(self.ctx.lang) if isinstance(exc, UserFacingError)
                         else str(exc))

    def _on_job_done(self) -> None:
        self._job = None
        if self._again:
            self._again = False
            self.scan()
