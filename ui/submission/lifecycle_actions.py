"""After submission, in the GUI: "Request cancellation…" and "Register return…".

On the Declarations menu and the grid's context menu (for the selected parcels) and as buttons
in the declaration editor (for the parcel shown). The reason is asked through a seam
(`ask_reason`) that tests replace; the request is recorded by the service and the messages go
out through the exchange watcher's delivery, like a batch's.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QInputDialog, QLineEdit, QMessageBox

from app.domain.errors import UserFacingError
from app.services import settings as settings_service

if TYPE_CHECKING:
    from app.submission import deliveries, lifecycle
    from ui.declarations.editor import DeclarationEditor
    from ui.main_window import MainWindow


class LifecycleActions(QObject):
    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.ctx = window.ctx
        # Seams: (title, prompt) → the reason or None (cancelled); an error text shown.
        self.ask_reason: Callable[[str, str], str | None] = self._ask_reason
        self.show_error: Callable[[str], None] = self._show_error
        self._build_ui()
        self._connect_signals()

    def _build_ui(self) -> None:
        w = self.window
        self.action_cancel = QAction(self.tr("Request cancellation…"), w)
        self.action_cancel.setObjectName("action_request_cancellation")
        self.action_cancel.setToolTip(self.tr(
            "Ask customs to cancel the selected declared parcels that are not released (CEB623)."))
        self.action_return = QAction(self.tr("Register return…"), w)
        self.action_return.setObjectName("action_register_return")
        self.action_return.setToolTip(self.tr(
            "Register with customs that buyers sent the selected released parcels back (CEB625)."))
        self.action_signed = QAction(self.tr("Report signed for"), w)
        self.action_signed.setObjectName("action_report_signed")
        self.action_signed.setToolTip(self.tr(
            "Report to customs that the selected released parcels were signed for (CEB513), "
            "where this office sends the waybills."))
        menu = w.menus["declarations"]
        menu.addSeparator()
        for action in (self.action_cancel, self.action_return, self.action_signed):
            menu.addAction(action)
            w.table.addAction(action)
        if w.table.contextMenuPolicy() == Qt.ContextMenuPolicy.DefaultContextMenu:
            w.table.setContextMenuPolicy(Qt.ContextMenuPolicy.ActionsContextMenu)
        workspace = getattr(w, "workspace", None)
        if workspace is not None:
            workspace.editor_extensions.append(self._extend_editor)

    def _connect_signals(self) -> None:
        self.action_cancel.triggered.connect(self._on_action_cancel_triggered)
        self.action_return.triggered.connect(self._on_action_return_triggered)
        self.action_signed.triggered.connect(self._on_action_signed_triggered)

    # --- grid -------------------------------------------------------------------------------
    def _on_action_cancel_triggered(self) -> None:
        self.request("cancel", self.window.selected_ids())

    def _on_action_return_triggered(self) -> None:
        self.request("return", self.window.selected_ids())

    def _on_action_signed_triggered(self) -> None:
        self.report_signed(self.window.selected_ids())

    def report_signed(self, ids: list[int]) -> deliveries.DeliveryReport | None:
        if not ids:
            self.window.statusBar().showMessage(self.tr("Select declarations first."), 8000)
            return None
        from app.submission import deliveries  # imported when used: not before the first page

        try:
            with self.ctx.transaction() as session:
                settings = settings_service.all_settings(session)
                report = deliveries.report_deliveries(session, self.ctx.actor, ids, settings)
        except UserFacingError as exc:
            self.show_error(exc.text(self.ctx.lang))
            return None
        self._deliver()
        self.window.statusBar().showMessage(
            self.tr("{n} parcels reported as signed for: {files}").format(
                n=len(report.declarations), files=", ".join(report.messages)), 10000)
        return report

    def _deliver(self) -> None:
        submission = getattr(self.window, "submission", None)
        if submission is not None:
            submission.watcher.scan()  # delivers the pending messages
        self.window.data_changed.emit()

    # --- editor -----------------------------------------------------------------------------
    def _extend_editor(self, editor: DeclarationEditor) -> None:
        cancel = editor.add_action_button(self.tr("Request cancellation…"),
                                          self._on_editor_cancel_clicked)
        cancel.setObjectName("editor_request_cancellation")
        ret = editor.add_action_button(self.tr("Register return…"),
                                       self._on_editor_return_clicked)
        ret.setObjectName("editor_register_return")

    def _editor(self) -> DeclarationEditor | None:
        workspace = getattr(self.window, "workspace", None)
        editor = getattr(workspace, "editor", None)
        if editor is None:
            return None
        from ui.declarations.editor import DeclarationEditor  # loaded: an editor is open

        return editor if isinstance(editor, DeclarationEditor) else None

    def _on_editor_cancel_clicked(self) -> None:
        self._from_editor("cancel")

    def _on_editor_return_clicked(self) -> None:
        self._from_editor("return")

    def _from_editor(self, kind: str) -> None:
        editor = self._editor()
        if editor is None or editor.snapshot is None:
            return
        decl_id = editor.snapshot.id
        if self.request(kind, [decl_id]) is not None:
            editor.load(decl_id)

    # --- the request --------------------------------------------------------------------------
    def request(self, kind: str, ids: list[int]) -> lifecycle.RequestResult | None:
        """Ask for a reason, record the request and let the watcher hand it over."""
        if not ids:
            self.window.statusBar().showMessage(self.tr("Select declarations first."), 8000)
            return None
        if kind == "cancel":
            title = self.tr("Request cancellation")
            prompt = self.tr("Reason for cancelling {n} declarations (sent to customs):"
                             ).format(n=len(ids))
        else:
            title = self.tr("Register return")
            prompt = self.tr("Reason for the return of {n} parcels (sent to customs):"
                             ).format(n=len(ids))
        reason = self.ask_reason(title, prompt)
        if not reason:
            return None
        from app.submission import lifecycle

        service = (lifecycle.request_cancellation if kind == "cancel"
                   else lifecycle.request_return)
        actor = self.ctx.actor
        try:
            with self.ctx.transaction() as session:
                settings = settings_service.all_settings(session)
                result = service(session, actor, ids, reason, settings)
        except UserFacingError as exc:
            self.show_error(exc.text(self.ctx.lang))
            return None
        self._deliver()
        self.window.statusBar().showMessage(
            self.tr("{n} requests recorded for customs: {files}").format(
                n=len(result.declarations), files=", ".join(result.messages)), 10000)
        return result

    def _ask_reason(self, title: str, prompt: str) -> str | None:
        text, ok = QInputDialog.getText(self.window, title, prompt, QLineEdit.EchoMode.Normal)
        return text.strip() if ok and text.strip() else None

    def _show_error(self, text: str) -> None:
        QMessageBox.warning(self.window, self.tr("Request refused"), text)


def install(window: MainWindow) -> None:
    window.lifecycle = LifecycleActions(window)  # type: ignore[attr-defined]
