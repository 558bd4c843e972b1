"""Reports ▸ Exceptions…: what stopped anywhere in the flow, by cause, oldest first — the
work people do while the autopilot takes the clean parcels. A supervisor pauses or resumes
the office's autopilot here."""

from __future__ import annotations

from datetime import UTC, datetime

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.autopilot.exceptions import ExceptionGroup, exception_groups
from app.autopilot.run import is_paused, set_paused
from app.domain.clock import to_beijing
from app.i18n import render
from app.security.context import Permission
from ui.context import GuiContext


class ExceptionsDialog(QDialog):
    def __init__(self, ctx: GuiContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.groups: list[ExceptionGroup] = []
        self.setObjectName("exceptions_dialog")
        self.setWindowTitle(self.tr("Exceptions"))
        self.resize(820, 420)
        layout = QVBoxLayout(self)
        self.summary = QLabel(self)
        self.summary.setObjectName("exceptions_summary")
        layout.addWidget(self.summary)
        self.table = QTableWidget(0, 4, self)
        self.table.setObjectName("exceptions_table")
        self.table.setHorizontalHeaderLabels([self.tr("Cause"), self.tr("Parcels"),
                                              self.tr("Oldest"), self.tr("Hours")])
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        layout.addWidget(self.table, 1)
        row = QHBoxLayout()
        self.paused_label = QLabel(self)
        self.paused_label.setObjectName("autopilot_state_label")
        row.addWidget(self.paused_label, 1)
        self.pause_button = QPushButton(self)
        self.pause_button.setObjectName("autopilot_pause_button")
        self.pause_button.setEnabled(ctx.actor.can(Permission.AUTOPILOT))
        self.refresh_button = QPushButton(self.tr("Refresh (F5)"), self)
        self.refresh_button.setShortcut("F5")
        close = QPushButton(self.tr("Close"), self)
        for b in (self.pause_button, self.refresh_button, close):
            row.addWidget(b)
        layout.addLayout(row)
        self.pause_button.clicked.connect(self._on_pause_button_clicked)
        self.refresh_button.clicked.connect(self.refresh)
        close.clicked.connect(self.close)
        self.refresh()

    def refresh(self) -> None:
        now = datetime.now(UTC)
        with self.ctx.transaction(write=False) as s:
            self.groups = exception_groups(s, self.ctx.actor, now=now)
            self._paused = is_paused(s)
        lang = self.ctx.lang
        self.table.setRowCount(len(self.groups))
        for r, g in enumerate(self.groups):
            hours = (now - g.oldest).total_seconds() / 3600 if g.oldest else None
            cells = [render(g.title(), lang), f"{g.count:,}",
                     to_beijing(g.oldest).strftime("%m-%d %H:%M") if g.oldest else "",
                     f"{hours:.1f}" if hours is not None else ""]
            for c, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if c:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight
                                          | Qt.AlignmentFlag.AlignVCenter)
                self.table.setItem(r, c, item)
        total = sum(g.count for g in self.groups)
        self.summary.setText(self.tr("{n} parcels wait for a person.").format(n=f"{total:,}")
                             if total else self.tr("Nothing is waiting for a person."))
        self.paused_label.setText(self.tr("Autopilot paused") if self._paused
                                  else self.tr("Autopilot running"))
        self.pause_button.setText(self.tr("Resume autopilot") if self._paused
                                  else self.tr("Pause autopilot"))

    def _on_pause_button_clicked(self) -> None:
        with self.ctx.transaction() as s:
            set_paused(s, self.ctx.actor, paused=not self._paused)
        self.refresh()
