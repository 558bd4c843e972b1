"""Submission in the main window: batches, submit, receipts watcher, To fix, training.

`install(window)` adds the actions to the Batches and File menus and the exchange status
(pending messages, parcels to fix) to the status bar.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication, QObject, QThreadPool
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QLabel

from app.paths import self_command
from ui.submission.training import is_training, prepare_training_database
from ui.submission.watcher import ExchangeState, ExchangeWatcher

if TYPE_CHECKING:
    from ui.main_window import MainWindow
    from ui.submission.batch_dialogs import BatchesDialog, CreateBatchDialog
    from ui.submission.fix_dialog import ToFixDialog
# The batch and To fix dialogs (message building, CEB schemas) are imported when opened: the
# main window's first page does not wait for them.


class SubmissionActions(QObject):
    """Owns the submission actions and widgets of one main window."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.ctx = window.ctx
        self.training = is_training(self.ctx.url)
        self._build_ui()
        self._connect_signals()
        self.watcher = ExchangeWatcher(self.ctx, training=self.training,
                                       interval_ms=5_000 if self.training else 30_000,
                                       parent=self)
        self.watcher.scanned.connect(self._on_watcher_scanned)
        self.watcher.failed.connect(self._on_watcher_failed)
        # Start-up reconciliation (pending messages) and a first inbox scan, once the grid
        # shows its first page.
        window.after_first_page(self.watcher.start)
        # A closed window scans no more (it may live on until deleted: a log-out, a switch).
        window.closing.connect(self.watcher.stop)
        app = QCoreApplication.instance()
        if app is not None:
            app.aboutToQuit.connect(self._on_app_about_to_quit)

    def _build_ui(self) -> None:
        w = self.window
        menu = w.menus["batches"]
        self.action_new_batch = QAction(self.tr("&New batch from selection…"), w)
        self.action_new_batch.setShortcut(QKeySequence("Ctrl+B"))
        self.action_new_batch_ready = QAction(self.tr("New batch from &all ready…"), w)
        self.action_batches = QAction(self.tr("&Batches…"), w)
        self.action_receipts = QAction(self.tr("&Read receipts now"), w)
        self.action_receipts.setShortcut(QKeySequence("F6"))
        self.action_to_fix = QAction(self.tr("&To fix…"), w)
        for a in (self.action_new_batch, self.action_new_batch_ready, self.action_batches):
            menu.addAction(a)
        menu.addSeparator()
        menu.addAction(self.action_receipts)
        menu.addAction(self.action_to_fix)
        self.action_training = QAction(self.tr("Open training &database"), w)
        self.action_training.setToolTip(self.tr(
            "A separate practice database where a simulated customs answers every message."))
        w.menus["file"].insertAction(w.menus["file"].actions()[0], self.action_training)
        w.toolbar.addAction(self.action_batches)
        w.toolbar.addAction(self.action_to_fix)
        self.exchange_label = QLabel(w)
        self.exchange_label.setObjectName("exchange_label")
        w.statusBar().addPermanentWidget(self.exchange_label)
        if self.training:
            w.setWindowTitle(w.windowTitle() + " — " + self.tr("TRAINING DATABASE"))
            self.action_training.setEnabled(False)

    def _connect_signals(self) -> None:
        self.action_new_batch.triggered.connect(self._on_action_new_batch_triggered)
        self.action_new_batch_ready.triggered.connect(self._on_action_new_batch_ready_triggered)
        self.action_batches.triggered.connect(self.open_batches)
        self.action_receipts.triggered.connect(self._on_action_receipts_triggered)
        self.action_to_fix.triggered.connect(self.open_to_fix)
        self.action_training.triggered.connect(self._on_action_training_triggered)
        # A new exchange folder is used (and the status bar says so) as soon as it is saved.
        self.window.settings_changed.connect(self._on_action_receipts_triggered)

    # --- actions --------------------------------------------------------------------------
    def _on_action_new_batch_triggered(self) -> None:
        ids = self.window.selected_ids()
        self._create_batch(ids or None)

    def _on_action_new_batch_ready_triggered(self) -> None:
        """The ready declarations the grid shows now (its filter), counted before asking."""
        from app.submission import batches

        with self.ctx.transaction(write=False) as session:
            found = batches.batch_candidates(session, self.ctx.actor,
                                             self.window.current_filter())
        if not found.ids:
            self.window.statusBar().showMessage(
                self.tr("No ready declarations in the current view."), 8000)
            return
        self._create_batch(list(found.ids), scope=self.tr(
            "{n} ready declarations in the current view.").format(n=f"{len(found.ids):,}"))

    def _create_batch(self, ids: list[int] | None,
                      scope: str | None = None) -> CreateBatchDialog:
        from ui.submission.batch_dialogs import CreateBatchDialog

        dialog = CreateBatchDialog(self.ctx, ids, self.window, scope=scope)
        dialog.created.connect(self._on_batch_created)
        dialog.rechecked.connect(self.window.data_changed)
        dialog.open()
        return dialog

    def _on_batch_created(self, _summary: object) -> None:
        self.window.data_changed.emit()
        self.open_batches()

    def open_batches(self) -> BatchesDialog:
        from ui.submission.batch_dialogs import BatchesDialog

        dialog = BatchesDialog(self.ctx, self.window)
        dialog.changed.connect(self.window.data_changed)
        dialog.changed.connect(self.watcher.scan)
        dialog.open()
        return dialog

    def open_to_fix(self) -> ToFixDialog:
        from ui.submission.fix_dialog import ToFixDialog

        dialog = ToFixDialog(self.ctx, self.window)
        dialog.show_declarations.connect(self._on_show_declarations)
        dialog.changed.connect(self.window.data_changed)
        dialog.open()
        return dialog

    def _on_show_declarations(self, ids: list[int]) -> None:
        """Show exactly these declarations in the grid (one cause of the To fix list)."""
        self.window.show_only(ids, self.tr("From To fix: {n} parcels").format(n=len(ids)))

    def _on_action_receipts_triggered(self) -> None:
        self.watcher.reload_settings()
        self.watcher.scan()

    def _on_action_training_triggered(self) -> None:
        url = prepare_training_database()
        env = dict(os.environ)
        subprocess.Popen([*self_command(), "--db", url], env=env,
                         cwd=str(Path.cwd()))

    # --- status -------------------------------------------------------------------------
    def _on_watcher_scanned(self, state: ExchangeState) -> None:
        parts = []
        if not state.online:
            parts.append(self.tr("Exchange folder offline"))
        parts.append(self.tr("Pending messages: {n}").format(n=state.pending))
        parts.append(self.tr("To fix: {n}").format(n=state.to_fix))
        self.exchange_label.setText("  ·  ".join(parts))
        if state.receipts is not None and (state.receipts.applied or state.receipts.quarantined):
            r = state.receipts
            text = self.tr("Receipts: {applied} applied, {errors} refused files").format(
                applied=r.applied, errors=r.errors)
            if r.quarantined:
                names = ", ".join(f"{q.file} ({q.reason})" for q in r.quarantined[:5])
                more = len(r.quarantined) - 5
                text += " · " + self.tr("quarantined: {files}").format(
                    files=names + (f" +{more}" if more > 0 else ""))
            self.window.statusBar().showMessage(text, 15000)
            self.window.data_changed.emit()
        if state.problems:
            self.window.statusBar().showMessage(" · ".join(state.problems), 15000)

    def _on_app_about_to_quit(self) -> None:
        # Let a running receipts/delivery pass finish its transaction before the engine goes.
        self.watcher.stop()
        QThreadPool.globalInstance().waitForDone(15_000)

    def _on_watcher_failed(self, text: str) -> None:
        self.window.statusBar().showMessage(text, 8000)


def install(window: MainWindow) -> None:
    window.submission = SubmissionActions(window)  # type: ignore[attr-defined]
