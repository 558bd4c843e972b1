"""The station's export arrival: scan an export batch's parcels in at the supervised site.

The clerk picks the batch (those whose waybills were sent and that have parcels still to
arrive), then scans; each scan shows green (arrived), orange (scanned already) or red (another
batch, an import parcel, an unknown number: put it aside), with a sound. The parcels not
scanned yet are listed. The last one scanned records the arrival report (CEB507) by itself;
"Confirm arrival of the scanned parcels" reports those scanned so far. The messages go out
through the outbox at once (or stay pending while the exchange folder is away).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.domain.errors import UserFacingError
from app.services.settings import all_settings
from app.station import arrival
from app.submission import export_flow, outbound
from app.submission.exchange import transport_from_settings
from ui.context import GuiContext
from ui.workspace.scan_parts import (
    OUTCOME_COLOURS,
    outcome_panel,
    scan_box,
    show_idle,
    show_outcome,
)
from ui.workspace.sounds import ScanSounds

C = OUTCOME_COLOURS
COLOURS = {arrival.ARRIVED: C["ok"], arrival.AGAIN: C["duplicate"],
           arrival.OTHER_BATCH: C["problem"], arrival.NOT_EXPORT: C["problem"],
           arrival.NOT_READY: C["problem"], arrival.UNKNOWN: C["unknown"], "error": C["problem"]}
SOUNDS = {arrival.ARRIVED: "ok", arrival.AGAIN: "duplicate", arrival.OTHER_BATCH: "problem",
          arrival.NOT_EXPORT: "problem", arrival.NOT_READY: "problem",
          arrival.UNKNOWN: "unknown", "error": "problem"}


def confirm(parent: QWidget, text: str) -> bool:
    answer = QMessageBox.question(parent, parent.tr("Export arrival"), text)
    return answer == QMessageBox.StandardButton.Yes


class SiteArrivalDialog(QDialog):
    def __init__(self, ctx: GuiContext, parent: QWidget | None = None,
                 station: str = "") -> None:
        super().__init__(parent)
        self.setObjectName("site_arrival")
        self.ctx = ctx
        self.station = station
        self.sounds = ScanSounds(self)
        self.play: Callable[[str], None] = self.sounds.play  # seam
        self.confirm: Callable[[QWidget, str], bool] = confirm  # seam
        self.last_scan: arrival.ArrivalScan | None = None
        self.last_report: export_flow.StepResult | None = None
        self._build_ui()
        self._connect_signals()
        self.refresh_batches()

    def _build_ui(self) -> None:
        self.setWindowTitle(self.tr("Export arrival at the site"))
        self.resize(820, 600)
        layout = QVBoxLayout(self)
        top = QHBoxLayout()
        top.addWidget(QLabel(self.tr("Export batch:"), self))
        self.batch_combo = QComboBox(self)
        self.batch_combo.setObjectName("arrival_batch")
        top.addWidget(self.batch_combo, 1)
        layout.addLayout(top)
        self.scan_edit = scan_box(self, "arrival_scan", self.tr("Scan a parcel of the batch…"))
        layout.addWidget(self.scan_edit)
        self.big = outcome_panel(self, "arrival_status", 110)
        layout.addWidget(self.big)
        self.detail = QLabel(self)
        self.detail.setObjectName("arrival_detail")
        self.detail.setWordWrap(True)
        self.detail.setStyleSheet("font-size: 15px;")
        layout.addWidget(self.detail)
        self.progress = QLabel(self)
        self.progress.setObjectName("arrival_progress")
        layout.addWidget(self.progress)
        self.unscanned = QListWidget(self)
        self.unscanned.setObjectName("arrival_unscanned")
        layout.addWidget(self.unscanned, 1)
        bar = QHBoxLayout()
        bar.addStretch(1)
        self.confirm_button = QPushButton(self.tr("Confirm arrival of the scanned parcels"),
                                          self)
        self.confirm_button.setObjectName("arrival_confirm")
        # The scanner ends each number with Return: it must never press this button.
        self.confirm_button.setAutoDefault(False)
        self.confirm_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        bar.addWidget(self.confirm_button)
        layout.addLayout(bar)
        show_idle(self.big, self.tr("Ready to scan"))

    def _connect_signals(self) -> None:
        self.scan_edit.returnPressed.connect(self._on_scan_edit_return_pressed)
        self.batch_combo.currentIndexChanged.connect(self._on_batch_combo_current_index_changed)
        self.confirm_button.clicked.connect(self._on_confirm_button_clicked)

    def batch(self) -> str | None:
        text = self.batch_combo.currentText().strip()
        return text or None

    def refresh_batches(self) -> None:
        with self.ctx.transaction(write=False) as session:
            found = arrival.arrival_batches(session, self.ctx.actor)
        current = self.batch()
        self.batch_combo.blockSignals(True)
        self.batch_combo.clear()
        self.batch_combo.addItems(found)
        if current in found:
            self.batch_combo.setCurrentText(current)
        self.batch_combo.blockSignals(False)
        self.refresh_progress()

    def refresh_progress(self) -> None:
        batch = self.batch()
        if batch is None:
            self._show_progress(None)
            return
        with self.ctx.transaction(write=False) as session:
            self._show_progress(arrival.arrival_progress(session, self.ctx.actor, batch))

    def _show_progress(self, progress: arrival.ArrivalProgress | None) -> None:
        self.unscanned.clear()
        if progress is None:
            self.progress.setText(self.tr("No export batch is waiting for its parcels."))
            self.confirm_button.setEnabled(False)
            return
        self.progress.setText(self.tr("Batch {batch}: {scanned} of {expected} scanned; not "
                                      "scanned yet:").format(batch=progress.batch,
                                                             scanned=progress.scanned,
                                                             expected=progress.expected))
        for cop_no, waybill in progress.unscanned:
            self.unscanned.addItem(f"{waybill}  ({cop_no})" if waybill else cop_no)
        self.confirm_button.setEnabled(progress.scanned > 0)

    def _on_batch_combo_current_index_changed(self, _index: int) -> None:
        self.refresh_progress()
        self.scan_edit.setFocus()

    def _on_scan_edit_return_pressed(self) -> None:
        self.scan(self.scan_edit.text())

    def scan(self, raw: str) -> arrival.ArrivalScan | None:
        self.scan_edit.clear()
        self.scan_edit.setFocus()
        batch = self.batch()
        if not raw.strip() or batch is None:
            return None
        try:
            with self.ctx.transaction() as session:
                result = arrival.scan_parcel(session, self.ctx.actor, batch, raw,
                                             all_settings(session), station=self.station)
        except UserFacingError as exc:
            self._show_panel("error", self.tr("Not done"), exc.text(self.ctx.lang))
            return None
        self.last_scan = result
        lang = self.ctx.lang
        titles = {arrival.ARRIVED: self.tr("Arrived"), arrival.AGAIN: self.tr("Scanned twice"),
                  arrival.OTHER_BATCH: self.tr("Another batch"),
                  arrival.NOT_EXPORT: self.tr("Not an export parcel"),
                  arrival.NOT_READY: self.tr("Not ready"),
                  arrival.UNKNOWN: self.tr("Unknown number")}
        detail = result.message.text(lang)
        if result.report is not None:
            detail += "\n" + self._reported(result.report)
        if result.report_error is not None:
            detail += "\n" + self.tr("Arrival report not sent yet: {reason}").format(
                reason=result.report_error.text(lang))
        self._show_panel(result.outcome, titles[result.outcome], detail)
        self._show_progress(result.progress)
        if result.report is not None:
            self.refresh_batches()
        return result

    def confirm_scanned(self) -> export_flow.StepResult | None:
        """Report the arrival of the parcels scanned so far (CEB507)."""
        batch = self.batch()
        if batch is None:
            return None
        if not self.confirm(self, self.tr("Report the arrival of the parcels of batch {batch} "
                                          "scanned so far? The others follow in a later "
                                          "report.").format(batch=batch)):
            return None
        try:
            with self.ctx.transaction() as session:
                result = arrival.confirm_arrival(session, self.ctx.actor, batch,
                                                 all_settings(session))
        except UserFacingError as exc:
            self._show_panel("error", self.tr("Not done"), exc.text(self.ctx.lang))
            return None
        self._show_panel(arrival.ARRIVED, self.tr("Arrival reported"), self._reported(result))
        self.refresh_batches()
        return result

    def _on_confirm_button_clicked(self) -> None:
        self.confirm_scanned()

    def _reported(self, report: export_flow.StepResult) -> str:
        """Hand the recorded messages over; the line saying so."""
        self.last_report = report
        with self.ctx.transaction(write=False) as session:
            settings = all_settings(session)
        try:
            offline = outbound.deliver_pending(self.ctx.sessions, self.ctx.actor,
                                               transport_from_settings(settings)).offline
        except UserFacingError:  # no exchange folder set: the watcher delivers them later
            offline = True
        text = self.tr("Arrival report (CEB507) of batch {batch}: {n} parcels ({files}).").format(
            batch=report.batch, n=report.parcels, files=", ".join(report.messages))
        if offline:
            text += "\n" + self.tr("The exchange folder is not reachable: the messages stay "
                                   "pending.")
        return text

    def _show_panel(self, kind: str, big: str, detail: str) -> None:
        show_outcome(self.big, COLOURS[kind], big)
        self.big.setProperty("outcome", kind)
        self.detail.setText(detail)
        self.play(SOUNDS[kind])

    def showEvent(self, event: Any) -> None:
        super().showEvent(event)
        self.scan_edit.setFocus()
