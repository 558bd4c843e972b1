"""The sorting-centre station: scan → weigh → label → bag, with the scale and thermal printer.

The scan field keeps the focus. A scan takes the stable weight of the parcel on the scale (the
scale is read on its own thread; without a scale the weight is typed); if the scale has not
settled yet the scan waits for it. Within tolerance the label goes to the thermal printer and
the parcel into the open bag of its route (green); outside, a red panel and a sound: the parcel
is held until a supervisor releases it (the "Release…" button, supervisors only).
"""

from __future__ import annotations

import sys
from collections import deque
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, Protocol

from PySide6.QtCore import QCoreApplication, Qt, QThreadPool, QTimer, Signal
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.documents.models import DocumentResult
from app.domain.errors import UserFacingError
from app.domain.status import DeclarationStatus
from app.security.context import Permission
from app.services.settings import all_settings
from app.station.bag_manifest import export_bag_manifest
from app.station.bags import OPEN, BagSummary, list_bags
from app.station.cycle import CycleResult, StationCycle
from app.station.output import SendResult, deliver_pending_jobs
from app.station.profiles import ThermalProfile, load_profiles, station_profile
from app.station.scale import ScaleMonitor, ScaleSettings
from app.station.weighing import Tolerance, kg_text, release_hold
from ui import file_dialogs
from ui.context import GuiContext
from ui.station.arrival_dialog import SiteArrivalDialog
from ui.workers import JobHandle, run_job
from ui.workspace.scan_parts import (
    OUTCOME_COLOURS,
    outcome_panel,
    result_list,
    scan_box,
    show_idle,
    show_outcome,
)
from ui.workspace.sounds import ScanSounds

C = OUTCOME_COLOURS
COLOURS = {"ok": C["ok"], "held": C["problem"], "problem": C["problem"],
           "unknown": C["unknown"], "bagged": C["duplicate"], "waiting": C["waiting"],
           "error": C["problem"]}
SOUNDS = {"ok": "ok", "held": "problem", "problem": "problem", "unknown": "unknown",
          "bagged": "duplicate",
          "error": "problem"}
POLL_MS = 50


class Scale(Protocol):
    def take(self, timeout: float = 0.0) -> Decimal | None: ...
    def stable_weight(self) -> Decimal | None: ...
    def stop(self) -> None: ...


def ask_reason(parent: QWidget, title: str, label: str) -> str | None:
    text, ok = QInputDialog.getText(parent, title, label)
    return text if ok else None


def ask_manifest_path(parent: QWidget, title: str) -> Path | None:
    path = file_dialogs.save_file(parent, title, "bags.pdf", "PDF (*.pdf)", "export")
    return Path(path) if path else None


class StationWindow(QDialog):
    cycled = Signal(object)  # CycleResult

    def __init__(self, ctx: GuiContext, parent: QWidget | None = None,
                 scale: Scale | None = None, profile: ThermalProfile | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("sorting_station")
        self.ctx = ctx
        self.sounds = ScanSounds(self)
        self.play: Callable[[str], None] = self.sounds.play  # seam
        self.ask_reason: Callable[[QWidget, str, str], str | None] = ask_reason  # seam
        self.ask_path: Callable[[QWidget, str], Path | None] = ask_manifest_path  # seam
        with ctx.sessions() as session:
            settings = all_settings(session)
        self.notes: list[str] = []
        self.scale = scale if scale is not None else self._open_scale(settings)
        if profile is None and load_profiles(settings):
            try:
                profile = station_profile(settings)
            except UserFacingError as exc:
                self.notes.append(exc.text(ctx.lang))
        self.cycle = StationCycle(ctx.sessions, ctx.actor, Tolerance.from_settings(settings),
                                  profile, station=settings.get("stationName", ""),
                                  deliver_now=False)
        # Labels go to the printer on one worker thread, in scan order: a printer that does
        # not answer delays its labels (they stay pending), never the next scan.
        self.print_pool = QThreadPool(self)
        self.print_pool.setMaxThreadCount(1)
        # The cycle itself (lookup, weighing, label rendering, bag, commit: 30–250 ms) runs on
        # its own worker, one parcel at a time, so the window never stalls (bench station-1000
        # measures the longest event-loop gap); scans arriving meanwhile wait in `queued`.
        self.cycle_pool = QThreadPool(self)
        self.cycle_pool.setMaxThreadCount(1)
        self.cycle.warm_up()
        self.pending: str | None = None
        self.queued: deque[str] = deque()
        self.busy = False
        self.timer = QTimer(self)
        self.timer.setInterval(POLL_MS)
        self._build_ui()
        self._connect_signals()
        self._show_idle()
        self.refresh_bags()
        self.timer.start()
        if self.cycle.profile is not None:
            self._send_labels()  # labels a crash or an offline printer left pending

    def _open_scale(self, settings: dict[str, str]) -> Scale | None:
        if not settings.get("scalePort"):
            return None
        try:
            return ScaleMonitor(ScaleSettings.from_settings(settings)).start()
        except UserFacingError as exc:
            self.notes.append(exc.text(self.ctx.lang))
            return None

    def _build_ui(self) -> None:
        self.setWindowTitle(self.tr("Sorting-centre station"))
        self.resize(980, 700)
        layout = QVBoxLayout(self)
        top = QHBoxLayout()
        self.scan_edit = scan_box(self, "station_scan", self.tr("Scan a waybill…"))
        top.addWidget(self.scan_edit, 3)
        self.weight_label = QLabel(self)
        self.weight_label.setObjectName("station_weight")
        self.weight_label.setStyleSheet("font-size: 22px; font-weight: bold;")
        top.addWidget(self.weight_label, 1)
        self.weight_edit = QLineEdit(self)
        self.weight_edit.setObjectName("station_manual_weight")
        self.weight_edit.setPlaceholderText(self.tr("Weight kg"))
        self.weight_edit.setVisible(self.scale is None)
        top.addWidget(self.weight_edit, 1)
        layout.addLayout(top)
        self.big = outcome_panel(self, "station_status", 150)
        layout.addWidget(self.big)
        self.detail = QLabel(self)
        self.detail.setObjectName("station_detail")
        self.detail.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.detail.setWordWrap(True)
        self.detail.setStyleSheet("font-size: 15px;")
        layout.addWidget(self.detail)
        middle = QHBoxLayout()
        self.table = result_list(self, "station_scans", [
            self.tr("Scanned number"), self.tr("Result"), self.tr("Weight kg"), self.tr("Route"),
            self.tr("Bag")])
        middle.addWidget(self.table, 3)
        self.bags = QTableWidget(0, 3, self)
        self.bags.setObjectName("station_bags")
        self.bags.setHorizontalHeaderLabels([self.tr("Route"), self.tr("Bag"),
                                             self.tr("Parcels")])
        self.bags.horizontalHeader().setStretchLastSection(True)
        self.bags.verticalHeader().setVisible(False)
        self.bags.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.bags.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        self.bags.setSelectionMode(QTableWidget.SelectionMode.SingleSelection)
        self.bags.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        middle.addWidget(self.bags, 2)
        layout.addLayout(middle, 1)
        self.printer_note = QLabel(self)
        self.printer_note.setObjectName("station_printer_note")
        self.printer_note.setWordWrap(True)
        layout.addWidget(self.printer_note)
        bar = QHBoxLayout()
        self.counts = QLabel(self)
        self.counts.setObjectName("station_counts")
        bar.addWidget(self.counts, 1)
        self.close_bag_button = QPushButton(self.tr("Close bag"), self)
        self.close_bag_button.setObjectName("station_close_bag")
        self.release_button = QPushButton(self.tr("Release held parcel…"), self)
        self.release_button.setObjectName("station_release")
        self.release_button.setEnabled(self.ctx.actor.can(Permission.ACKNOWLEDGE))
        self.manifest_button = QPushButton(self.tr("Bag manifest…"), self)
        self.manifest_button.setObjectName("station_bag_manifest")
        self.arrival_button = QPushButton(self.tr("Export arrival…"), self)
        self.arrival_button.setObjectName("station_export_arrival")
        self.arrival_button.setToolTip(self.tr("Scan an export batch's parcels in at the site; "
                                               "the arrival report (CEB507) follows."))
        for button in (self.close_bag_button, self.manifest_button, self.release_button,
                       self.arrival_button):
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            bar.addWidget(button)
        layout.addLayout(bar)
        self.tally: dict[str, int] = {"ok": 0, "held": 0, "problem": 0, "unknown": 0,
                                      "bagged": 0}
        self.last_held: int | None = None
        self.arrival: SiteArrivalDialog | None = None

    def _connect_signals(self) -> None:
        self.scan_edit.returnPressed.connect(self._on_scan_edit_return_pressed)
        self.timer.timeout.connect(self._on_timer_timeout)
        self.close_bag_button.clicked.connect(self._on_close_bag_button_clicked)
        self.release_button.clicked.connect(self._on_release_button_clicked)
        self.manifest_button.clicked.connect(self._on_manifest_button_clicked)
        self.arrival_button.clicked.connect(self._on_arrival_button_clicked)

    def showEvent(self, event: Any) -> None:
        super().showEvent(event)
        self.scan_edit.setFocus()

    def done(self, result: int) -> None:
        self.timer.stop()
        self.cycle_pool.waitForDone(10_000)
        self.print_pool.waitForDone(10_000)
        if self.scale is not None:
            self.scale.stop()
        super().done(result)

    # --- scanning ---------------------------------------------------------------------
    def _on_scan_edit_return_pressed(self) -> None:
        self.scan(self.scan_edit.text())

    def scan(self, raw: str) -> None:
        self.scan_edit.clear()
        self.scan_edit.setFocus()
        if not raw.strip():
            return
        if self.busy or self.pending is not None:
            self.queued.append(raw)  # scanned while the previous parcel is still going
            return
        self.pending = raw
        self._try_pending()

    def _weight_now(self) -> Decimal | None:
        if self.scale is not None:
            return self.scale.take(0)
        try:
            value = Decimal(self.weight_edit.text().strip())
        except InvalidOperation:
            return None
        return value if value.is_finite() and value > 0 else None

    def _try_pending(self) -> None:
        if self.pending is None or self.busy:
            return
        weight = self._weight_now()
        if weight is None:
            self._show_panel("waiting", self.tr("Put the parcel on the scale"),
                             self.pending.strip())
            return
        code, self.pending = self.pending, None
        self.busy = True
        cycle, sessions, actor = self.cycle, self.ctx.sessions, self.ctx.actor

        def job(_p: object, _c: object) -> tuple[CycleResult, list[BagSummary]]:
            result = cycle.run(code, weight)
            with sessions() as session:  # the open bags, read here: no SQL on the GUI thread
                return result, list_bags(session, actor, state=OPEN)

        run_job(job, on_finished=self._on_cycle_finished, on_failed=self._on_cycle_failed,
                pool=self.cycle_pool, parent=self)

    def _on_cycle_finished(self, done: tuple[CycleResult, list[BagSummary]]) -> None:
        result, open_bags = done
        self.busy = False
        self._show_result(result, open_bags)
        self.play(SOUNDS[result.outcome])
        if result.outcome == "ok" and self.cycle.profile is not None:
            self._send_labels()
        self.cycled.emit(result)
        self._next_queued()

    def _on_cycle_failed(self, error: BaseException) -> None:
        self.busy = False
        if not isinstance(error, UserFacingError):  # a bug: the crash dialog
            sys.excepthook(type(error), error, error.__traceback__)
            self._next_queued()
            return
        self._show_panel("error", self.tr("Not done"), error.text(self.ctx.lang))
        self.play(SOUNDS["error"])
        self._next_queued()

    def _next_queued(self) -> None:
        if self.queued and self.pending is None:
            self.pending = self.queued.popleft()
            self._try_pending()

    def _send_labels(self) -> None:
        sessions, actor = self.ctx.sessions, self.ctx.actor
        run_job(lambda _p, _c: deliver_pending_jobs(sessions, actor),
                on_finished=self._on_labels_sent, on_failed=self._on_labels_failed,
                pool=self.print_pool, parent=self)

    def _on_labels_sent(self, results: list[SendResult]) -> None:
        errors = [r.error for r in results if not r.sent]
        if errors:
            self.printer_note.setText(self.tr("Printer not reached; {count} label(s) waiting: "
                                              "{reason}").format(count=len(errors),
                                                                 reason=errors[-1]))
            self.printer_note.setStyleSheet("color:#c62828; font-weight:bold;")
        else:
            self.printer_note.setText("")

    def _on_labels_failed(self, error: BaseException) -> None:
        self.printer_note.setText(str(error))
        self.printer_note.setStyleSheet("color:#c62828; font-weight:bold;")

    def _on_timer_timeout(self) -> None:
        if self.scale is not None:
            weight = self.scale.stable_weight()
            self.weight_label.setText(f"{kg_text(weight)} kg" if weight is not None else "— kg")
        if self.pending is not None:
            self._try_pending()

    def _show_result(self, r: CycleResult, open_bags: list[BagSummary]) -> None:
        p = r.parcel
        weight = r.weighing.measured_kg if r.weighing else None
        if r.outcome == "unknown":
            self._show_panel("unknown", self.tr("Unknown number"), r.code)
        elif r.outcome == "bagged":
            self._show_panel("bagged", self.tr("Already in bag {bag}").format(bag=r.bag_no),
                             r.code)
        elif r.outcome == "problem" and p is not None:
            self._show_panel("problem", self.tr("Problem parcel") + " · " + self._status(p.status),
                             self.tr("Weighed; no label and no bag: put it aside"))
        elif r.outcome == "held":
            self.last_held = p.id if p else None
            if r.weighing is not None and r.weighing.declared_kg is not None:
                detail = self.tr("Measured {measured} kg, declared {declared} kg: put the "
                                 "parcel aside for a supervisor").format(
                    measured=kg_text(r.weighing.measured_kg),
                    declared=kg_text(r.weighing.declared_kg))
            else:
                detail = self.tr("Held for its weight until a supervisor decides")
            self._show_panel("held", self.tr("HELD · weight"), detail)
        else:
            detail = self.tr("Bag {bag} · route {route}").format(
                bag=r.bag.bag_no if r.bag else "-", route=r.route or "-")
            if self.cycle.profile is None:
                detail += "\n" + self.tr("No thermal printer is set up: no label printed")
            self._show_panel("ok", r.route or self.tr("OK"), detail)
        self.tally[r.outcome] = self.tally.get(r.outcome, 0) + 1
        self._append(r, weight)
        self._show_bags(open_bags)

    def _show_panel(self, kind: str, big: str, detail: str) -> None:
        show_outcome(self.big, COLOURS[kind], big)
        self.big.setProperty("outcome", kind)
        self.detail.setText(detail)

    def _show_idle(self) -> None:
        show_idle(self.big, self.tr("Ready to scan"))
        self.detail.setText("\n".join(self.notes))
        self.weight_label.setText("— kg" if self.scale is not None else "")
        self._update_counts()

    def _append(self, r: CycleResult, weight: Decimal | None) -> None:
        self.table.insertRow(0)
        labels = {"ok": self.tr("OK"), "held": self.tr("Held"),
                  "problem": self.tr("Problem parcel"),
                  "unknown": self.tr("Unknown number"), "bagged": self.tr("Already bagged")}
        values = (r.code, labels.get(r.outcome, r.outcome),
                  kg_text(weight) or "", r.route,
                  r.bag.bag_no if r.bag else r.bag_no)
        for col, text in enumerate(values):
            self.table.setItem(0, col, QTableWidgetItem(text))
        self._update_counts()

    def _update_counts(self) -> None:
        t = self.tally
        self.counts.setText(self.tr("{ok} labelled · {held} held · {problem} problem · "
                                    "{bagged} already bagged · {unknown} unknown").format(**t))

    def _status(self, status: str) -> str:
        try:
            return QCoreApplication.translate("status", DeclarationStatus(status).label)
        except ValueError:
            return status

    # --- bags and holds ----------------------------------------------------------------
    def refresh_bags(self) -> None:
        with self.ctx.sessions() as session:
            self._show_bags(list_bags(session, self.ctx.actor, state=OPEN))

    def _show_bags(self, open_bags: list[BagSummary]) -> None:
        self.open_bags = open_bags
        self.bags.setRowCount(len(self.open_bags))
        for row, bag in enumerate(self.open_bags):
            for col, text in enumerate((bag.route, bag.bag_no, str(bag.parcels))):
                self.bags.setItem(row, col, QTableWidgetItem(text))
        self.close_bag_button.setEnabled(bool(self.open_bags))

    def close_selected_bag(self) -> BagSummary | None:
        rows = self.bags.selectionModel().selectedRows()
        if not rows:
            if len(self.open_bags) != 1:
                self.detail.setText(self.tr("Select the bag to close"))
                return None
            bag = self.open_bags[0]
        else:
            bag = self.open_bags[rows[0].row()]
        weight = self._weight_now()
        try:
            closed, _ = self.cycle.close_bag(bag.bag_no, weight)
        except UserFacingError as exc:
            self.detail.setText(exc.text(self.ctx.lang))
            return None
        text = self.tr("Closed bag {bag}: {count} parcel(s)").format(bag=closed.bag_no,
                                                                    count=closed.parcels)
        self._show_panel("ok", closed.bag_no, text)
        if self.cycle.profile is not None:
            self._send_labels()
        self.refresh_bags()
        self.scan_edit.setFocus()
        return closed

    def _on_close_bag_button_clicked(self) -> None:
        self.close_selected_bag()

    def write_manifest(self) -> JobHandle | None:
        """The bag manifest PDF (all closed bags) to a file the user picks, on a worker."""
        target = self.ask_path(self, self.tr("Save the bag manifest"))
        if target is None:
            return None
        ctx = self.ctx

        def job(_p: object, _c: object) -> DocumentResult:
            with ctx.transaction() as session:
                return export_bag_manifest(session, ctx.actor, target)

        return run_job(job, on_finished=self._on_manifest_written,
                       on_failed=self._on_manifest_failed, parent=self)

    def _on_manifest_written(self, result: DocumentResult) -> None:
        self.detail.setText(self.tr("Bag manifest written: {file} ({pages} page(s))").format(
            file=result.file, pages=result.pages))

    def _on_manifest_failed(self, error: BaseException) -> None:
        self.detail.setText(error.text(self.ctx.lang) if isinstance(error, UserFacingError)
                            else str(error))

    def _on_manifest_button_clicked(self) -> None:
        self.write_manifest()

    def release(self, declaration_id: int | None = None) -> bool:
        decl = declaration_id if declaration_id is not None else self.last_held
        if decl is None:
            self.detail.setText(self.tr("No held parcel was scanned"))
            return False
        reason = self.ask_reason(self, self.tr("Release held parcel"),
                                 self.tr("Why may declaration {id} go on?").format(id=decl))
        if reason is None:
            return False
        try:
            with self.ctx.transaction() as session:
                release_hold(session, self.ctx.actor, decl, reason)
        except UserFacingError as exc:
            self.detail.setText(exc.text(self.ctx.lang))
            return False
        self.detail.setText(self.tr("Declaration {id} released").format(id=decl))
        self.scan_edit.setFocus()
        return True

    def open_arrival(self) -> SiteArrivalDialog:
        """The export arrival scanning (a window of its own beside the station)."""
        if self.arrival is None or not self.arrival.isVisible():
            self.arrival = SiteArrivalDialog(self.ctx, self, station=self.cycle.station)
            self.arrival.setModal(False)
        else:
            self.arrival.refresh_batches()
        self.arrival.show()
        self.arrival.raise_()
        return self.arrival

    def _on_arrival_button_clicked(self) -> None:
        self.open_arrival()

    def _on_release_button_clicked(self) -> None:
        self.release()

    def deliver_pending(self) -> int:
        """Send label jobs left pending (printer was offline); returns how many were sent."""
        return sum(1 for r in deliver_pending_jobs(self.ctx.sessions, self.ctx.actor)
                   if r.sent)
