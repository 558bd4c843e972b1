"""The import wizard: collects a file and its mapping, then runs the import job with a
progress dialog and Cancel, and shows the summary."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QMessageBox, QWidget, QWizard, QWizardPage

from app.domain.errors import UserFacingError
from app.intake import profile_store
from app.intake.grouping import MSG_WEIGHT_CONFLICT
from app.intake.mapping import MappingSpec
from app.intake.preview import FilePreview, preview_file, unfilled_required
from app.intake.readers import list_sheets
from app.intake.service import ImportRequest, ImportSummary, db_lookup, import_file
from app.jobs.base import CancelToken, Progress
from app.reference.store import reference_from_db
from app.reference.tables import ReferenceTables
from app.services.settings import all_settings
from ui.context import GuiContext
from ui.intake.pages import FilePage, MappingPage, PreviewPage, ask_open_path
from ui.intake.summary import ImportSummaryDialog
from ui.workers import JobHandle, run_job, run_with_progress


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


@dataclass(frozen=True)
class FileFacts:
    """What the file page learns about a file: its sheets and the profile fitting it, or
    why it cannot be read."""

    sheets: tuple[str, ...] = ()
    proposal: str | None = None
    problem: UserFacingError | None = None


class ImportWizard(QWizard):
    imported = Signal(object)  # ImportSummary, after a successful import

    def __init__(self, ctx: GuiContext, parent: QWidget | None = None,
                 path: Path | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.lang = ctx.lang
        self.draft = ImportDraft(path=path)
        self.handle: JobHandle | None = None
        # The background read of the file, while it runs (see _in_background).
        self.preview_handle: JobHandle | None = None
        self._generation = 0
        self._busy_page: QWizardPage | None = None
        self._preview_of: tuple[Path | None, str | None, MappingSpec | None] | None = None
        self.summary_dialog: ImportSummaryDialog | None = None
        self._refs: ReferenceTables | None = None
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

    def inspect_file(self, page: FilePage) -> None:
        """List the file's sheets and find the saved profile that fits its header, on a
        worker thread; `page.show_file(FileFacts)` gets the answer."""
        path = self.draft.path
        if path is None:
            self._drop_background()
            return
        ctx = self.ctx

        def job(_progress: Progress, _cancel: CancelToken) -> FileFacts:
            try:
                sheets = list_sheets(path)
            except UserFacingError as exc:
                return FileFacts(problem=exc)
            try:
                preview = preview_file(path, rows=0)
            except UserFacingError:
                return FileFacts(sheets)  # the preview says why when the clerk goes on
            with ctx.transaction() as session:
                return FileFacts(sheets, profile_store.propose_profile(session,
                                                                       preview.headers))

        self._in_background(job, page, page.show_file)

    @property
    def busy(self) -> bool:
        """True while the file is being read in the background (the page is locked)."""
        return self._busy_page is not None

    def analyse(self, sheet: str | None, profile: str | None, header_row: int | None,
                page: QWizardPage) -> bool:
        """Read the header and first rows with the chosen options; False shows why not, or
        that the file is still being read (the wizard then moves on by itself)."""
        self.draft.sheet, self.draft.profile, self.draft.header_row = sheet, profile, header_row
        try:
            with self.ctx.transaction() as session:
                spec = profile_store.get_profile(session, profile) if profile else MappingSpec()
        except UserFacingError as exc:
            self.show_error(page, exc.text(self.lang))
            return False
        self.draft.spec = replace(spec, header_row=header_row or spec.header_row)
        return self._preview_ready(page)

    def remap(self, columns: dict[str, str | None], save_as: str | None,
              page: QWizardPage, *, defaults: Mapping[str, str] | None = None,
              line_weights: str = "agree", direction: str | None = None) -> bool:
        """Take the mapping page's choices: columns, values for missing columns, how
        line weights are read and the direction (import "I" / export "E"); the preview is
        read again with them."""
        assert self.draft.spec is not None
        self.draft.spec = replace(
            self.draft.spec, columns=columns, line_weights=line_weights,
            direction=direction or self.draft.spec.direction,
            defaults=dict(self.draft.spec.defaults if defaults is None else defaults))
        self.draft.save_profile = save_as or None
        return self._preview_ready(page)

    def missing_required(self, columns: dict[str, str | None],
                         defaults: set[str] | None = None) -> tuple[str, ...]:
        """Required fields that no column, value for missing columns, office setting or
        fixed value fills (the pre-check would flag them)."""
        preview = self.draft.preview
        if preview is None:
            return ()
        mapped = {t for t in columns.values() if t}
        if defaults is None:
            defaults = set(self.draft.spec.defaults) if self.draft.spec else set()
        direction = self.draft.spec.direction if self.draft.spec else "I"
        return unfilled_required(mapped | defaults | set(preview.fallbacks), direction)

    def set_direction(self, direction: str) -> None:
        """The clerk chose import ("I") or export ("E") on the mapping page."""
        if self.draft.spec is not None:
            self.draft.spec = replace(self.draft.spec, direction=direction)

    def proposed_line_weights(self) -> str:
        """The profile's choice; "sum" when the file's lines of one order carry different
        weights (the clerk sees the choice on the mapping page and can change it)."""
        spec, preview = self.draft.spec, self.draft.preview
        if spec is not None and spec.line_weights == "sum":
            return "sum"
        if preview is not None and any(e.message.msgid == MSG_WEIGHT_CONFLICT
                                       for e in preview.errors):
            return "sum"
        return spec.line_weights if spec is not None else "agree"

    def reference_tables(self) -> ReferenceTables:
        """The code tables for the completers (read once)."""
        if self._refs is None:
            with self.ctx.transaction() as session:
                self._refs = reference_from_db(session)
        return self._refs

    # --- reading the file in the background ---------------------------------------------
    def _preview_ready(self, page: QWizardPage) -> bool:
        """True when the preview for the current choices has been read. Otherwise the file is
        read on a worker thread while the page shows that it is busy, and False keeps the
        page; once the preview is there the wizard goes on to the next page by itself."""
        wanted = (self.draft.path, self.draft.sheet, self.draft.spec)
        if self.draft.preview is not None and self._preview_of == wanted:
            return True
        if self.busy:
            return False
        path, sheet, spec = wanted
        assert path is not None
        ctx = self.ctx

        def job(_progress: Progress, _cancel: CancelToken) -> FilePreview:
            with ctx.transaction() as session:
                settings = all_settings(session)
                lookup = db_lookup(session)
            return preview_file(path, spec, lookup=lookup, settings=settings, sheet=sheet)

        def read(preview: FilePreview) -> None:
            self.draft.preview = preview
            self._preview_of = wanted
            if self.isVisible() and self.currentPage() is page:
                self.next()  # validates the page again, which now finds the preview

        self._in_background(job, page, read)
        return False

    def _in_background(self, job: Callable[[Progress, CancelToken], Any], page: QWizardPage,
                       done: Callable[[Any], None]) -> None:
        """Run `job` on the worker pool with `page` showing busy; `done(result)` on the GUI
        thread. A newer job makes an older one's result irrelevant (it is dropped)."""
        if self.preview_handle is not None:
            self.preview_handle.cancel()
        self._generation += 1
        generation = self._generation

        def finished(result: Any) -> None:
            if generation == self._generation:
                self._end_busy()
                done(result)

        def failed(error: BaseException) -> None:
            if generation != self._generation:
                return
            self._end_busy()
            if isinstance(error, UserFacingError):
                self.show_error(page, error.text(self.lang))
            else:
                raise error

        def cancelled() -> None:
            if generation == self._generation:
                self._end_busy()

        self._start_busy(page)
        self.preview_handle = run_job(job, parent=self, on_finished=finished, on_failed=failed,
                                      on_cancelled=cancelled)

    def _start_busy(self, page: QWizardPage) -> None:
        if self._busy_page is not None and self._busy_page is not page:
            self._show_busy(self._busy_page, False)
        if self._busy_page is None:
            QGuiApplication.setOverrideCursor(Qt.CursorShape.BusyCursor)
        self._busy_page = page
        self._show_busy(page, True)

    def _end_busy(self) -> None:
        page = self._busy_page
        self.preview_handle = None
        if page is None:
            return
        self._busy_page = None
        QGuiApplication.restoreOverrideCursor()
        self._show_busy(page, False)

    def _show_busy(self, page: QWizardPage, busy: bool) -> None:
        set_busy = getattr(page, "set_busy", None)
        if set_busy is not None:
            set_busy(busy)
        self.button(QWizard.WizardButton.BackButton).setEnabled(
            not busy and self.currentId() != self.startId())
        page.completeChanged.emit()  # Next follows isComplete(), which is False while busy

    def _drop_background(self) -> None:
        """Forget whatever is still being read: its result is of no use any more."""
        if self.preview_handle is not None:
            self.preview_handle.cancel()
        self._generation += 1
        self._end_busy()

    def reject(self) -> None:
        self._drop_background()
        super().reject()

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
