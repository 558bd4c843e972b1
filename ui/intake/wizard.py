"""The import wizard: collects a file and its mapping, then runs the import job with a
progress dialog and Cancel, and shows the summary."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QMessageBox, QWidget, QWizard

from app.domain.errors import UserFacingError
from app.intake import profile_store
from app.intake.mapping import MappingSpec
from app.intake.preview import FilePreview, preview_file
from app.intake.readers import list_sheets
from app.intake.service import ImportRequest, ImportSummary, db_lookup, import_file
from app.jobs.base import CancelToken, Progress
from app.services.settings import all_settings
from ui.context import GuiContext
from ui.intake.pages import FilePage, MappingPage, PreviewPage, ask_open_path
from ui.intake.summary import ImportSummaryDialog
from ui.workers import JobHandle, run_with_progress


@dataclass
class ImportDraft:
    """What the pages have collected so far."""

    path: Path | None = None
    sheet: str | None = None
    header_row: int | None = None
    profile: str | None = None
    spec: MappingSpec | None = None
    preview: FilePreview | None = None
    save_profile: str | None = None
    all_or_nothing: bool = False


class ImportWizard(QWizard):
    imported = Signal(object)  # ImportSummary, after a successful import

    def __init__(self, ctx: GuiContext, parent: QWidget | None = None,
                 path: Path | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.lang = ctx.lang
        self.draft = ImportDraft(path=path)
        self.handle: JobHandle | None = None
        self.summary_dialog: ImportSummaryDialog | None = None
        # Seams replaced by tests instead of driving modal dialogs.
        self.ask_open_path: Callable[[QWidget, str, str], str] = ask_open_path
        self.show_error: Callable[[QWidget, str], None] = _show_error
        self._build_ui()

    def _build_ui(self) -> None:
        self.setObjectName("import_wizard")
        self.setWindowTitle(self.tr("Import orders"))
        self.setWizardStyle(QWizard.WizardStyle.ClassicStyle)
        self.setOption(QWizard.WizardOption.NoBackButtonOnStartPage, True)
        self.setButtonText(QWizard.WizardButton.FinishButton, self.tr("Import"))
        self.setButtonText(QWizard.WizardButton.BackButton, self.tr("< &Back"))
        self.setButtonText(QWizard.WizardButton.NextButton, self.tr("&Next >"))
        self.setButtonText(QWizard.WizardButton.CancelButton, self.tr("Cancel"))
        self.file_page = FilePage(self)
        self.mapping_page = MappingPage(self)
        self.preview_page = PreviewPage(self)
        for page in (self.file_page, self.mapping_page, self.preview_page):
            self.addPage(page)
        self.resize(900, 600)

    # --- called by the pages ------------------------------------------------------------
    def profile_names(self) -> list[str]:
        with self.ctx.transaction() as session:
            return [p.name for p in profile_store.list_profiles(session)]

    def set_path(self, text: str) -> None:
        self.draft.path = Path(text) if text else None
        self.draft.preview = None

    def sheet_names(self) -> tuple[str, ...]:
        assert self.draft.path is not None
        return list_sheets(self.draft.path)

    def proposed_profile(self) -> str | None:
        try:
            preview = preview_file(self.draft.path, rows=0) if self.draft.path else None
        except UserFacingError:
            return None
        if preview is None:
            return None
        with self.ctx.transaction() as session:
            return profile_store.propose_profile(session, preview.headers)

    def analyse(self, sheet: str | None, profile: str | None, header_row: int | None,
                page: QWidget) -> bool:
        """Read the header and first rows with the chosen options; False shows why not."""
        self.draft.sheet, self.draft.profile, self.draft.header_row = sheet, profile, header_row
        try:
            with self.ctx.transaction() as session:
                spec = profile_store.get_profile(session, profile) if profile else MappingSpec()
            self.draft.spec = replace(spec, header_row=header_row or spec.header_row)
            return self._refresh_preview(page)
        except UserFacingError as exc:
            self.show_error(page, exc.text(self.lang))
            return False

    def remap(self, columns: dict[str, str | None], save_as: str | None, page: QWidget) -> bool:
        assert self.draft.spec is not None
        self.draft.spec = replace(self.draft.spec, columns=columns)
        self.draft.save_profile = save_as or None
        return self._refresh_preview(page)

    def missing_required(self, columns: dict[str, str | None]) -> tuple[str, ...]:
        preview = self.draft.preview
        if preview is None:
            return ()
        mapped = {t for t in columns.values() if t}
        return tuple(t for t in preview.missing_required if t not in mapped)

    def _refresh_preview(self, page: QWidget) -> bool:
        assert self.draft.path is not None
        QGuiApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        try:
            with self.ctx.transaction() as session:
                settings = all_settings(session)
                lookup = db_lookup(session)
            self.draft.preview = preview_file(self.draft.path, self.draft.spec, lookup=lookup,
                                              settings=settings, sheet=self.draft.sheet)
        except UserFacingError as exc:
            self.show_error(page, exc.text(self.lang))
            return False
        finally:
            QGuiApplication.restoreOverrideCursor()
        return True

    # --- importing ----------------------------------------------------------------------
    def request(self) -> ImportRequest:
        assert self.draft.path is not None
        return ImportRequest(path=self.draft.path, mapping=self.draft.spec,
                             profile=self.draft.profile, save_profile=self.draft.save_profile,
                             all_or_nothing=self.draft.all_or_nothing, sheet=self.draft.sheet)

    def accept(self) -> None:
        request = self.request()
        ctx = self.ctx

        def job(progress: Progress, cancel: CancelToken) -> ImportSummary:
            with ctx.transaction() as session:
                return import_file(session, ctx.actor, request, progress=progress,
                                   cancel=cancel)

        self.handle = run_with_progress(self.parentWidget() or self, self.tr("Importing…"),
                                        job, on_finished=self._on_job_finished,
                                        on_failed=self._on_job_failed)
        super().accept()

    def _on_job_finished(self, summary: ImportSummary) -> None:
        self.imported.emit(summary)
        self.summary_dialog = ImportSummaryDialog(summary, self.lang, self.parentWidget())
        self.summary_dialog.show()

    def _on_job_failed(self, error: BaseException) -> None:
        if isinstance(error, UserFacingError):
            self.show_error(self.parentWidget() or self, error.text(self.lang))
        else:
            raise error


def _show_error(parent: QWidget, text: str) -> None:
    QMessageBox.warning(parent, parent.tr("Import"), text)
