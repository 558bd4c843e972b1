"""DeclarationTableModel: one QAbstractTableModel over SQL, paging rows into a small cache.

It knows the total for the current filter, fetches pages with ORDER BY/OFFSET/LIMIT when the
view needs them, sorts and filters by re-querying. `data()` never runs SQL: a missing page is
queued and fetched on the next event-loop turn, then announced with `dataChanged`.
"""

from __future__ import annotations

from collections import OrderedDict
from decimal import Decimal
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QCoreApplication,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QBrush, QColor

from app.domain.status import DeclarationStatus
from app.services import declarations as decl_service
from app.services.queries import GRID_COLUMNS, DeclarationFilter, GridColumn
from ui.context import GuiContext

PAGE_SIZE = 200
MAX_PAGES = 40

STATUS_COLOURS: dict[str, str] = {
    "draft": "#5f6b7a", "invalid": "#c62828", "ready": "#2e7d32", "queued": "#1565c0",
    "sent": "#1565c0", "accepted": "#00838f", "review": "#ef6c00", "inspection": "#ad1457",
    "detained": "#6a1b9a", "returned": "#6d4c41", "released": "#2e7d32", "cleared": "#1b5e20",
    "rejected": "#c62828", "cancelled": "#757575",
}

AnyIndex = QModelIndex | QPersistentModelIndex


class DeclarationTableModel(QAbstractTableModel):
    total_changed = Signal(int)

    def __init__(self, ctx: GuiContext, parent: Any = None) -> None:
        super().__init__(parent)
        self._ctx = ctx
        self.columns: tuple[GridColumn, ...] = GRID_COLUMNS
        self._filter = DeclarationFilter()
        self._sort_key = "id"
        self._descending = True
        self._total = 0
        self._pages: OrderedDict[int, tuple[tuple[Any, ...], ...]] = OrderedDict()
        self._wanted: set[int] = set()
        self._fetch_timer = QTimer(self)
        self._fetch_timer.setSingleShot(True)
        self._fetch_timer.setInterval(0)
        self._fetch_timer.timeout.connect(self._on_fetch_timer_timeout)
        self.refresh()

    # --- Qt model interface -------------------------------------------------------------
    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else self._total

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.columns)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(self.columns):
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return QCoreApplication.translate("grid", self.columns[section].header)
        return None

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < self._total:
            return None
        col = self.columns[index.column()]
        if role == Qt.ItemDataRole.TextAlignmentRole:
            h = {"left": Qt.AlignmentFlag.AlignLeft, "right": Qt.AlignmentFlag.AlignRight,
                 "center": Qt.AlignmentFlag.AlignHCenter}[col.align]
            return int(h | Qt.AlignmentFlag.AlignVCenter)
        if role not in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ForegroundRole,
                        Qt.ItemDataRole.UserRole):
            return None
        row = self._row(index.row())
        if row is None:
            return "…" if role == Qt.ItemDataRole.DisplayRole else None
        value = row[index.column()]
        if role == Qt.ItemDataRole.UserRole:
            return value
        if role == Qt.ItemDataRole.ForegroundRole:
            if col.kind == "status" and value in STATUS_COLOURS:
                return QBrush(QColor(STATUS_COLOURS[value]))
            return None
        return self._display(col, value)

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        if not 0 <= column < len(self.columns):
            return
        self._sort_key = self.columns[column].key
        self._descending = order == Qt.SortOrder.DescendingOrder
        self.refresh()

    # --- our interface ------------------------------------------------------------------
    @property
    def filter(self) -> DeclarationFilter:
        return self._filter

    def set_filter(self, flt: DeclarationFilter) -> None:
        self._filter = flt
        self.refresh()

    def refresh(self) -> None:
        """Re-count and drop the cache (after a filter/sort change or new data)."""
        with self._ctx.transaction() as session:
            total = decl_service.count_declarations(session, self._ctx.actor, self._filter)
        self.beginResetModel()
        self._pages.clear()
        self._wanted.clear()
        self._total = total
        self.endResetModel()
        self.total_changed.emit(total)

    def declaration_id(self, row: int) -> int | None:
        r = self._row(row)
        return int(r[0]) if r is not None else None

    def fetch_now(self, row: int) -> None:
        """Load the page holding `row` immediately (tests, keyboard jumps)."""
        self._load_page(row // PAGE_SIZE)

    # --- paging -------------------------------------------------------------------------
    def _row(self, row: int) -> tuple[Any, ...] | None:
        page_no = row // PAGE_SIZE
        page = self._pages.get(page_no)
        if page is None:
            self._wanted.add(page_no)
            if not self._fetch_timer.isActive():
                self._fetch_timer.start()
            return None
        self._pages.move_to_end(page_no)
        offset = row - page_no * PAGE_SIZE
        return page[offset] if offset < len(page) else None

    def _on_fetch_timer_timeout(self) -> None:
        wanted, self._wanted = sorted(self._wanted), set()
        for page_no in wanted:
            self._load_page(page_no)

    def _load_page(self, page_no: int) -> None:
        if page_no in self._pages:
            return
        with self._ctx.transaction() as session:
            page = decl_service.fetch_page(
                session, self._ctx.actor, self._filter,
                columns=[c.key for c in self.columns], sort=self._sort_key,
                descending=self._descending, offset=page_no * PAGE_SIZE, limit=PAGE_SIZE,
                with_total=False,
            )
        self._pages[page_no] = page.rows
        while len(self._pages) > MAX_PAGES:
            self._pages.popitem(last=False)
        first = page_no * PAGE_SIZE
        last = min(first + len(page.rows), self._total) - 1
        if last >= first:
            self.dataChanged.emit(self.index(first, 0), self.index(last, self.columnCount() - 1))

    @staticmethod
    def _display(col: GridColumn, value: Any) -> Any:
        if value is None:
            return ""
        if col.kind == "status":
            try:
                label = DeclarationStatus(value).label
            except ValueError:
                return value
            return QCoreApplication.translate("status", label)
        if col.kind == "dec" and isinstance(value, Decimal):
            return f"{value:,.2f}"
        if col.kind == "datetime":
            return value.astimezone().strftime("%Y-%m-%d %H:%M")
        return str(value)
