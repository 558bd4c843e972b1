"""Reports ▸ Today's flow…: the supervisor's dashboard — a Beijing day hour by hour (received,
declared by the autopilot and by people, exceptions, released) with the day's totals and a
bar in each cell. Refreshes itself every minute; clicking an hour's exceptions opens
Reports ▸ Exceptions… (what is waiting, by cause)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRect, Qt, QTimer
from PySide6.QtGui import QBrush, QColor, QPainter
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.autopilot.dashboard import STOP_LABELS, DayFlow, HourFlow, day_flow
from app.domain.clock import beijing_today, to_beijing
from app.i18n import translate
from ui.context import GuiContext
from ui.date_box import DateBox

REFRESH_MS = 60_000
# (field of HourFlow, bar colour); the header texts are in _headers().
COLUMNS = (("received", "#5b8def"), ("auto_declared", "#2e9d5b"),
           ("declared_by_people", "#8a6bd1"), ("exceptions", "#d9534f"),
           ("released", "#e0a526"))
EXCEPTIONS_COLUMN = [key for key, _ in COLUMNS].index("exceptions")
BAR_SHARE = Qt.ItemDataRole.UserRole + 1  # the cell's value / the column's busiest hour
BAR_COLOUR = Qt.ItemDataRole.UserRole + 2


class BarDelegate(QStyledItemDelegate):
    """The number over a pale bar as long as its share of the column's busiest hour."""

    def paint(self, painter: QPainter, option: QStyleOptionViewItem,
              index: QModelIndex | QPersistentModelIndex) -> None:
        share = index.data(BAR_SHARE)
        colour = index.data(BAR_COLOUR)
        if isinstance(share, float) and share > 0 and isinstance(colour, str):
            rect: QRect = option.rect.adjusted(2, 4, -2, -4)  # type: ignore[attr-defined]
            rect.setWidth(max(2, int(rect.width() * share)))
            bar = QColor(colour)
            bar.setAlpha(70)
            painter.fillRect(rect, bar)
        super().paint(painter, option, index)


class DashboardDialog(QDialog):
    def __init__(self, ctx: GuiContext, open_exceptions: Callable[[], object],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.open_exceptions = open_exceptions  # seam: the main window's Exceptions view
        self.now: Callable[[], datetime] = lambda: datetime.now(UTC)  # seam for tests
        self.flow: DayFlow | None = None
        self.setObjectName("dashboard_dialog")
        self.setWindowTitle(self.tr("Today's flow"))
        self._build_ui()
        self._connect_signals()
        self.refresh()

    def _build_ui(self) -> None:
        self.resize(820, 860)
        layout = QVBoxLayout(self)
        top = QHBoxLayout()
        self.day_box = DateBox(beijing_today(), self)
        self.day_box.setObjectName("dashboard_day")
        self.day_box.setKeyboardTracking(False)  # a typed day counts once, on Enter / Tab
        self.title = QLabel(self)
        self.title.setObjectName("dashboard_title")
        top.addWidget(QLabel(self.tr("Day (Beijing time):"), self))
        top.addWidget(self.day_box)
        top.addWidget(self.title, 1)
        layout.addLayout(top)
        self.table = QTableWidget(25, len(COLUMNS), self)
        self.table.setObjectName("dashboard_table")
        self.table.setHorizontalHeaderLabels(self._headers())
        self.table.setVerticalHeaderLabels([f"{h:02d}:00" for h in range(24)]
                                           + [self.tr("Total")])
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectItems)
        self.table.setItemDelegate(BarDelegate(self.table))
        self.table.horizontalHeaderItem(EXCEPTIONS_COLUMN).setToolTip(self.tr(
            "Parcels that stopped in that hour and still wait for a person. Click a number "
            "to see them by cause."))
        layout.addWidget(self.table, 1)
        row = QHBoxLayout()
        self.updated_label = QLabel(self)
        self.updated_label.setObjectName("dashboard_updated")
        row.addWidget(self.updated_label, 1)
        self.refresh_button = QPushButton(self.tr("Refresh (F5)"), self)
        self.refresh_button.setShortcut("F5")
        self.close_button = QPushButton(self.tr("Close"), self)
        row.addWidget(self.refresh_button)
        row.addWidget(self.close_button)
        layout.addLayout(row)
        self.timer = QTimer(self)
        self.timer.setInterval(REFRESH_MS)
        self.timer.start()

    def _headers(self) -> list[str]:
        return [self.tr("Received"), self.tr("Auto-declared"), self.tr("Declared by people"),
                self.tr("Exceptions"), self.tr("Released")]

    def _connect_signals(self) -> None:
        self.refresh_button.clicked.connect(self.refresh)
        self.close_button.clicked.connect(self.close)
        self.timer.timeout.connect(self._on_timer_timeout)
        self.day_box.dateChanged.connect(self._on_day_box_date_changed)
        self.table.cellClicked.connect(self._on_table_cell_clicked)
        self.table.cellActivated.connect(self._on_table_cell_clicked)

    def refresh(self) -> None:
        now = self.now()
        with self.ctx.transaction(write=False) as s:
            self.flow = day_flow(s, self.ctx.actor, self.day_box.day(), now=now)
        flow = self.flow
        rows = [*flow.hours, flow.totals]
        peaks = [max((getattr(h, key) for h in flow.hours), default=0) for key, _ in COLUMNS]
        local = to_beijing(now)
        later = flow.day > local.date()
        lang = self.ctx.lang
        for r, hour in enumerate(rows):
            future = later or (flow.day == local.date() and hour.hour is not None
                               and hour.hour > local.hour)
            for c, (key, colour) in enumerate(COLUMNS):
                value = int(getattr(hour, key))
                item = QTableWidgetItem("" if future else f"{value:,}")
                item.setTextAlignment(Qt.AlignmentFlag.AlignRight
                                      | Qt.AlignmentFlag.AlignVCenter)
                if hour.hour is None:
                    font = item.font()
                    font.setBold(True)
                    item.setFont(font)
                elif peaks[c] and value and not future:
                    item.setData(BAR_SHARE, value / peaks[c])
                    item.setData(BAR_COLOUR, colour)
                if c == EXCEPTIONS_COLUMN and hour.stops:
                    item.setForeground(QBrush(QColor("#b00020")))
                    item.setToolTip("\n".join(f"{translate(STOP_LABELS[k], lang)}: {n:,}"
                                              for k, n in hour.stops))
                self.table.setItem(r, c, item)
        self.title.setText(self._summary(flow.totals))
        self.updated_label.setText(self.tr("Updated at {time}; refreshes every minute.")
                                   .format(time=local.strftime("%H:%M:%S")))

    def _summary(self, t: HourFlow) -> str:
        return self.tr("{received} received, {declared} declared ({auto} by the autopilot), "
                       "{released} released, {exceptions} waiting for a person").format(
            received=f"{t.received:,}", declared=f"{t.declared:,}",
            auto=f"{t.auto_declared:,}", released=f"{t.released:,}",
            exceptions=f"{t.exceptions:,}")

    def _on_timer_timeout(self) -> None:
        if self.isVisible():
            self.refresh()

    def _on_day_box_date_changed(self) -> None:
        self.refresh()

    def _on_table_cell_clicked(self, row: int, column: int) -> None:
        if column != EXCEPTIONS_COLUMN or self.flow is None:
            return
        hour = self.flow.totals if row == 24 else self.flow.hours[row]
        if hour.exceptions:
            self.open_exceptions()
