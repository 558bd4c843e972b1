"""Print menu and toolbar: labels / CN22-CN23 for the selection or a batch, batch manifests.

Flow: pre-flight (characters the font cannot draw → ask whether to go on; parcels printed
before → ask for a reason), then the PDF is generated off the GUI thread with a cancellable
progress dialog, then shown in the preview, from which it is printed or saved.
Every question is a seam (a callable attribute of PrintActions) that tests replace.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QInputDialog, QMessageBox, QWidget
from sqlalchemy import select

from app.db.models import Batch
from app.documents.fonts import MissingGlyph
from app.domain.errors import UserFacingError
from app.services.printing import (
    CUSTOMS,
    LABEL,
    PrintOutcome,
    Selection,
    check_print,
    print_customs_forms,
    print_labels,
    print_manifest,
)
from ui.printing.preview import PdfPreviewDialog
from ui.printing.scan_station import ScanStationDialog
from ui.workers import JobHandle, run_with_progress

if TYPE_CHECKING:
    from ui.main_window import MainWindow

MAX_LISTED_GLYPHS = 20


def confirm_missing_glyphs(parent: QWidget, missing: tuple[MissingGlyph, ...]) -> bool:
    lines = [
        parent.tr("Declaration {id}: “{char}” ({code})").format(
            id=m.record_id, char=m.char, code=m.codepoint)
        for m in missing[:MAX_LISTED_GLYPHS]
    ]
    if len(missing) > MAX_LISTED_GLYPHS:
        lines.append("…")
    answer = QMessageBox.warning(
        parent, parent.tr("Characters the printer font cannot draw"),
        parent.tr("These characters will print as empty boxes. Print anyway?") + "\n\n"
        + "\n".join(lines),
        QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
        QMessageBox.StandardButton.No,
    )
    return answer == QMessageBox.StandardButton.Yes


def ask_reprint_reason(parent: QWidget, count: int) -> str | None:
    text, ok = QInputDialog.getText(
        parent, parent.tr("Print again?"),
        parent.tr("{count} parcel(s) were printed before. Reason for printing again:")
        .format(count=count),
    )
    return text.strip() if ok and text.strip() else None


def ask_batch(parent: QWidget, batches: list[str]) -> str | None:
    if not batches:
        QMessageBox.information(parent, parent.tr("Print"), parent.tr("There are no batches."))
        return None
    item, ok = QInputDialog.getItem(parent, parent.tr("Batch"), parent.tr("Batch number:"),
                                    batches, 0, False)
    return item if ok else None


def show_error(parent: QWidget, text: str) -> None:
    QMessageBox.warning(parent, parent.tr("Print"), text)


def show_preview(parent: QWidget, path: str, title: str) -> None:
    dialog = PdfPreviewDialog(path, title, parent)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.open()


class PrintActions(QObject):
    """Owns the Print actions of one main window."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.confirm_missing_glyphs: Callable[[QWidget, tuple[MissingGlyph, ...]], bool] = (
            confirm_missing_glyphs)
        self.ask_reprint_reason: Callable[[QWidget, int], str | None] = ask_reprint_reason
        self.ask_batch: Callable[[QWidget, list[str]], str | None] = ask_batch
        self.show_error: Callable[[QWidget, str], None] = show_error
        self.show_preview: Callable[[QWidget, str, str], None] = show_preview
        self.handle: JobHandle | None = None
        self.scan_station: ScanStationDialog | None = None
        self._folder = tempfile.TemporaryDirectory(prefix="cleardesk-print-")
        self._build_actions()

    def _build_actions(self) -> None:
        w = self.window
        self.action_labels = QAction(w.tr("Labels for selection…"), w)
        self.action_labels.setShortcut(QKeySequence.StandardKey.Print)
        self.action_labels_batch = QAction(w.tr("Labels for a batch…"), w)
        self.action_customs = QAction(w.tr("CN22/CN23 for selection…"), w)
        self.action_manifest = QAction(w.tr("Manifest for a batch…"), w)
        self.action_scan = QAction(w.tr("Scan station…"), w)
        menu = w.menus["print"]
        for action in (self.action_labels, self.action_labels_batch, self.action_customs,
                       self.action_manifest, self.action_scan):
            menu.addAction(action)
        w.toolbar.addAction(self.action_labels)
        self.action_labels.triggered.connect(self._on_action_labels_triggered)
        self.action_labels_batch.triggered.connect(self._on_action_labels_batch_triggered)
        self.action_customs.triggered.connect(self._on_action_customs_triggered)
        self.action_manifest.triggered.connect(self._on_action_manifest_triggered)
        self.action_scan.triggered.connect(self._on_action_scan_triggered)

    # --- triggers --------------------------------------------------------------------
    def _on_action_labels_triggered(self) -> None:
        self.print_parcels(self._selection(), LABEL)

    def _on_action_labels_batch_triggered(self) -> None:
        batch = self.ask_batch(self.window, self._batches())
        if batch:
            self.print_parcels(Selection(batch_no=batch), LABEL)

    def _on_action_customs_triggered(self) -> None:
        self.print_parcels(self._selection(), CUSTOMS)

    def _on_action_manifest_triggered(self) -> None:
        batch = self.ask_batch(self.window, self._batches())
        if batch:
            self.print_manifest(batch)

    def _on_action_scan_triggered(self) -> None:
        dialog = ScanStationDialog(self.window.ctx, self._print_scanned, self.window)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.scan_station = dialog
        dialog.show()

    def _print_scanned(self, ids: tuple[int, ...]) -> None:
        self.print_parcels(Selection(ids=ids), LABEL)

    # --- flows -----------------------------------------------------------------------
    def print_parcels(self, selection: Selection | None, document: str) -> None:
        if selection is None:
            return
        ctx = self.window.ctx
        try:
            with ctx.transaction() as session:
                check = check_print(session, ctx.actor, selection, document)
        except UserFacingError as exc:
            self.show_error(self.window, exc.text(ctx.lang))
            return
        if check.missing_glyphs and not self.confirm_missing_glyphs(self.window,
                                                                    check.missing_glyphs):
            return
        reason: str | None = None
        if check.already_printed:
            reason = self.ask_reprint_reason(self.window, len(check.already_printed))
            if reason is None:
                return
        target = self._target(document)
        ids_selection = Selection(ids=check.ids)
        if document == LABEL:
            def job(session: Any, progress: Any, cancel: Any) -> PrintOutcome:
                return print_labels(session, ctx.actor, ids_selection, target,
                                    reprint_reason=reason, progress=progress, cancel=cancel)
            title = self.window.tr("Labels")
        else:
            def job(session: Any, progress: Any, cancel: Any) -> PrintOutcome:
                return print_customs_forms(session, ctx.actor, ids_selection, target,
                                           reprint_reason=reason, progress=progress,
                                           cancel=cancel)
            title = self.window.tr("Customs declarations")
        self._run(job, title)

    def print_manifest(self, batch_no: str) -> None:
        ctx = self.window.ctx
        target = self._target("manifest")

        def job(session: Any, progress: Any, cancel: Any) -> PrintOutcome:
            return print_manifest(session, ctx.actor, batch_no, target, lang=ctx.lang,
                                  progress=progress, cancel=cancel)

        self._run(job, self.window.tr("Manifest {batch}").format(batch=batch_no))

    def _run(self, job: Any, title: str) -> None:
        sessions = self.window.ctx.sessions

        def in_transaction(progress: Any, cancel: Any) -> PrintOutcome:
            with sessions() as session, session.begin():
                result: PrintOutcome = job(session, progress, cancel)
                return result

        self.handle = run_with_progress(
            self.window, self.window.tr("Preparing the PDF…"), in_transaction,
            on_finished=lambda outcome: self._on_job_finished(outcome, title),
            on_failed=self._on_job_failed,
        )

    def _on_job_finished(self, outcome: PrintOutcome, title: str) -> None:
        self.window.data_changed.emit()
        self.show_preview(self.window, outcome.file, title)

    def _on_job_failed(self, error: BaseException) -> None:
        if isinstance(error, UserFacingError):
            self.show_error(self.window, error.text(self.window.ctx.lang))
            return
        raise error  # a bug: the crash handler shows it

    # --- helpers ---------------------------------------------------------------------
    def _selection(self) -> Selection | None:
        ids = self.window.selected_ids()
        if not ids:
            self.show_error(self.window, self.window.tr("Select the parcels to print first."))
            return None
        return Selection(ids=tuple(ids))

    def _batches(self) -> list[str]:
        with self.window.ctx.transaction() as session:
            return list(session.scalars(
                select(Batch.batch_no).order_by(Batch.created_at.desc()).limit(500)))

    def _target(self, stem: str) -> Path:
        folder = Path(self._folder.name)
        count = len(list(folder.glob(f"{stem}-*.pdf"))) + 1
        return folder / f"{stem}-{count}.pdf"


def install(window: MainWindow) -> None:
    window.print_actions = PrintActions(window)  # type: ignore[attr-defined]
