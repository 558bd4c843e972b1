"""Scan station for keyboard-wedge barcode scanners.

The scan field keeps the focus; a scanner types the number and Enter. The parcel's status
shows large and colour-coded; unknown numbers, second scans within the session and problem
parcels get their own colour and sound. Optionally each good scan prints the parcel's label
through `print_label` (set by the printing feature). The list of scans can be exported.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QCoreApplication, Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.domain.errors import UserFacingError
from app.domain.status import DeclarationStatus
from app.services.scanning import (
    OUTCOME_LABELS,
    Scan,
    ScanSession,
    lookup_scan,
    normalise_code,
)
from ui import file_dialogs
from ui.context import GuiContext
from ui.workspace.scan_parts import (
    OUTCOME_COLOURS,
    outcome_panel,
    result_list,
    scan_box,
    show_idle,
    show_outcome,
)
from ui.workspace.sounds import ScanSounds


def ask_export_path(parent: QWidget, title: str) -> Path | None:
    path = file_dialogs.save_file(parent, title, "scans.csv", "CSV (*.csv)", "export")
    return Path(path) if path else None


class ScanStation(QDialog):
    scanned = Signal(object)  # Scan
    declaration_scanned = Signal(int)  # select it in the grid

    def __init__(self, ctx: GuiContext, parent: QWidget | None = None,
                 print_label: Callable[[int], None] | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("scan_station")
        self.ctx, self.lang = ctx, ctx.lang
        self.session = ScanSession()
        self.print_label = print_label
        self.sounds = ScanSounds(self)
        self.play: Callable[[str], None] = self.sounds.play  # seam
        self.ask_path: Callable[[QWidget, str], Path | None] = ask_export_path  # seam
        self._build_ui()
        self._connect_signals()
        self._show_idle()

    def _build_ui(self) -> None:
        self.setWindowTitle(self.tr("Parcel scan station"))
        self.resize(900, 640)
        layout = QVBoxLayout(self)
        self.scan_edit = scan_box(self, "scan_edit", self.tr("Scan a waybill or S10 number…"))
        layout.addWidget(self.scan_edit)
        self.big = outcome_panel(self, "scan_status", 170)
        layout.addWidget(self.big)
        self.detail = QLabel(self)
        self.detail.setObjectName("scan_detail")
        self.detail.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.detail.setStyleSheet("font-size: 15px;")
        layout.addWidget(self.detail)
        self.table = result_list(self, "scan_list", [
            self.tr("Time"), self.tr("Scanned number"), self.tr("Result"), self.tr("Status"),
            self.tr("Order No.")])
        for col, width in enumerate((80, 200, 110, 110)):
            self.table.setColumnWidth(col, width)
        layout.addWidget(self.table, 1)
        bar = QHBoxLayout()
        self.counts = QLabel(self)
        self.counts.setObjectName("scan_counts")
        bar.addWidget(self.counts, 1)
        self.print_check = QCheckBox(self.tr("Print the label after each good scan"), self)
        self.print_check.setObjectName("print_check")
        self.print_check.setEnabled(self.print_label is not None)
        if self.print_label is None:
            self.print_check.setToolTip(self.tr("Label printing is not available."))
        self.print_check.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        bar.addWidget(self.print_check)
        self.export_button = QPushButton(self.tr("Export list…"), self)
        self.export_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        bar.addWidget(self.export_button)
        layout.addLayout(bar)

    def _connect_signals(self) -> None:
        self.scan_edit.returnPressed.connect(self._on_scan_edit_return_pressed)
        self.export_button.clicked.connect(self.export)

    def showEvent(self, event: object) -> None:
        super().showEvent(event)  # type: ignore[arg-type]
        self.scan_edit.setFocus()

    # --- scanning -----------------------------------------------------------------------
    def scan(self, raw: str) -> Scan | None:
        code = normalise_code(raw)
        self.scan_edit.clear()
        self.scan_edit.setFocus()
        if not code:
            return None
        with self.ctx.transaction() as s:
            parcel = lookup_scan(s, self.ctx.actor, code)
        scan = self.session.record(code, parcel)
        self._show(scan)
        self._append(scan)
        self.play(scan.outcome)
        if parcel is not None:
            self.declaration_scanned.emit(parcel.id)
        if (scan.outcome == "ok" and parcel is not None and self.print_label is not None
                and self.print_check.isChecked()):
            try:
                self.print_label(parcel.id)
            except UserFacingError as exc:
                self.detail.setText(exc.text(self.lang))
        self.scanned.emit(scan)
        return scan

    def _status_text(self, status: str) -> str:
        try:
            return QCoreApplication.translate("status", DeclarationStatus(status).label)
        except ValueError:
            return status

    def _show(self, scan: Scan) -> None:
        colour = OUTCOME_COLOURS[scan.outcome]
        p = scan.parcel
        if p is None:
            big = self.tr("Unknown number")
            detail = scan.code
        else:
            big = self._status_text(p.status)
            if scan.outcome == "duplicate":
                big = self.tr("Scanned twice") + " · " + big
            elif scan.outcome == "problem":
                big = self.tr("Problem parcel") + " · " + big
            detail = self.tr("Waybill {waybill} · order {order} · declaration {id}").format(
                waybill=p.waybill or "-", order=p.order_no or "-", id=p.id)
        show_outcome(self.big, colour, big)
        self.detail.setText(detail)

    def _show_idle(self) -> None:
        show_idle(self.big, self.tr("Ready to scan"))
        self._update_counts()

    def _append(self, scan: Scan) -> None:
        self.table.insertRow(0)
        p = scan.parcel
        values = (scan.at.strftime("%H:%M:%S"), scan.code,
                  self.tr(OUTCOME_LABELS[scan.outcome]),
                  self._status_text(p.status) if p else "", (p.order_no or "") if p else "")
        for col, text in enumerate(values):
            item = QTableWidgetItem(text)
            if col == 2:
                item.setForeground(Qt.GlobalColor.white)
                item.setBackground(_brush(OUTCOME_COLOURS[scan.outcome]))
            self.table.setItem(0, col, item)
        self._update_counts()

    def _update_counts(self) -> None:
        c = self.session.counts()
        self.counts.setText(self.tr("{total} scanned · {ok} OK · {problem} problem · "
                                    "{duplicate} twice · {unknown} unknown").format(
            total=len(self.session.scans), **c))

    def export(self) -> Path | None:
        path = self.ask_path(self, self.tr("Export the scan list"))
        if path is None:
            return None
        self.session.export_csv(path, self.lang)
        self.detail.setText(self.tr("Exported {n} scan(s) to {path}").format(
            n=len(self.session.scans), path=path))
        self.scan_edit.setFocus()
        return path

    def _on_scan_edit_return_pressed(self) -> None:
        self.scan(self.scan_edit.text())


def _brush(colour: str) -> object:
    from PySide6.QtGui import QBrush, QColor

    return QBrush(QColor(colour))
