"""File ▸ Transfer ▸ Export… / Import…: hand declarations over between sites on a USB stick
(app/transfer), with a summary of what was added, already there, or in conflict."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QMessageBox,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from app.db.migrate import head_revision
from app.domain.errors import UserFacingError
from app.jobs.base import CancelToken, Progress
from app.security.context import Permission
from ui.workers import JobHandle, run_job

if TYPE_CHECKING:
    from app.transfer.export import ExportSummary
    from app.transfer.importer import ImportSummary
    from ui.main_window import MainWindow

FILE_KIND = "transfer"


class TransferSummaryDialog(QDialog):
    """What an export wrote or an import did: counts, then each conflict in words."""

    def __init__(self, parent: QWidget, title: str, rows: list[tuple[str, str]],
                 details: str) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setObjectName("transfer_summary")
        self._build_ui(rows, details)

    def _build_ui(self, rows: list[tuple[str, str]], details: str) -> None:
        layout = QVBoxLayout(self)
        form = QFormLayout()
        self.values: dict[str, QLabel] = {}
        for label, value in rows:
            shown = QLabel(value)
            shown.setObjectName(f"summary_{len(self.values)}")
            self.values[label] = shown
            form.addRow(label, shown)
        layout.addLayout(form)
        self.details = QPlainTextEdit(details)
        self.details.setReadOnly(True)
        self.details.setVisible(bool(details))
        layout.addWidget(self.details)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.resize(560, 360 if details else 200)


class TransferActions:
    """Owns File ▸ Transfer of one main window."""

    def __init__(self, window: MainWindow) -> None:
        self.window = window
        # Seams tests replace: where to write / what to read, and how errors are shown.
        self.choose_export_path: Callable[[], str] = self._ask_export_path
        self.choose_import_path: Callable[[], str] = self._ask_import_path
        self.show_error: Callable[[QWidget, str, str], Any] = QMessageBox.warning
        self.summary: TransferSummaryDialog | None = None
        self.handle: JobHandle | None = None
        allowed = window.ctx.actor.can(Permission.TRANSFER)
        menu = window.menus["file"].addMenu(window.tr("&Transfer"))
        menu.setObjectName("menu_transfer")
        self.export_action = QAction(window.tr("&Export…"), window)
        self.export_action.setObjectName("action_transfer_export")
        self.import_action = QAction(window.tr("&Import…"), window)
        self.import_action.setObjectName("action_transfer_import")
        for action in (self.export_action, self.import_action):
            action.setEnabled(allowed)
            menu.addAction(action)
        self.export_action.triggered.connect(self._on_export_action_triggered)
        self.import_action.triggered.connect(self._on_import_action_triggered)

    def _ask_export_path(self) -> str:
        from app.transfer.pack import SUFFIX
        from ui.file_dialogs import save_file

        return save_file(self.window, self.window.tr("Export for another site"),
                         f"handover{SUFFIX}", self.window.tr("Transfer files (*{suffix})")
                         .format(suffix=SUFFIX), FILE_KIND)

    def _ask_import_path(self) -> str:
        from app.transfer.pack import SUFFIX
        from ui.file_dialogs import open_file

        return open_file(self.window, self.window.tr("Import from another site"),
                         self.window.tr("Transfer files (*{suffix} *.zip)")
                         .format(suffix=SUFFIX), FILE_KIND)

    def export(self) -> JobHandle | None:
        """Export the selected declarations (all of them when none is selected)."""
        path = self.choose_export_path()
        if not path:
            return None
        ids = tuple(self.window.selected_ids())
        ctx = self.window.ctx
        actor = ctx.actor

        def job(progress: Progress, cancel: CancelToken) -> ExportSummary:
            # Imported by the job: the transfer tables need the whole schema's metadata.
            from app.transfer.export import Selection, export_transfer

            revision = head_revision()
            with ctx.transaction() as session:
                return export_transfer(session, actor, Path(path), Selection(ids=ids),
                                       schema_revision=revision)

        return self._start(job, self._on_export_finished)

    def import_file(self) -> JobHandle | None:
        path = self.choose_import_path()
        if not path:
            return None
        ctx = self.window.ctx
        actor = ctx.actor

        def job(progress: Progress, cancel: CancelToken) -> ImportSummary:
            from app.transfer.importer import import_transfer

            revision = head_revision()
            with ctx.transaction() as session:
                return import_transfer(session, actor, Path(path), schema_revision=revision)

        return self._start(job, self._on_import_finished)

    def _start(self, job: Callable[[Progress, CancelToken], Any],
               finished: Callable[[Any], None]) -> JobHandle:
        self.handle = run_job(job, on_finished=finished, on_failed=self._on_job_failed,
                              parent=self.window)
        return self.handle

    def _show(self, title: str, rows: list[tuple[str, str]], details: str = "") -> None:
        self.summary = TransferSummaryDialog(self.window, title, rows, details)
        self.summary.show()

    def _on_export_finished(self, out: ExportSummary) -> None:
        tr = self.window.tr
        self._show(tr("Exported for another site"), [
            (tr("File"), out.path), (tr("Site"), out.site),
            (tr("Declarations"), str(out.counts.get("declarations", 0))),
            (tr("Audit events"), str(out.audit_events)),
            (tr("Manifest SHA-256"), out.manifest_sha256)])

    def _on_import_finished(self, out: ImportSummary) -> None:
        tr = self.window.tr
        lines = []
        for c in out.conflicts:
            if c.columns:
                lines.append(tr("{table} {key}: differs here in {columns}; left as it is.")
                             .format(table=c.table, key=c.key, columns=", ".join(c.columns)))
            else:
                lines.append(tr("{table} {key}: refused here (its order, waybill or number "
                                "is already used); left out.").format(table=c.table, key=c.key))
        self._show(tr("Imported from site {site}").format(site=out.site), [
            (tr("Declarations added"), str(out.declarations_added)),
            (tr("Already here (skipped)"), str(out.declarations_skipped)),
            (tr("Conflicts"), str(len(out.conflicts))),
            (tr("Audit events kept"), str(out.audit_events))], "\n".join(lines))
        self.window.data_changed.emit()

    def _on_job_failed(self, exc: BaseException) -> None:
        if isinstance(exc, UserFacingError):
            self.show_error(self.window, self.window.tr("Transfer"),
                            exc.text(self.window.ctx.lang))
            return
        raise exc

    def _on_export_action_triggered(self) -> None:
        self.export()

    def _on_import_action_triggered(self) -> None:
        self.import_file()


def install(window: MainWindow) -> None:
    window.transfer_actions = TransferActions(window)  # type: ignore[attr-defined]
