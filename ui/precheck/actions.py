"""Pre-check in the main window: a "Check" action (selected declarations, else every editable
one) run off the GUI thread with progress and Cancel, a side panel grouping problems by code
(click filters the grid), and a panel listing the selected declaration's problems where
warnings can be acknowledged with a reason."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, QRunnable, Qt, QThreadPool, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QDockWidget,
    QMessageBox,
    QProgressDialog,
    QPushButton,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy import select

from app.db.models import Declaration
from app.domain.errors import Cancelled, UserFacingError
from app.domain.status import EDITABLE_STATUSES
from app.i18n import Message, render, translate
from app.jobs.base import CancelToken
from ui.precheck.widgets import ProblemListWidget, ProblemsPanel

if TYPE_CHECKING:
    from app.precheck.service import CheckSummary
    from app.rules.problem import StoredProblem
    from ui.main_window import MainWindow


class _Signals(QObject):
    progressed = Signal(int, int)
    finished = Signal(object)  # CheckSummary
    failed = Signal(object)  # exception


class CheckJob(QRunnable):
    """Runs check_declarations in its own session on a pool thread."""

    def __init__(self, window: MainWindow, ids: list[int] | None) -> None:
        super().__init__()
        self.window = window
        self.ids = ids
        self.cancel = CancelToken()
        self.signals = _Signals()

    def run(self) -> None:
        # The check job and its rules are imported by the first check, not before the main
        # window's first page.
        from app.precheck.service import check_declarations

        try:
            with self.window.ctx.transaction() as session:
                ids = self.ids if self.ids is not None else list(session.execute(
                    select(Declaration.id).where(Declaration.status.in_(
                        [s.value for s in EDITABLE_STATUSES]))).scalars())
                summary = check_declarations(session, self.window.ctx.actor, ids,
                                             progress=self._progress, cancel=self.cancel,
                                             report=False)
        except Exception as exc:  # delivered to the GUI thread, shown there
            self.signals.failed.emit(exc)
            return
        self.signals.finished.emit(summary)

    def _progress(self, done: int, total: int, message: str = "") -> None:
        self.signals.progressed.emit(done, total)


class PrecheckController(QObject):
    """Owns the pre-check actions and panels of one main window."""

    checked = Signal(object)  # CheckSummary, after a run finished

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.lang = window.ctx.lang
        self.pool = QThreadPool.globalInstance()
        self._job: CheckJob | None = None
        # Seams tests replace instead of clicking modal dialogs.
        self.ask_reason: Callable[[Message], str | None] = self._ask_reason
        self.show_error: Callable[[str], None] = self._show_error
        self._build_ui()
        self._connect_signals()
        window.after_first_page(self.refresh_panels)

    def _build_ui(self) -> None:
        w = self.window
        self.action_check = QAction(translate("&Check declarations", self.lang), w)
        self.action_check.setObjectName("action_precheck")
        self.action_check.setShortcut(QKeySequence("F7"))
        self.action_check.setToolTip(translate("Pre-check the selected declarations (all "
                                              "editable ones when none is selected)", self.lang))
        w.menus["declarations"].addAction(self.action_check)
        w.toolbar.addAction(self.action_check)

        self.panel = ProblemsPanel(self.lang)
        self.panel_dock = QDockWidget(translate("Problems", self.lang), w)
        self.panel_dock.setObjectName("dock_problems_by_code")
        self.panel_dock.setWidget(self.panel)
        w.addDockWidget(Qt.DockWidgetArea.LeftDockWidgetArea, self.panel_dock)

        box = QWidget()
        self.problem_list = ProblemListWidget(self.lang)
        self.ack_button = QPushButton(translate("Acknowledge warning…", self.lang))
        self.ack_button.setObjectName("ack_warning_button")
        self.ack_button.setEnabled(False)
        layout = QVBoxLayout(box)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.problem_list)
        layout.addWidget(self.ack_button)
        self.detail_dock = QDockWidget(
            translate("Problems of the selected declaration", self.lang), w)
        self.detail_dock.setObjectName("dock_declaration_problems")
        self.detail_dock.setWidget(box)
        w.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, self.detail_dock)
        # A few lines of problems under the grid; the grid keeps the room.
        w.resizeDocks([self.detail_dock], [150], Qt.Orientation.Vertical)
        self._shown: list[StoredProblem] = []

    def _connect_signals(self) -> None:
        self.action_check.triggered.connect(self._on_action_check_triggered)
        self.panel.code_selected.connect(self._on_panel_code_selected)
        self.window.data_changed.connect(self.refresh_panels)
        self.window.filter_applied.connect(self.refresh_panels)
        # A new filter or sort resets the grid without a selectionChanged: clear the pane.
        self.window.model.modelReset.connect(self._show_selected)
        self.window.table.selectionModel().selectionChanged.connect(
            self._on_table_selection_changed)
        self.problem_list.currentRowChanged.connect(self._on_problem_list_current_row_changed)
        self.ack_button.clicked.connect(self._on_ack_button_clicked)

    # --- running a check ----------------------------------------------------------------
    def start_check(self, ids: list[int] | None) -> CheckJob:
        job = CheckJob(self.window, ids)
        self._job = job
        self.progress = QProgressDialog(translate("Checking declarations…", self.lang),
                                        translate("Cancel", self.lang), 0, 0, self.window)
        self.progress.setObjectName("precheck_progress")
        self.progress.setWindowModality(Qt.WindowModality.WindowModal)
        self.progress.setMinimumDuration(500)
        self.progress.canceled.connect(job.cancel.cancel)
        job.signals.progressed.connect(self._on_job_progressed)
        job.signals.finished.connect(self._on_job_finished)
        job.signals.failed.connect(self._on_job_failed)
        self.action_check.setEnabled(False)
        self.pool.start(job)
        return job

    def _on_action_check_triggered(self) -> None:
        ids = self.window.selected_ids()
        self.start_check(ids or None)

    def _on_job_progressed(self, done: int, total: int) -> None:
        self.progress.setMaximum(total)
        self.progress.setValue(done)

    def _on_job_finished(self, summary: CheckSummary) -> None:
        self._end_job()
        self.window.statusBar().showMessage(render(Message(
            "Checked {checked}: {passed} passed, {failed} with errors.",
            {"checked": summary.checked, "passed": summary.passed,
             "failed": summary.failed}), self.lang), 8000)
        self.window.data_changed.emit()
        self.checked.emit(summary)

    def _on_job_failed(self, exc: BaseException) -> None:
        self._end_job()
        if isinstance(exc, Cancelled):
            return
        if isinstance(exc, UserFacingError):
            self.show_error(exc.text(self.lang))
            return
        raise exc  # reaches the crash dialog through the excepthook

    def _end_job(self) -> None:
        self.progress.reset()
        self.action_check.setEnabled(True)
        self._job = None

    # --- panels -------------------------------------------------------------------------
    def refresh_panels(self) -> None:
        if getattr(self.window, "closed", False):
            return
        # The problem queries are imported with the first refresh, after the first page.
        from app.precheck.problems import problem_counts

        with self.window.ctx.transaction(write=False) as session:
            counts, total = problem_counts(session, self.window.ctx.actor,
                                           self.window.current_filter())
        self.panel.set_counts(counts, total)
        self._show_selected()

    def _on_panel_code_selected(self, code: str) -> None:
        overrides: dict[str, Any] = self.window.filter_overrides
        if code:
            overrides["problem_code"] = code
        else:
            overrides.pop("problem_code", None)
        self.window.apply_filter()

    def _on_table_selection_changed(self, *_args: object) -> None:
        self._show_selected()

    def _show_selected(self) -> None:
        ids = self.window.selected_ids()
        if len(ids) != 1:
            self._shown = []
        else:
            from app.precheck.problems import declaration_problems

            with self.window.ctx.transaction() as session:
                self._shown = declaration_problems(session, self.window.ctx.actor, ids[0])
        self.problem_list.set_problems(self._shown)
        self.ack_button.setEnabled(False)

    def _current_problem(self) -> StoredProblem | None:
        from app.rules.problem import StoredProblem

        problem = self.problem_list.current_problem()
        return problem if isinstance(problem, StoredProblem) else None

    def _on_problem_list_current_row_changed(self, _row: int) -> None:
        problem = self._current_problem()
        self.ack_button.setEnabled(problem is not None and problem.severity == "warning"
                                   and not problem.acknowledged)

    def _on_ack_button_clicked(self) -> None:
        problem = self._current_problem()
        if problem is None or problem.id is None:
            return
        reason = self.ask_reason(problem.message)
        if not reason:
            return
        from app.precheck.problems import acknowledge_warning

        try:
            with self.window.ctx.transaction() as session:
                acknowledge_warning(session, self.window.ctx.actor, problem.id, reason)
        except UserFacingError as exc:
            self.show_error(exc.text(self.lang))
            return
        self.window.data_changed.emit()

    def _ask_reason(self, message: Message) -> str | None:
        from ui.precheck.ack_dialog import AcknowledgeWarningDialog

        dialog = AcknowledgeWarningDialog(message, self.lang, self.window)
        return dialog.reason() if dialog.exec() else None

    def _show_error(self, text: str) -> None:
        QMessageBox.warning(self.window, translate("Pre-check", self.lang), text)


def install(window: MainWindow) -> None:
    window.precheck = PrecheckController(window)  # type: ignore[attr-defined]
