"""Reports ▸ Tax reconciliation…: what customs billed against the estimate, with the causes.

Totals per batch and guarantor come from the service in SQL; the mismatches (at most the
service's limit) are shown in a small table model. Export writes the same workbook as
`cleardesk tax reconcile -o`.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QDate, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QDateEdit,
    QDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.domain.clock import beijing_today
from app.domain.errors import UserFacingError
from app.i18n import translate
from app.reports.tax_reconcile import (
    CAUSES,
    Mismatch,
    ReconcileScope,
    Reconciliation,
    export_reconciliation,
    reconcile,
)
from ui.context import GuiContext
from ui.file_dialogs import save_file

_Index = QModelIndex | QPersistentModelIndex


def _qdate(d: date) -> QDate:
    return QDate(d.year, d.month, d.day)


class MismatchTableModel(QAbstractTableModel):
    """The mismatching declarations; texts formatted once when the rows are set."""

    def __init__(self, lang: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.lang = lang
        self._rows: list[list[str]] = []
        self._headers = [self.tr("Internal No."), self.tr("Inventory No."),
                         self.tr("Tax bill No."), self.tr("Batch No."), self.tr("Guarantor"),
                         self.tr("Estimated"), self.tr("Billed"), self.tr("Difference"),
                         self.tr("Likely cause")]

    def set_mismatches(self, mismatches: tuple[Mismatch, ...]) -> None:
        self.beginResetModel()
        self._rows = []
        for m in mismatches:
            d = m.as_dict()
            self._rows.append([m.copNo or "", m.invtNo, m.taxNo, m.batch or "",
                               m.assureCode or "", d["estimated"] or "—", d["billed"] or "",
                               d["difference"] or "", translate(CAUSES[m.cause], self.lang)])
        self.endResetModel()

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._headers)

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or role != Qt.ItemDataRole.DisplayRole:
            if role == Qt.ItemDataRole.TextAlignmentRole and 5 <= index.column() <= 7:
                return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            return None
        return self._rows[index.row()][index.column()]

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return self._headers[section]
        return None


class TaxReconcileDialog(QDialog):
    def __init__(self, ctx: GuiContext, parent: QWidget | None = None,
                 today: date | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("tax_reconcile_dialog")
        self.setWindowTitle(self.tr("Tax reconciliation"))
        self.ctx = ctx
        self.result: Reconciliation | None = None
        # Seams: the target file chosen for Export ("" = cancelled); an error shown.
        self.choose_target: Callable[[], str] = self._choose_target
        self.show_error: Callable[[str], None] = self._show_error
        self._today = today or beijing_today()  # the business day, as the other reports
        self._build_ui()
        self._connect_signals()

    def _build_ui(self) -> None:
        self.resize(1000, 560)
        layout = QVBoxLayout(self)
        bar = QHBoxLayout()
        self.all_dates = QCheckBox(self.tr("All dates"), self)
        self.from_edit = QDateEdit(_qdate(self._today - timedelta(days=30)), self)
        self.to_edit = QDateEdit(_qdate(self._today), self)
        for edit in (self.from_edit, self.to_edit):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("yyyy-MM-dd")
        self.batch_edit = QLineEdit(self)
        self.batch_edit.setPlaceholderText(self.tr("Batch No. (optional)"))
        self.run_button = QPushButton(self.tr("Reconcile"), self)
        self.export_button = QPushButton(self.tr("Export…"), self)
        bar.addWidget(QLabel(self.tr("Bills from"), self))
        bar.addWidget(self.from_edit)
        bar.addWidget(QLabel(self.tr("to"), self))
        bar.addWidget(self.to_edit)
        bar.addWidget(self.all_dates)
        bar.addWidget(self.batch_edit, 1)
        bar.addWidget(self.run_button)
        bar.addWidget(self.export_button)
        layout.addLayout(bar)
        self.totals = QLabel(self)
        self.totals.setObjectName("tax_totals")
        self.totals.setWordWrap(True)
        layout.addWidget(self.totals)
        self.model = MismatchTableModel(self.ctx.lang, self)
        self.table = QTableView(self)
        self.table.setModel(self.model)
        self.table.horizontalHeader().setStretchLastSection(True)
        layout.addWidget(self.table, 1)

    def _connect_signals(self) -> None:
        self.run_button.clicked.connect(self.run)
        self.export_button.clicked.connect(self.export)
        self.all_dates.toggled.connect(self._on_all_dates_toggled)

    def _on_all_dates_toggled(self, checked: bool) -> None:
        self.from_edit.setEnabled(not checked)
        self.to_edit.setEnabled(not checked)

    def scope(self) -> ReconcileScope:
        batch = self.batch_edit.text().strip() or None
        if self.all_dates.isChecked():
            return ReconcileScope(batch=batch)
        return ReconcileScope(self.from_edit.date().toPython(),  # type: ignore[arg-type]
                              self.to_edit.date().toPython(), batch)  # type: ignore[arg-type]

    def run(self) -> Reconciliation | None:
        try:
            with self.ctx.transaction() as session:
                rec = reconcile(session, self.ctx.actor, self.scope())
        except UserFacingError as exc:
            self.show_error(exc.text(self.ctx.lang))
            return None
        self._show(rec)
        return rec

    def _show(self, rec: Reconciliation) -> None:
        self.result = rec
        data = rec.as_json()
        self.totals.setText(self.tr(
            "{n} declarations: billed {billed}, estimated {estimated}, difference "
            "{difference}; {count} mismatches.").format(
                n=rec.declarations, billed=data["billed"], estimated=data["estimated"],
                difference=data["difference"], count=rec.mismatch_count))
        self.model.set_mismatches(rec.mismatches)
        self.table.resizeColumnsToContents()

    def export(self) -> Reconciliation | None:
        target = self.choose_target()
        if not target:
            return None
        from pathlib import Path

        try:
            with self.ctx.transaction() as session:
                rec = export_reconciliation(session, self.ctx.actor, self.scope(),
                                            Path(target), lang=self.ctx.lang)
        except UserFacingError as exc:
            self.show_error(exc.text(self.ctx.lang))
            return None
        self._show(rec)
        return rec

    def _choose_target(self) -> str:
        return save_file(self, self.tr("Export tax reconciliation"), "tax-reconciliation.xlsx",
                         self.tr("Excel workbook (*.xlsx)"), "reports")

    def _show_error(self, text: str) -> None:
        from PySide6.QtWidgets import QMessageBox

        QMessageBox.warning(self, self.tr("Tax reconciliation"), text)
