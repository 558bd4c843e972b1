"""The Reports dialog: choose range, filters and language, export with progress and Cancel,
then open the file."""

from __future__ import annotations

import sys
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from PySide6.QtCore import QDate, QUrl
from PySide6.QtGui import QCloseEvent, QDesktopServices
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.domain.clock import beijing_now
from app.domain.errors import UserFacingError, ValidationError
from app.i18n import LANGUAGES
from app.jobs.base import CancelToken, Progress
from app.reports.choices import report_choices
from app.reports.detail import export_declarations, export_time_stamp
from app.reports.evidence import export_evidence
from app.reports.evidence_sources import default_sources
from app.reports.summary import export_summary
from app.reports.summary_data import SummaryScope
from app.security.context import Permission
from app.services import settings as settings_service
from app.services.queries import DeclarationFilter
from ui import file_dialogs
from ui.context import GuiContext
from ui.date_box import DateBox
from ui.workers import JobHandle, run_job

KINDS = ("summary", "declarations", "evidence")


def _pydate(q: QDate) -> date:
    return date(q.year(), q.month(), q.day())


class ReportDialog(QDialog):
    """One dialog for the three exports; `kind` is "summary", "declarations" or "evidence"."""

    def __init__(self, ctx: GuiContext, kind: str, grid_filter: DeclarationFilter | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        assert kind in KINDS
        self.ctx, self.kind, self.grid_filter = ctx, kind, grid_filter or DeclarationFilter()
        self.handle: JobHandle | None = None
        self.result_path: Path | None = None
        # Seams that tests replace instead of driving modal dialogs.
        self.choose_file: Callable[[str], str] = self._choose_file
        self.open_file: Callable[[Path], None] = self._open_file
        self.show_error: Callable[[str], None] = self._show_error
        with ctx.transaction(write=False) as session:
            self.choices = report_choices(session, ctx.actor)
        self._build_ui()
        self._connect_signals()

    # --- building -----------------------------------------------------------------------
    def _build_ui(self) -> None:
        titles = {"summary": self.tr("Summary workbook"),
                  "declarations": self.tr("Export declarations"),
                  "evidence": self.tr("Export evidence pack")}
        self.setWindowTitle(titles[self.kind])
        self.setObjectName(f"report_dialog_{self.kind}")
        self.setMinimumWidth(520)
        form = QFormLayout()
        today = beijing_now().date()

        self.grid_check = QCheckBox(self.tr("Only the declarations of the current grid filter"),
                                    self)
        self.grid_check.setVisible(self.kind == "declarations")
        self.grid_check.setChecked(True)
        self.from_edit = DateBox(today - timedelta(days=6), self)
        self.to_edit = DateBox(today, self)
        self.platform_combo = QComboBox(self)
        self.platform_combo.addItem(self.tr("All platforms"), None)
        for p in self.choices.platforms:
            self.platform_combo.addItem(p, p)
        self.batch_combo = QComboBox(self)
        if self.kind != "evidence":
            self.batch_combo.addItem(self.tr("All batches"), None)
        for batch_id, batch_no in self.choices.batches:
            self.batch_combo.addItem(batch_no, batch_id)
        may_unmask = self.ctx.actor.can(Permission.UNMASK)
        self.unmask_check = QCheckBox(self.tr("Show full ID numbers and phones (audited)"), self)
        self.unmask_check.setEnabled(may_unmask)
        self.unmask_reason = QLineEdit(self)
        self.unmask_reason.setPlaceholderText(self.tr("Reason, e.g. the customs audit request"))
        self.unmask_reason.setEnabled(False)
        for w in (self.unmask_check, self.unmask_reason):
            w.setVisible(self.kind == "declarations")
        self.lang_combo = QComboBox(self)
        names = {"zh_CN": "简体中文", "en": "English"}
        for lang in LANGUAGES:
            self.lang_combo.addItem(names.get(lang, lang), lang)
        self.lang_combo.setCurrentIndex(max(self.lang_combo.findData(self.ctx.lang), 0))
        self.file_edit = QLineEdit(self)
        self.file_edit.setText(self._suggested_path())
        self.browse_button = QPushButton(self.tr("Browse…"), self)
        file_row = QHBoxLayout()
        file_row.addWidget(self.file_edit, 1)
        file_row.addWidget(self.browse_button)

        if self.kind == "declarations":
            form.addRow(self.grid_check)
        if self.kind != "evidence":
            form.addRow(self.tr("From:"), self.from_edit)
            form.addRow(self.tr("To:"), self.to_edit)
            form.addRow(self.tr("Platform:"), self.platform_combo)
        else:  # kept for a uniform API, never shown
            for w in (self.from_edit, self.to_edit, self.platform_combo):
                w.setVisible(False)
        form.addRow(self.tr("Batch:"), self.batch_combo)
        if self.kind == "declarations":
            form.addRow(self.unmask_check)
            form.addRow(self.tr("Reason:"), self.unmask_reason)
        form.addRow(self.tr("Language:"), self.lang_combo)
        form.addRow(self.tr("File:"), file_row)

        self.progress_bar = QProgressBar(self)
        self.progress_bar.setVisible(False)
        self.status_label = QLabel(self)
        self.status_label.setWordWrap(True)
        self.buttons = QDialogButtonBox(self)
        self.export_button = self.buttons.addButton(self.tr("Export"),
                                                    QDialogButtonBox.ButtonRole.AcceptRole)
        self.export_button.setDefault(True)
        self.open_button = self.buttons.addButton(self.tr("Open file"),
                                                  QDialogButtonBox.ButtonRole.ActionRole)
        self.open_button.setVisible(False)
        self.cancel_button = self.buttons.addButton(self.tr("Close"),
                                                    QDialogButtonBox.ButtonRole.RejectRole)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.progress_bar)
        layout.addWidget(self.status_label)
        layout.addWidget(self.buttons)
        self._update_enabled()

    def _connect_signals(self) -> None:
        self.export_button.clicked.connect(self.start_export)
        self.open_button.clicked.connect(self._on_open_button_clicked)
        self.cancel_button.clicked.connect(self._on_cancel_button_clicked)
        self.browse_button.clicked.connect(self._on_browse_button_clicked)
        self.grid_check.toggled.connect(self._update_enabled)
        self.unmask_check.toggled.connect(self.unmask_reason.setEnabled)

    def _update_enabled(self) -> None:
        use_grid = self.kind == "declarations" and self.grid_check.isChecked()
        for w in (self.from_edit, self.to_edit, self.platform_combo, self.batch_combo):
            w.setEnabled(not use_grid)

    def _suggested_path(self) -> str:
        folder = file_dialogs.last_folder("export")  # where the last export went
        stamp = export_time_stamp(beijing_now())  # the same clock as the dates in it
        ext = "zip" if self.kind == "evidence" else "xlsx"
        return str(Path(folder) / f"ClearDesk-{self.kind}-{stamp}.{ext}")

    # --- the job ------------------------------------------------------------------------
    def scope(self) -> SummaryScope:
        return SummaryScope(_pydate(self.from_edit.date()), _pydate(self.to_edit.date()),
                            self.platform_combo.currentData(), self.batch_combo.currentData())

    def declaration_filter(self) -> DeclarationFilter:
        if self.grid_check.isChecked():
            return self.grid_filter
        return DeclarationFilter(created_from=_pydate(self.from_edit.date()),
                                 created_to=_pydate(self.to_edit.date()),
                                 platform=self.platform_combo.currentData(),
                                 batch_id=self.batch_combo.currentData())

    def _job(self) -> Callable[[Progress, CancelToken], Any]:
        ctx, target = self.ctx, Path(self.file_edit.text().strip())
        lang = str(self.lang_combo.currentData())
        if self.kind == "summary":
            scope = self.scope()

            def summary(progress: Progress, cancel: CancelToken) -> Path:
                with ctx.transaction() as s:
                    return export_summary(s, ctx.actor, scope, target, lang=lang,
                                          progress=progress, cancel=cancel).path
            return summary
        if self.kind == "declarations":
            flt = self.declaration_filter()
            reason = self.unmask_reason.text() if self.unmask_check.isChecked() else None

            def declarations(progress: Progress, cancel: CancelToken) -> Path:
                with ctx.transaction() as s:
                    return export_declarations(s, ctx.actor, flt, target, lang=lang,
                                               unmask_reason=reason, progress=progress,
                                               cancel=cancel).path
            return declarations
        batch_id = self.batch_combo.currentData()
        if batch_id is None:
            raise ValidationError("Choose a batch.")

        def evidence(progress: Progress, cancel: CancelToken) -> Path:
            with ctx.transaction() as s:
                exchange = settings_service.all_settings(s).get("exchangeDir") or None
                return export_evidence(s, ctx.actor, str(batch_id), target,
                                       default_sources(exchange), lang=lang,
                                       progress=progress, cancel=cancel).path
        return evidence

    def start_export(self) -> None:
        if self.handle is not None:
            return
        try:
            job = self._job()
        except UserFacingError as exc:
            self.show_error(exc.text(self.ctx.lang))
            return
        self.result_path = None
        self.open_button.setVisible(False)
        self.export_button.setEnabled(False)
        self.cancel_button.setText(self.tr("Cancel"))
        self.progress_bar.setVisible(True)
        self.progress_bar.setRange(0, 0)
        self.status_label.setText(self.tr("Exporting…"))
        self.handle = run_job(job, on_finished=self._on_job_finished,
                              on_failed=self._on_job_failed,
                              on_cancelled=self._on_job_cancelled)
        self.handle.progress.connect(self._on_job_progress)
        self.handle.ended.connect(self._on_job_ended)

    def _on_job_progress(self, done: int, total: int, message: str) -> None:
        if total > 0:
            self.progress_bar.setRange(0, total)
            self.progress_bar.setValue(min(done, total))
        if message:
            self.status_label.setText(message)

    def _on_job_finished(self, path: object) -> None:
        assert isinstance(path, Path)
        self.result_path = path
        self.progress_bar.setRange(0, 1)
        self.progress_bar.setValue(1)
        self.status_label.setText(self.tr("Saved {file}").format(file=str(path)))
        self.open_button.setVisible(True)

    def _on_job_failed(self, exc: BaseException) -> None:
        self.progress_bar.setVisible(False)
        self.status_label.clear()
        if isinstance(exc, UserFacingError):
            self.show_error(exc.text(self.ctx.lang))
        else:
            sys.excepthook(type(exc), exc, exc.__traceback__)

    def _on_job_cancelled(self) -> None:
        self.progress_bar.setVisible(False)
        self.status_label.setText(self.tr("Export cancelled; no file was written."))

    def _on_job_ended(self) -> None:
        self.handle = None
        self.export_button.setEnabled(True)
        self.cancel_button.setText(self.tr("Close"))

    # --- buttons ------------------------------------------------------------------------
    def _on_cancel_button_clicked(self) -> None:
        if self.handle is not None:
            self.handle.cancel()
            self.status_label.setText(self.tr("Cancelling…"))
        else:
            self.reject()

    def _on_open_button_clicked(self) -> None:
        if self.result_path is not None:
            self.open_file(self.result_path)

    def _on_browse_button_clicked(self) -> None:
        chosen = self.choose_file(self.file_edit.text())
        if chosen:
            self.file_edit.setText(chosen)

    def _choose_file(self, suggested: str) -> str:
        filters = {"summary": self.tr("Excel workbook (*.xlsx)"),
                   "declarations": self.tr("Excel workbook (*.xlsx);;CSV, UTF-8 (*.csv)"),
                   "evidence": self.tr("ZIP archive (*.zip)")}
        return file_dialogs.save_file(self, self.windowTitle(), suggested, filters[self.kind],
                                      "export")

    def _open_file(self, path: Path) -> None:
        QDesktopServices.openUrl(QUrl.fromLocalFile(str(path)))

    def _show_error(self, text: str) -> None:
        QMessageBox.warning(self, self.windowTitle(), text)

    def closeEvent(self, event: QCloseEvent) -> None:
        if self.handle is not None:  # closing stops the export; it leaves no file behind
            self.handle.cancel()
        event.accept()
