"""The export chain in the Batches window: an "Export chain" button whose menu sends the
selected export batch's waybills, arrival report, master-bill list and departure report, and a
line saying where the batch stands (parcels per export stage, customs' latest answers).

Questions go through seams tests replace (`ask_truck`, the dialog's `confirm`); the messages
are recorded by app.submission.export_flow and handed over through the outbox at once.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QBoxLayout, QInputDialog, QLineEdit, QMenu, QPushButton

from app.domain.errors import UserFacingError
from app.domain.export_stage import ExportStage
from app.services import settings as settings_service
from app.submission import batches, export_flow, outbound
from app.submission.batches import BatchSummary

if TYPE_CHECKING:
    from ui.submission.batch_dialogs import BatchesDialog


class ExportFlowControls(QObject):
    def __init__(self, dialog: BatchesDialog, row: QBoxLayout) -> None:
        super().__init__(dialog)
        self.dialog = dialog
        self.ctx = dialog.ctx
        # Seam: the truck that brought the parcels (prefilled) → the number, or None to stop.
        self.ask_truck: Callable[[str], str | None] = self._ask_truck
        self.last_result: export_flow.StepResult | None = None
        self.status: export_flow.FlowStatus | None = None
        self.button = QPushButton(self.tr("Export c&hain"), dialog)
        self.button.setObjectName("export_flow_button")
        self.button.setToolTip(self.tr("Waybills, arrival, master-bill list and departure of "
                                       "the selected export batch (CEB505/507/607/509)."))
        self.menu = QMenu(self.button)
        self.actions: dict[str, QAction] = {}
        for step in export_flow.STEPS:
            action = self.menu.addAction(self.tr(export_flow.STEP_LABELS[step]) + "…")
            action.setObjectName(f"export_step_{step}")
            action.triggered.connect(lambda _on=False, step=step: self.run(step))
            self.actions[step] = action
        self.button.setMenu(self.menu)
        row.insertWidget(row.count() - 2, self.button)  # before the stretch and Close
        self.update_for(None)

    def update_for(self, batch: BatchSummary | None) -> str:
        """Enable the steps for `batch`; returns the line describing where it stands."""
        export = (batch is not None and batch.ie_flag == "E"
                  and batch.state != batches.DISSOLVED)
        self.button.setEnabled(export)
        self.status = None
        if not export or batch is None:
            return ""
        with self.ctx.transaction(write=False) as session:
            self.status = export_flow.flow_status(session, self.ctx.actor, batch.batch_no)
        for step, action in self.actions.items():
            action.setEnabled(step == export_flow.WAYBILLS or batch.state != batches.OPEN)
        return self.describe(self.status)

    def describe(self, status: export_flow.FlowStatus) -> str:
        stages = ", ".join(
            f"{self.tr(ExportStage(s).label) if s else self.tr('none')} {n}"
            for s, n in status.stages) or "—"
        text = self.tr("Export chain: {stages}").format(stages=stages)
        for doc in status.documents:
            text += "\n" + self.tr("{step} {copNo} ({part}/{parts}): {state} {answer}").format(
                step=self.tr(export_flow.STEP_LABELS[doc.kind]), copNo=doc.cop_no,
                part=doc.msg_seq_no, parts=doc.msg_count,
                state=self.tr(export_flow.DOC_STATE_LABELS.get(doc.status, doc.status)),
                answer=doc.return_info or "")
        if status.next_step:
            text += "\n" + self.tr("Next: {step}").format(
                step=self.tr(export_flow.STEP_LABELS[status.next_step]))
        return text

    def run(self, step: str) -> export_flow.StepResult | None:
        """Record `step` for the selected batch and hand its messages over."""
        b = self.dialog.selected()
        if b is None:
            return None
        options: dict[str, object] = {}
        if step == export_flow.ARRIVAL:
            truck = self.ask_truck(b.traf_no or "")
            if not truck:
                return None
            options["domestic_traf_no"] = truck
        elif not self.dialog.confirm(self.tr("{step} of batch {batch}: send to customs now?")
                                     .format(step=self.tr(export_flow.STEP_LABELS[step]),
                                             batch=b.batch_no)):
            return None
        actor = self.ctx.actor
        try:
            transport = self.dialog.exchange()
            with self.ctx.transaction() as session:
                settings = settings_service.all_settings(session)
                result = export_flow.run_step(session, actor, step, b.batch_no, settings,
                                              **options)
        except UserFacingError as exc:
            self.dialog._show_error(exc.text(self.ctx.lang))
            return None
        delivery = outbound.deliver_pending(self.ctx.sessions, actor, transport)
        self.last_result = result
        self.dialog.refresh()
        self.dialog.changed.emit()
        text = self.tr("{step} of batch {batch}: {n} parcels ({files}).").format(
            step=self.tr(export_flow.STEP_LABELS[step]), batch=result.batch,
            n=result.parcels, files=", ".join(result.messages))
        if delivery.offline:
            text += "\n" + self.tr("The exchange folder is not reachable: the messages stay "
                                   "pending.")
        self.dialog._show_info(text)
        return result

    def _ask_truck(self, default: str) -> str | None:
        text, ok = QInputDialog.getText(
            self.dialog, self.tr("Arrival report"),
            self.tr("Vehicle that brought the parcels to the site (plate number):"),
            QLineEdit.EchoMode.Normal, default)
        return text.strip() if ok and text.strip() else None
