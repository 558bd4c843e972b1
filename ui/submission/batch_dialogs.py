"""Batch dialogs: create a batch (transport data), and the batches list with its actions."""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.domain.clock import to_beijing
from app.domain.errors import UserFacingError
from app.i18n import render
from app.jobs.base import CancelToken, Progress
from app.services import settings as settings_service
from app.submission import batches, outbound
from app.submission.batches import (
    BatchBlockedError,
    BatchSummary,
    LogisticsShare,
    MixedLogisticsError,
    TransportData,
)
from app.submission.exchange import ExchangeFolderTransport, transport_from_settings
from ui import file_dialogs
from ui.context import GuiContext
from ui.submission.export_actions import ExportFlowControls
from ui.workers import JobHandle, run_with_progress

_TRANSPORT_FIELDS = ("billNo", "trafMode", "trafNo", "voyageNo", "portCode", "ieDate", "bagNos")


class CreateBatchDialog(QDialog):
    """Transport data for a new batch of the selected (or all ready) declarations."""

    created = Signal(object)  # BatchSummary
    rechecked = Signal()  # a blocking re-check moved declarations to invalid

    def __init__(self, ctx: GuiContext, ids: Sequence[int] | None,
                 parent: QWidget | None = None, *, scope: str | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.ids = list(ids) if ids else None
        self.scope = scope  # what the ids are, when they are not the grid's selection
        self.edits: dict[str, QLineEdit] = {}
        self.by_direction: dict[str, list[int]] = {}
        self._build_ui()
        self._connect_signals()
        if self.ids:
            with ctx.transaction(write=False) as session:
                self.by_direction = batches.split_by_direction(session, self.ids)
            self._offer_directions()
            self._show_logistics_of_choice()

    def _build_ui(self) -> None:
        self.setWindowTitle(self.tr("New batch"))
        self.setObjectName("create_batch_dialog")
        self.setMinimumWidth(560)
        layout = QVBoxLayout(self)
        if self.scope is not None:
            text = self.scope
        elif self.ids:
            text = self.tr("{n} selected declarations (only ready ones can go in).").format(
                n=len(self.ids))
        else:
            text = self.tr("All ready declarations.")
        self.scope_label = QLabel(text, self)
        self.scope_label.setObjectName("scope_label")
        layout.addWidget(self.scope_label)
        self.logistics_label = QLabel(self)
        self.logistics_label.setObjectName("logistics_warning")
        self.logistics_label.setWordWrap(True)
        self.logistics_label.setStyleSheet("color: #b00020;")
        self.logistics_label.setVisible(False)
        layout.addWidget(self.logistics_label)
        # Import and export parcels never share a batch: when the choice holds both, the
        # clerk picks which kind this batch takes (the other stays ready for the next one).
        self.direction_row = QWidget(self)
        row = QHBoxLayout(self.direction_row)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(QLabel(self.tr("This batch takes:"), self.direction_row))
        self.direction_combo = QComboBox(self.direction_row)
        self.direction_combo.setObjectName("direction_combo")
        row.addWidget(self.direction_combo, 1)
        self.direction_row.setVisible(False)
        layout.addWidget(self.direction_row)
        self.mixed_check = QCheckBox(
            self.tr("These companies' parcels share one master bill"), self)
        self.mixed_check.setObjectName("mixed_logistics_check")
        self.mixed_check.setVisible(False)
        layout.addWidget(self.mixed_check)
        form = QFormLayout()
        labels = {
            "billNo": self.tr("Master bill No. (billNo)"),
            "trafMode": self.tr("Transport mode (trafMode)"),
            "trafNo": self.tr("Flight / vehicle No. (trafNo)"),
            "voyageNo": self.tr("Voyage / flight No. (voyageNo)"),
            "portCode": self.tr("Port customs code (portCode)"),
            "ieDate": self.tr("Import/export date YYYYMMDD (ieDate)"),
            "bagNos": self.tr("Bag numbers (export)"),
        }
        for key in _TRANSPORT_FIELDS:
            edit = QLineEdit(self)
            edit.setObjectName(f"edit_{key}")
            self.edits[key] = edit
            form.addRow(labels[key], edit)
        self._complete_codes()
        layout.addLayout(form)
        self.problems = QPlainTextEdit(self)
        self.problems.setObjectName("problems_text")
        self.problems.setReadOnly(True)
        self.problems.setVisible(False)
        self.problems.setMinimumHeight(140)
        layout.addWidget(self.problems)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText(self.tr("Create batch"))
        # Shown when some selected declarations cannot go in: batch the others in one click.
        self.leave_out_button = self.buttons.addButton(
            "", QDialogButtonBox.ButtonRole.ActionRole)
        self.leave_out_button.setObjectName("leave_out_button")
        self.leave_out_button.setVisible(False)
        self._ready_ids: list[int] = []
        layout.addWidget(self.buttons)

    def _complete_codes(self) -> None:
        """Transport mode and port pick from the customs code tables by code or Chinese name
        ("航空" → 5); the service refuses a code not in them (batches.check_transport)."""
        from app.reference.store import reference_from_db
        from ui.declarations.completers import CodeCompleter, code_model

        with self.ctx.transaction(write=False) as session:
            refs = reference_from_db(session)
        for key, table in (("trafMode", "trafMode"), ("portCode", "customsCode")):
            edit = self.edits[key]
            CodeCompleter(code_model(refs, table, self.ctx.lang, self), edit).attach(edit)
        self.edits["trafMode"].setPlaceholderText(self.tr("code or name, e.g. 5 (air)"))

    def _connect_signals(self) -> None:
        self.buttons.accepted.connect(self._on_buttons_accepted)
        self.buttons.rejected.connect(self.reject)
        self.leave_out_button.clicked.connect(self._on_leave_out_button_clicked)
        self.direction_combo.currentIndexChanged.connect(self._on_direction_combo_changed)

    def _offer_directions(self) -> None:
        if len(self.by_direction) < 2:
            return
        names = {"I": self.tr("Import declarations ({n})"),
                 "E": self.tr("Export declarations ({n})")}
        self.direction_combo.blockSignals(True)
        for flag in ("I", "E"):
            self.direction_combo.addItem(
                names[flag].format(n=f"{len(self.by_direction[flag]):,}"), flag)
        self.direction_combo.blockSignals(False)
        self.direction_row.setVisible(True)

    def chosen_ids(self) -> list[int] | None:
        """The ids this batch is asked for: those of the chosen direction when they mix."""
        if self.ids is None or len(self.by_direction) < 2:
            return self.ids
        wanted = set(self.by_direction.get(str(self.direction_combo.currentData()), ()))
        return [i for i in self.ids if i in wanted]

    def _show_logistics_of_choice(self) -> None:
        ids = self.chosen_ids()
        if ids:
            with self.ctx.transaction(write=False) as session:
                self.show_logistics(batches.logistics_shares(session, ids))

    def _on_direction_combo_changed(self, _index: int) -> None:
        self._show_logistics_of_choice()

    def show_logistics(self, shares: Sequence[LogisticsShare]) -> None:
        """Warn when the parcels belong to several logistics companies (one master bill)."""
        mixed = len(shares) > 1
        if mixed:
            listing = "\n".join(f"{share.label}: {share.count:,}" for share in shares)
            self.logistics_label.setText(self.tr(
                "These parcels belong to {n} logistics companies (parcels per company below); "
                "a master bill normally carries one company's parcels:").format(n=len(shares))
                + "\n" + listing)
        self.logistics_label.setVisible(mixed)
        self.mixed_check.setVisible(mixed)

    def transport(self) -> TransportData:
        values = {k: (e.text().strip() or None) for k, e in self.edits.items()}
        return TransportData(**values)

    def _on_leave_out_button_clicked(self) -> None:
        self.ids = list(self._ready_ids)
        self.leave_out_button.setVisible(False)
        self.scope_label.setText(self.tr("{n} selected declarations (only ready ones can go in).")
                                 .format(n=len(self.ids)))
        self._on_buttons_accepted()

    def _on_buttons_accepted(self) -> None:
        try:
            with self.ctx.transaction() as session:
                ids = self.chosen_ids()
                summary = batches.create_batch(
                    session, self.ctx.actor, ids=ids,
                    status=None if ids else "ready", transport=self.transport(),
                    mixed_logistics=self.mixed_check.isChecked())
        except MixedLogisticsError as exc:
            self.show_logistics(exc.shares)
            self.problems.setPlainText(self.tr(
                "Tick the box above to put several logistics companies on one master bill, or "
                "select one company's parcels."))
            self.problems.setVisible(True)
            return
        except BatchBlockedError as exc:
            if exc.stale:
                with self.ctx.transaction() as session:
                    batches.store_recheck(session, self.ctx.actor, exc)
                self.rechecked.emit()
            lines = [self.tr("{n} declarations cannot go into a batch; only ready ones can:")
                     .format(n=len(exc.blocked))]
            lines += [f"#{b.id} {b.copNo or ''} — {render(b.reason, self.ctx.lang)}"
                      for b in exc.blocked]
            self.problems.setPlainText("\n".join(lines))
            self.problems.setVisible(True)
            blocked_ids = {b.id for b in exc.blocked}
            self._ready_ids = [i for i in self.chosen_ids() or [] if i not in blocked_ids]
            self.leave_out_button.setText(self.tr("Leave them out: batch the other {n}")
                                          .format(n=len(self._ready_ids)))
            self.leave_out_button.setVisible(bool(self._ready_ids))
            return
        except UserFacingError as exc:
            self.problems.setPlainText(exc.text(self.ctx.lang))
            self.problems.setVisible(True)
            return
        self.created.emit(summary)
        self.accept()


class BatchesDialog(QDialog):
    """Recent batches; submit, edit, dissolve or export the selected one."""

    changed = Signal()  # declarations changed (submit, dissolve)

    COLUMNS = ("batch_no", "ie_flag", "state", "declarations", "messages", "pending_messages",
               "bill_no", "traf_no", "created_at")

    def __init__(self, ctx: GuiContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.items: list[BatchSummary] = []
        self._job: JobHandle | None = None
        # Seams replaced by tests: questions and folder choice.
        self.confirm: Callable[[str], bool] = self._ask
        self.choose_folder: Callable[[], Path | None] = self._ask_folder
        self.exchange: Callable[[], ExchangeFolderTransport] = self._exchange
        self._build_ui()
        self._connect_signals()
        self.refresh()

    def _build_ui(self) -> None:
        self.setWindowTitle(self.tr("Batches"))
        self.setObjectName("batches_dialog")
        self.resize(980, 480)
        layout = QVBoxLayout(self)
        self.table = QTableWidget(0, len(self.COLUMNS), self)
        self.table.setObjectName("batches_table")
        self.table.setHorizontalHeaderLabels([
            self.tr("Batch"), self.tr("I/E"), self.tr("State"), self.tr("Declarations"),
            self.tr("Messages"), self.tr("Pending"), self.tr("Master bill"), self.tr("Flight"),
            self.tr("Created")])
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        layout.addWidget(self.table, 1)
        self.detail = QLabel(self)
        self.detail.setObjectName("batch_detail")
        self.detail.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.detail)
        row = QHBoxLayout()
        self.submit_button = QPushButton(self.tr("&Submit"), self)
        self.edit_button = QPushButton(self.tr("&Edit transport…"), self)
        self.dissolve_button = QPushButton(self.tr("&Dissolve"), self)
        self.export_button = QPushButton(self.tr("E&xport to folder…"), self)
        self.refresh_button = QPushButton(self.tr("&Refresh"), self)
        self.close_button = QPushButton(self.tr("Close"), self)
        for b in (self.submit_button, self.edit_button, self.dissolve_button,
                  self.export_button, self.refresh_button):
            row.addWidget(b)
        row.addStretch(1)
        row.addWidget(self.close_button)
        layout.addLayout(row)
        self.export_flow = ExportFlowControls(self, row)

    def _connect_signals(self) -> None:
        self.table.itemSelectionChanged.connect(self._on_table_selection_changed)
        self.submit_button.clicked.connect(self.submit_selected)
        self.edit_button.clicked.connect(self._on_edit_button_clicked)
        self.dissolve_button.clicked.connect(self.dissolve_selected)
        self.export_button.clicked.connect(self.export_selected)
        self.refresh_button.clicked.connect(self.refresh)
        self.close_button.clicked.connect(self.accept)

    # --- data ---------------------------------------------------------------------------
    def refresh(self) -> None:
        keep = self.selected()
        with self.ctx.transaction(write=False) as session:
            self.items = batches.list_batches(session, self.ctx.actor)
        self.table.setRowCount(len(self.items))
        for r, b in enumerate(self.items):
            values: list[Any] = [b.batch_no, self.tr(batches.IE_LABELS.get(b.ie_flag, b.ie_flag)),
                                 self.tr(_STATE_LABELS.get(b.state, b.state)),
                                 b.declarations, b.messages, b.pending_messages,
                                 b.bill_no or "", b.traf_no or "",
                                 to_beijing(b.created_at).strftime("%Y-%m-%d %H:%M")
                                 if b.created_at else ""]
            for c, v in enumerate(values):
                item = QTableWidgetItem(str(v))
                if isinstance(v, int):
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight
                                          | Qt.AlignmentFlag.AlignVCenter)
                self.table.setItem(r, c, item)
            if keep is not None and b.id == keep.id:
                self.table.selectRow(r)
        if keep is None and self.items:
            self.table.selectRow(0)
        self._on_table_selection_changed()

    def selected(self) -> BatchSummary | None:
        rows = self.table.selectionModel().selectedRows() if self.table.selectionModel() else []
        if not rows or rows[0].row() >= len(self.items):
            return None
        return self.items[rows[0].row()]

    def _on_table_selection_changed(self) -> None:
        b = self.selected()
        is_open = b is not None and b.state == batches.OPEN
        self.submit_button.setEnabled(is_open or (b is not None and b.pending_messages > 0))
        self.edit_button.setEnabled(is_open)
        self.dissolve_button.setEnabled(is_open)
        self.export_button.setEnabled(b is not None and b.messages > 0)
        flow = self.export_flow.update_for(b)
        if b is None:
            self.detail.setText("")
            return
        counts = ", ".join(f"{self.tr(_status_label(s))} {n}" for s, n in b.status_counts)
        self.detail.setText(self.tr("{batch}: {counts}").format(batch=b.batch_no,
                                                              counts=counts or "—")
                            + (f"\n{flow}" if flow else ""))

    # --- actions ------------------------------------------------------------------------
    def submit_selected(self) -> None:
        b = self.selected()
        if b is None:
            return
        try:
            transport = self.exchange()
        except UserFacingError as exc:
            self._show_error(exc.text(self.ctx.lang))
            return
        if not self.confirm(self.tr(
                "Send batch {batch} ({n} parcels) to customs? The messages are handed to the "
                "exchange folder {folder} and cannot be called back.").format(
                    batch=b.batch_no, n=f"{b.declarations:,}", folder=str(transport.root))):
            return
        batch_ref = b.batch_no
        sessions, actor = self.ctx.sessions, self.ctx.actor
        record = b.state == batches.OPEN

        def job(progress: Progress, cancel: CancelToken) -> outbound.DeliveryResult:
            if record:
                with sessions() as session, session.begin():
                    settings = settings_service.all_settings(session)
                    outbound.record_batch(session, actor, batch_ref, settings)
            with sessions() as session:
                batch_id = batches.get_batch(session, actor, batch_ref).id
            return outbound.deliver_pending(sessions, actor, transport, batch_id=batch_id,
                                            progress=progress, cancel=cancel)

        self._job = run_with_progress(
            self, self.tr("Submitting {batch}…").format(batch=batch_ref), job,
            on_finished=self._on_job_finished, on_failed=self._on_job_failed,
            on_cancelled=self._on_job_cancelled)

    def _finish_job(self) -> None:
        self._job = None
        self.refresh()
        self.changed.emit()

    def _on_job_finished(self, result: outbound.DeliveryResult) -> None:
        self._finish_job()
        if result.offline:
            self._show_info(self.tr("The exchange folder is not reachable. {n} messages are "
                                    "pending and will be written when it is back.")
                            .format(n=result.pending))
        else:
            n = len(result.written) + result.already
            text = (self.tr("1 message file handed to the exchange folder.") if n == 1
                    else self.tr("{n} message files handed to the exchange folder.").format(n=n))
            self._show_info(text)
        self.last_result = result

    def _on_job_failed(self, exc: BaseException) -> None:
        self._finish_job()
        if isinstance(exc, UserFacingError):
            self._show_error(exc.text(self.ctx.lang))
        else:
            sys.excepthook(type(exc), exc, exc.__traceback__)  # the crash dialog

    def _on_job_cancelled(self) -> None:
        self._finish_job()

    def _on_edit_button_clicked(self) -> None:
        b = self.selected()
        if b is None:
            return
        dialog = EditTransportDialog(self.ctx, b, self)
        if dialog.exec():
            self.refresh()

    def dissolve_selected(self) -> None:
        b = self.selected()
        if b is None or not self.confirm(self.tr(
                "Dissolve batch {batch}? Its {n} declarations become ready again.").format(
                    batch=b.batch_no, n=b.declarations)):
            return
        try:
            with self.ctx.transaction() as session:
                batches.dissolve_batch(session, self.ctx.actor, b.batch_no)
        except UserFacingError as exc:
            self._show_error(exc.text(self.ctx.lang))
        self.refresh()
        self.changed.emit()

    def export_selected(self) -> None:
        b = self.selected()
        if b is None:
            return
        folder = self.choose_folder()
        if folder is None:
            return
        try:
            with self.ctx.transaction() as session:
                manifest = outbound.export_batch_files(session, self.ctx.actor, b.batch_no,
                                                       folder / b.batch_no)
        except UserFacingError as exc:
            self._show_error(exc.text(self.ctx.lang))
            return
        self._show_info(self.tr("Messages and checksum manifest written to {folder}.")
                        .format(folder=str(manifest.parent)))

    # --- seams --------------------------------------------------------------------------
    def _exchange(self) -> ExchangeFolderTransport:
        with self.ctx.transaction(write=False) as session:
            return transport_from_settings(settings_service.all_settings(session))

    def _ask(self, question: str) -> bool:
        answer = QMessageBox.question(self, self.windowTitle(), question)
        return answer == QMessageBox.StandardButton.Yes

    def _ask_folder(self) -> Path | None:
        path = file_dialogs.choose_folder(self, self.tr("Export batch to folder"), "batch")
        return Path(path) if path else None

    def _show_info(self, text: str) -> None:
        self.last_message = text
        if self.isVisible():
            QMessageBox.information(self, self.windowTitle(), text)

    def _show_error(self, text: str) -> None:
        self.last_message = text
        if self.isVisible():
            QMessageBox.warning(self, self.windowTitle(), text)


class EditTransportDialog(CreateBatchDialog):
    """The same form, editing an unsent batch's transport data."""

    def __init__(self, ctx: GuiContext, batch: BatchSummary, parent: QWidget | None = None):
        self.batch = batch
        super().__init__(ctx, None, parent)
        self.setWindowTitle(self.tr("Edit batch {batch}").format(batch=batch.batch_no))
        self.scope_label.setText(self.tr("Changes apply to all {n} declarations of the batch.")
                                 .format(n=batch.declarations))
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText(self.tr("Save"))
        self.edits["billNo"].setText(batch.bill_no or "")
        self.edits["trafMode"].setText(batch.traf_mode or "")
        self.edits["trafNo"].setText(batch.traf_no or "")
        self.edits["voyageNo"].setText(batch.voyage_no or "")

    def _on_buttons_accepted(self) -> None:
        try:
            with self.ctx.transaction() as session:
                batches.edit_batch(session, self.ctx.actor, self.batch.batch_no,
                                   self.transport())
        except UserFacingError as exc:
            self.problems.setPlainText(exc.text(self.ctx.lang))
            self.problems.setVisible(True)
            return
        self.accept()


_STATE_LABELS = batches.STATE_LABELS


def _status_label(status: str) -> str:
    from app.domain.status import DeclarationStatus

    try:
        return DeclarationStatus(status).label
    except ValueError:
        return status
