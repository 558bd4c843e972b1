"""Monthly summaries (CEB701 汇总申请单) in the GUI: the applications of a month with customs'
receipt (CEB702: summary number) and result (CEB792: the customs declaration), and a button
that applies for the month's released and departed export inventories.

On the Batches menu ("Monthly summaries…"). The confirmation goes through a seam (`confirm`)
tests replace; the messages go out through the outbox at once, like the batches'.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import TYPE_CHECKING

from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.domain.clock import beijing_now
from app.domain.errors import UserFacingError
from app.services import settings as settings_service
from ui.context import GuiContext

if TYPE_CHECKING:
    from app.submission import summary
    from ui.main_window import MainWindow


def _last_month(today: date) -> str:
    return (today.replace(day=1) - timedelta(days=1)).strftime("%Y-%m")


class SummaryDialog(QDialog):
    def __init__(self, ctx: GuiContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.rows: list[summary.SummaryRow] = []
        self.last_message = ""
        self.confirm: Callable[[str], bool] = self._ask  # seam
        self._build_ui()
        self._connect_signals()
        self.refresh()

    def _build_ui(self) -> None:
        self.setWindowTitle(self.tr("Monthly summaries"))
        self.setObjectName("summary_dialog")
        self.resize(900, 420)
        layout = QVBoxLayout(self)
        top = QHBoxLayout()
        top.addWidget(QLabel(self.tr("Month (YYYY-MM):"), self))
        self.month_edit = QLineEdit(_last_month(beijing_now().date()), self)
        self.month_edit.setObjectName("summary_month")
        self.month_edit.setMaxLength(7)
        top.addWidget(self.month_edit)
        self.apply_button = QPushButton(self.tr("&Apply for the month…"), self)
        self.apply_button.setObjectName("summary_apply")
        self.refresh_button = QPushButton(self.tr("&Refresh"), self)
        top.addWidget(self.apply_button)
        top.addWidget(self.refresh_button)
        top.addStretch(1)
        layout.addLayout(top)
        self.table = QTableWidget(0, 8, self)
        self.table.setObjectName("summary_table")
        self.table.setHorizontalHeaderLabels([
            self.tr("Month"), "copNo", self.tr("Exporter"), self.tr("Inventories"),
            self.tr("State"), "sumNo", self.tr("Customs declaration"),
            self.tr("Customs' answer")])
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(
            QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        layout.addWidget(self.table, 1)

    def _connect_signals(self) -> None:
        self.apply_button.clicked.connect(self.apply_for_month)
        self.refresh_button.clicked.connect(self.refresh)

    def refresh(self) -> None:
        with self.ctx.transaction(write=False) as session:
            from app.submission import summary  # imported when used: not before the first page

            self.rows = summary.list_summaries(session, self.ctx.actor)
        self.table.setRowCount(len(self.rows))
        for r, row in enumerate(self.rows):
            state = self.tr(summary.STATE_LABELS.get(row.status, row.status))
            if row.dec_state:
                state += f" · {row.dec_state}"
            values = [row.month, row.cop_no, row.ebc_name or row.ebc_code, str(row.inventories),
                      state, row.sum_no or "", row.entry_id or "",
                      f"{row.return_status or ''} {row.return_info or ''}".strip()]
            for c, text in enumerate(values):
                self.table.setItem(r, c, QTableWidgetItem(text))

    def apply_for_month(self) -> summary.SummaryResult | None:
        month = self.month_edit.text().strip()
        if not self.confirm(self.tr("Apply for the summary of {month}: every released and "
                                    "departed export inventory of that month not yet "
                                    "summarised?").format(month=month)):
            return None
        from app.submission import outbound, summary
        from app.submission.exchange import transport_from_settings

        actor = self.ctx.actor
        try:
            with self.ctx.transaction() as session:
                settings = settings_service.all_settings(session)
                result = summary.apply_for_summary(session, actor, month, settings)
            transport = transport_from_settings(settings)
        except UserFacingError as exc:
            self._show(exc.text(self.ctx.lang), error=True)
            return None
        outbound.deliver_pending(self.ctx.sessions, actor, transport)
        self.refresh()
        self._show(self.tr("{n} summary applications for {month} handed over.").format(
            n=len(result.applications), month=result.month))
        return result

    def _ask(self, question: str) -> bool:
        answer = QMessageBox.question(self, self.windowTitle(), question)
        return answer == QMessageBox.StandardButton.Yes

    def _show(self, text: str, *, error: bool = False) -> None:
        self.last_message = text
        if self.isVisible():
            (QMessageBox.warning if error else QMessageBox.information)(
                self, self.windowTitle(), text)


def install(window: MainWindow) -> None:
    action = QAction(window.tr("Monthly &summaries…"), window)
    action.setObjectName("action_monthly_summaries")
    action.setToolTip(window.tr("Monthly summary applications of export inventories (CEB701) "
                                "and customs' results (CEB792)."))

    def open_dialog() -> None:
        dialog = SummaryDialog(window.ctx, window)
        dialog.open()

    action.triggered.connect(open_dialog)
    window.menus["batches"].addAction(action)
