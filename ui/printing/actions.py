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

from app.domain.errors import UserFacingError
from app.domain.status import DeclarationStatus
from app.i18n import translate
from app.security.context import Permission
from ui.workers import JobHandle, run_with_progress

if TYPE_CHECKING:
    from app.documents.fonts import MissingGlyph
    from app.services.printing import PrintCheck, PrintOutcome, Selection
    from ui.main_window import MainWindow
    from ui.printing.routes import RoutesDialog
# The printing services (PDF, fonts, barcodes) and the preview are imported when something
# is printed: the main window's first page does not wait for them.

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


PRINT_ALL, PRINT_OTHERS, PRINT_NONE = "all", "others", "cancel"


def confirm_held(parent: QWidget, counts: dict[str, int]) -> str:
    """Labels asked for rejected / cancelled / not yet accepted parcels: PRINT_ALL,
    PRINT_OTHERS (only the parcels not listed) or PRINT_NONE."""
    lines = [f"{translate(DeclarationStatus(status).label, _lang(parent))}: {count}"
             for status, count in counts.items()]
    box = QMessageBox(QMessageBox.Icon.Warning, parent.tr("Parcels not accepted by customs"),
                      parent.tr("These parcels are rejected, cancelled or not yet accepted by "
                                "customs. Print their labels anyway?") + "\n\n"
                      + "\n".join(lines), parent=parent)
    anyway = box.addButton(parent.tr("Print anyway"), QMessageBox.ButtonRole.AcceptRole)
    others = box.addButton(parent.tr("Only the others"), QMessageBox.ButtonRole.AcceptRole)
    box.addButton(QMessageBox.StandardButton.Cancel)
    box.setDefaultButton(others)
    box.exec()
    clicked = box.clickedButton()
    return PRINT_ALL if clicked is anyway else PRINT_OTHERS if clicked is others else PRINT_NONE


def confirm_unknown_destinations(parent: QWidget, count: int) -> bool:
    answer = QMessageBox.warning(
        parent, parent.tr("Addresses that could not be read"),
        parent.tr("The destination of {count} parcel(s) could not be read from the address; "
                  "their labels will say “address not recognised” and need sorting by hand. "
                  "Print anyway?").format(count=count),
        QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
        QMessageBox.StandardButton.No,
    )
    return answer == QMessageBox.StandardButton.Yes


def _lang(widget: QWidget) -> str:
    window = widget.window()
    ctx = getattr(window, "ctx", None)
    return str(getattr(ctx, "lang", "en"))


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


def show_routes(dialog: RoutesDialog) -> None:
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.open()


def show_preview(parent: QWidget, path: str, title: str) -> None:
    from ui.printing.preview import PdfPreviewDialog

    dialog = PdfPreviewDialog(path, title, parent)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.open()


def send_to_printer(parent: QWidget, path: str) -> bool:
    """Print `path` on the system's default printer without asking; False when there is none."""
    from PySide6.QtPrintSupport import QPrinterInfo

    if QPrinterInfo.defaultPrinter().isNull():
        return False
    from ui.printing.preview import PdfPreviewDialog

    dialog = PdfPreviewDialog(path, Path(path).stem, parent)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    printer = dialog.make_printer()
    printer.setPrinterName(QPrinterInfo.defaultPrinter().printerName())
    dialog.printed.connect(dialog.close)
    dialog.print_to(printer)
    return True


class PrintActions(QObject):
    """Owns the Print actions of one main window."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.confirm_missing_glyphs: Callable[[QWidget, tuple[MissingGlyph, ...]], bool] = (
            confirm_missing_glyphs)
        self.ask_reprint_reason: Callable[[QWidget, int], str | None] = ask_reprint_reason
        self.confirm_held: Callable[[QWidget, dict[str, int]], str] = confirm_held
        self.confirm_unknown_destinations: Callable[[QWidget, int], bool] = (
            confirm_unknown_destinations)
        self.ask_batch: Callable[[QWidget, list[str]], str | None] = ask_batch
        self.show_error: Callable[[QWidget, str], None] = show_error
        self.show_preview: Callable[[QWidget, str, str], None] = show_preview
        self.show_routes: Callable[[RoutesDialog], None] = show_routes
        self.handle: JobHandle | None = None
        self.direct = False  # the next PDF goes straight to the default printer
        self.send_to_printer: Callable[[QWidget, str], bool] = send_to_printer
        # The PDFs printed from this window (labels carry names, addresses and telephones):
        # made at the first print, removed when the window closes.
        self._folder: tempfile.TemporaryDirectory[str] | None = None
        window.closing.connect(self.remove_printed)
        self._build_actions()

    def _build_actions(self) -> None:
        w = self.window
        self.action_labels = QAction(w.tr("Labels for selection…"), w)
        self.action_labels.setShortcut(QKeySequence.StandardKey.Print)
        self.action_labels_batch = QAction(w.tr("Labels for a batch…"), w)
        self.action_customs = QAction(w.tr("CN22/CN23 for selection…"), w)
        self.action_manifest = QAction(w.tr("Manifest for a batch…"), w)
        menu = w.menus["print"]
        for action in (self.action_labels, self.action_labels_batch, self.action_customs,
                       self.action_manifest):
            menu.addAction(action)
        w.toolbar.addAction(self.action_labels)
        self.action_routes = QAction(w.tr("Route table…"), w)
        self.action_routes.setObjectName("action_routes")
        self.action_routes.setProperty("permission", Permission.ROUTES.value)
        w.menus["admin"].addAction(self.action_routes)
        # The security area hid forbidden actions before this area was installed.
        self.action_routes.setVisible(w.ctx.actor.can(Permission.ROUTES))
        self.action_routes.triggered.connect(self._on_action_routes_triggered)
        self.action_labels.triggered.connect(self._on_action_labels_triggered)
        self.action_labels_batch.triggered.connect(self._on_action_labels_batch_triggered)
        self.action_customs.triggered.connect(self._on_action_customs_triggered)
        self.action_manifest.triggered.connect(self._on_action_manifest_triggered)

    # --- triggers --------------------------------------------------------------------
    def _on_action_labels_triggered(self) -> None:
        from app.services.printing import LABEL

        self.print_parcels(self._selection(), LABEL)

    def _on_action_labels_batch_triggered(self) -> None:
        from app.services.printing import LABEL, Selection

        batch = self.ask_batch(self.window, self._batches())
        if batch:
            self.print_parcels(Selection(batch_no=batch), LABEL)

    def _on_action_customs_triggered(self) -> None:
        from app.services.printing import CUSTOMS

        self.print_parcels(self._selection(), CUSTOMS)

    def _on_action_routes_triggered(self) -> None:
        from ui.printing.routes import RoutesDialog

        self.show_routes(RoutesDialog(self.window.ctx, self.window))

    def _on_action_manifest_triggered(self) -> None:
        batch = self.ask_batch(self.window, self._batches())
        if batch:
            self.print_manifest(batch)

    def print_label(self, declaration_id: int) -> None:
        """The scan station's hook: print one scanned parcel's label straight away.

        With a default printer the label goes to it without a dialog (one label per scan on
        the parcel floor); otherwise the preview opens.
        """
        from app.services.printing import LABEL, Selection

        self.direct = True
        self.print_parcels(Selection(ids=(declaration_id,)), LABEL)

    # --- flows -----------------------------------------------------------------------
    def print_parcels(self, selection: Selection | None, document: str) -> None:
        """Pre-flight off the GUI thread, then the questions, then the PDF."""
        if selection is None:
            return
        sessions, actor = self.window.ctx.sessions, self.window.ctx.actor
        from app.services.printing import check_print

        def check(progress: Any, cancel: Any) -> PrintCheck:
            with sessions() as session:
                return check_print(session, actor, selection, document)

        self.handle = run_with_progress(
            self.window, self.window.tr("Checking what will be printed…"), check,
            on_finished=self._on_check_finished, on_failed=self._on_job_failed,
        )

    def _on_check_finished(self, check: PrintCheck) -> None:
        from app.services.printing import LABEL, Selection, print_customs_forms, print_labels

        if check.missing_glyphs and not self.confirm_missing_glyphs(self.window,
                                                                    check.missing_glyphs):
            return
        ids = check.ids
        force = False
        if check.held:
            answer = self.confirm_held(self.window,
                                       {status: len(held) for status, held in check.held.items()})
            if answer == PRINT_NONE:
                return
            if answer == PRINT_OTHERS:
                skipped = {i for held in check.held.values() for i in held}
                ids = tuple(i for i in ids if i not in skipped)
                if not ids:
                    self.show_error(self.window, self.window.tr("No other parcels to print."))
                    return
            force = answer == PRINT_ALL
        unknown = set(check.unknown_destinations) & set(ids)
        if unknown and not self.confirm_unknown_destinations(self.window, len(unknown)):
            return
        reason: str | None = None
        again = set(check.already_printed) & set(ids)
        if again:
            reason = self.ask_reprint_reason(self.window, len(again))
            if reason is None:
                return
        actor = self.window.ctx.actor
        target = self._target(check.document)
        ids_selection = Selection(ids=ids)
        if check.document == LABEL:
            def job(session: Any, progress: Any, cancel: Any) -> PrintOutcome:
                return print_labels(session, actor, ids_selection, target,
                                    reprint_reason=reason, progress=progress, cancel=cancel,
                                    force=force)
            title = self.window.tr("Labels")
        else:
            def job(session: Any, progress: Any, cancel: Any) -> PrintOutcome:
                return print_customs_forms(session, actor, ids_selection, target,
                                           reprint_reason=reason, progress=progress,
                                           cancel=cancel)
            title = self.window.tr("Customs declarations")
        self._run(job, title)

    def print_manifest(self, batch_no: str) -> None:
        from app.services.printing import print_manifest

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
        direct, self.direct = self.direct, False
        if direct and self.send_to_printer(self.window, outcome.file):
            return
        self.show_preview(self.window, outcome.file, title)

    def _on_job_failed(self, error: BaseException) -> None:
        if isinstance(error, UserFacingError):
            self.show_error(self.window, error.text(self.window.ctx.lang))
            return
        raise error  # a bug: the crash handler shows it

    # --- helpers ---------------------------------------------------------------------
    def _selection(self) -> Selection | None:
        from app.services.printing import Selection

        ids = self.window.selected_ids()
        if not ids:
            self.show_error(self.window, self.window.tr("Select the parcels to print first."))
            return None
        return Selection(ids=tuple(ids))

    def _batches(self) -> list[str]:
        from app.db.models import Batch  # the batch tables: not loaded before the first page

        with self.window.ctx.transaction() as session:
            return list(session.scalars(
                select(Batch.batch_no).order_by(Batch.created_at.desc()).limit(500)))

    def remove_printed(self) -> None:
        """Delete the PDFs this window printed (its temporary folder)."""
        if self._folder is not None:
            self._folder.cleanup()
            self._folder = None

    def _target(self, stem: str) -> Path:
        if self._folder is None:
            self._folder = tempfile.TemporaryDirectory(prefix="cleardesk-print-",
                                                       ignore_cleanup_errors=True)
        folder = Path(self._folder.name)
        count = len(list(folder.glob(f"{stem}-*.pdf"))) + 1
        return folder / f"{stem}-{count}.pdf"


def install(window: MainWindow) -> None:
    actions = PrintActions(window)
    window.print_actions = actions  # type: ignore[attr-defined]
    # The workspace's scan station prints through this hook ("print after each good scan").
    window.print_label = actions.print_label  # type: ignore[attr-defined]
