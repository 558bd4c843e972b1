"""DeclarationTableModel: one QAbstractTableModel over SQL that stays instant at 1M rows.

All SQL runs off the GUI thread in two lanes, each a one-thread pool of the model: the fast
lane fetches pages (200 rows), the slow lane the ordered id list of the current filter and sort
(`app.services.grid`; a full scan, seconds at a million rows), so a page never waits behind a
scan. The id list's length is the row count and any page is one primary-key lookup. A new
filter or sort first shows the first page fetched with LIMIT; its id list is loaded only after
that page is in (the scan does not compete with the hand-off and the paint), and the model then
grows to the full count. A newer refresh cancels the scan of an older one.
`data()` never runs SQL: a missing page is queued, fetched in the background and announced with
`dataChanged`. Display texts are formatted once a row (on first paint) and cached with the page.
A refresh keeps given ids locatable (`kept_positions`) so the view can restore its selection and
scroll position.
"""

from __future__ import annotations

import contextlib
import os
import sys
import threading
from array import array
from collections import OrderedDict
from collections.abc import Callable, Collection
from decimal import Decimal
from functools import partial
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QCoreApplication,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    QThreadPool,
    QTimer,
    Signal,
)
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import QAbstractItemView
from shiboken6 import isValid

from app.domain.clock import to_beijing
from app.domain.export_stage import ExportStage
from app.domain.status import DeclarationStatus
from app.jobs.base import CancelToken, Progress
from app.services import grid
from app.services.queries import GRID_COLUMNS, DeclarationFilter, GridColumn
from ui.context import GuiContext
from ui.declarations.grid_view import GridView
from ui.declarations.pii import personal_data_formatter
from ui.workers import run_job

PAGE_SIZE = 200
MAX_PAGES = 40
IDS_AFTER_PAINT_MS = 1
# At most this long after the first page is in, the work waiting for its paint starts anyway
# (a view that is hidden or minimised does not paint).
PAINT_WAIT_MS = 500
SCAN_NICENESS = 10  # Linux nice of the id-scan thread (0 normal, 19 lowest)
SHUTDOWN_WAIT_MS = 10_000  # at most, when the window closes (a cancelled scan stops in ms)

STATUS_COLOURS: dict[str, str] = {
    "draft": "#5f6b7a", "invalid": "#c62828", "ready": "#2e7d32", "queued": "#1565c0",
    "sent": "#1565c0", "accepted": "#00838f", "review": "#ef6c00", "inspection": "#ad1457",
    "detained": "#6a1b9a", "shipped_back": "#6d4c41",
    "cancel_requested": "#8d6e63", "return_requested": "#8d6e63", "returned": "#546e7a",
    "released": "#2e7d32", "cleared": "#1b5e20",
    "rejected": "#c62828", "cancelled": "#757575",
}
_ALIGN = {"left": Qt.AlignmentFlag.AlignLeft, "right": Qt.AlignmentFlag.AlignRight,
          "center": Qt.AlignmentFlag.AlignHCenter}
# data() is called some thousand times a paint: plain ints compare fastest.
_DISPLAY_ROLE = int(Qt.ItemDataRole.DisplayRole)
_ALIGNMENT_ROLE = int(Qt.ItemDataRole.TextAlignmentRole)
_FOREGROUND_ROLE = int(Qt.ItemDataRole.ForegroundRole)
_USER_ROLE = int(Qt.ItemDataRole.UserRole)
LOADING = "…"  # the text of a row whose page is still being fetched

AnyIndex = QModelIndex | QPersistentModelIndex
Row = tuple[Any, ...]


def _yield_to_gui_thread() -> None:
    """Lower the OS priority of the calling (scan lane) thread: a scan takes a core for
    seconds at a million rows, and at equal priority the GUI thread waited behind it for the
    CPU (event-loop stalls of ~100 ms on a busy machine). Linux only (per-thread nice);
    elsewhere a no-op. The lane's thread only ever runs scans, so it is never raised again."""
    if sys.platform != "linux":
        return
    with contextlib.suppress(OSError):
        tid = threading.get_native_id()
        if os.getpriority(os.PRIO_PROCESS, tid) < SCAN_NICENESS:
            os.setpriority(os.PRIO_PROCESS, tid, SCAN_NICENESS)


class DeclarationTableModel(QAbstractTableModel):
    total_changed = Signal(int)
    refreshed = Signal()  # the id list of the current filter/sort is loaded (rowCount final)
    first_page_shown = Signal()  # a new filter/sort's first page is in and painted (or failed)

    def __init__(self, ctx: GuiContext, parent: Any = None) -> None:
        super().__init__(parent)
        self._ctx = ctx
        self.columns: tuple[GridColumn, ...] = GRID_COLUMNS
        self._pii_keys = tuple(c.key if c.pii else None for c in self.columns)
        self._format_pii = personal_data_formatter(ctx.actor)
        self.personal_data_unmasked = False
        self._filter = DeclarationFilter()
        self._sort_key = "id"
        self._descending = True
        self._ids: array[int] | None = None
        self._total = 0
        self._aligns = [int(_ALIGN[c.align] | Qt.AlignmentFlag.AlignVCenter) for c in self.columns]
        self._status_col = next(i for i, c in enumerate(self.columns) if c.kind == "status")
        self._brushes = {k: QBrush(QColor(v)) for k, v in STATUS_COLOURS.items()}
        self._pages: OrderedDict[int, list[Row | None]] = OrderedDict()
        self._texts: dict[int, list[tuple[str, ...] | None]] = {}  # display cells, per page
        self._wanted: set[int] = set()
        self._loading: set[int] = set()
        self._generation = 0
        self.closed = False  # set by shutdown(): no query starts any more, late results dropped
        self.shown_generation = 0  # the generation whose rows the model currently shows
        self.kept_positions: dict[int, int] = {}
        self._pool = QThreadPool(self)  # fast lane: first rows and pages
        self._pool.setMaxThreadCount(1)
        self._ids_pool = QThreadPool(self)  # slow lane: id lists
        self._ids_pool.setMaxThreadCount(1)
        self._ids_token: CancelToken | None = None  # of the running scan
        self._fetch_timer = QTimer(self)
        self._fetch_timer.setSingleShot(True)
        self._fetch_timer.setInterval(0)
        self._fetch_timer.timeout.connect(self._on_fetch_timer_timeout)
        self._painting_view: QAbstractItemView | None = None  # see watch_paints()
        self._after_paint: Callable[[], None] | None = None  # waits for the view's paint
        self.refresh(reorder=True)

    def watch_paints(self, view: GridView) -> None:
        """Let `view`'s paints time what follows a first page (`first_page_shown`, the id
        scan): it starts once the view has painted that page, not before. Without a watched,
        visible view it starts IDS_AFTER_PAINT_MS after the page is in. The view says when it
        painted (see ui.declarations.grid_view)."""
        self._painting_view = view
        view.painted.connect(self._on_view_painted)

    def _on_view_painted(self) -> None:
        if self._after_paint is not None:
            # A timer, not a zero-time callback: it runs once this paint is through and
            # whatever it posted (the view's own follow-ups) has run.
            work, self._after_paint = self._after_paint, None
            QTimer.singleShot(IDS_AFTER_PAINT_MS, self, work)

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
        row, column = index.row(), index.column()
        if not (0 <= row < self._total and 0 <= column < len(self.columns)):
            return None  # also an invalid index (row -1)
        if role == _DISPLAY_ROLE:
            cells = self._cells(row)
            return LOADING if cells is None else cells[column]
        if role == _ALIGNMENT_ROLE:
            return self._aligns[column]
        if role == _FOREGROUND_ROLE:
            if column != self._status_col:
                return None
            raw = self._row(row)
            return None if raw is None else self._brushes.get(raw[column])
        if role == _USER_ROLE:
            raw = self._row(row)
            if raw is None:
                return None
            value = self._shown_value(self._pii_keys[column], raw[column])
            return grid.decode(self.columns[column], value)
        return None

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        if not 0 <= column < len(self.columns):
            return
        key = self.columns[column].key
        descending = order == Qt.SortOrder.DescendingOrder
        if (key, descending) == (self._sort_key, self._descending):
            return
        self._sort_key, self._descending = key, descending
        self.refresh(reorder=True)

    # --- our interface ------------------------------------------------------------------
    @property
    def filter(self) -> DeclarationFilter:
        return self._filter

    @property
    def sort_state(self) -> tuple[str, bool]:
        return self._sort_key, self._descending

    @property
    def generation(self) -> int:
        """Bumped by every refresh; equals `shown_generation` once its rows are shown."""
        return self._generation

    @property
    def ready(self) -> bool:
        """True once the id list of the current filter/sort is loaded."""
        return self._ids is not None

    def set_filter(self, flt: DeclarationFilter) -> None:
        if flt == self._filter:
            return
        self._filter = flt
        self.refresh(reorder=True)

    def set_personal_data_unmasked(self, unmasked: bool) -> None:
        """Show identity numbers and phones in full (after an audited unmask) or masked."""
        self._format_pii = personal_data_formatter(self._ctx.actor, unmasked)
        self.personal_data_unmasked = unmasked  # copies of rows follow what is shown
        for page_no, texts in self._texts.items():  # rows stay; texts are made again
            self._texts[page_no] = [None] * len(texts)
        if self._total:
            self.dataChanged.emit(self.index(0, 0),
                                  self.index(self._total - 1, self.columnCount() - 1))

    def is_idle(self) -> bool:
        """No page load or id scan running or queued."""
        return all(pool.activeThreadCount() == 0 for pool in (self._pool, self._ids_pool))

    def shutdown(self) -> None:
        """The window is closing: no scan or page load starts any more, a running scan is
        cancelled (it stops at its next chunk), and the lanes are given time to finish, so no
        job outlives the window and finds its database gone. For good: a later refresh, sort,
        filter or paint (a screen still connected to the window) starts nothing."""
        self.closed = True
        self._generation += 1  # a scan waiting for the first page's paint will not start
        self._fetch_timer.stop()
        if self._ids_token is not None:
            self._ids_token.cancel()
            self._ids_token = None
        for pool in (self._pool, self._ids_pool):
            pool.clear()  # queued jobs never start
            pool.waitForDone(SHUTDOWN_WAIT_MS)

    def refresh(self, keep: Collection[int] = (), *, reorder: bool = False) -> None:
        """Reload in the background. `reorder`: the filter or sort changed, show its first
        page as soon as possible; else (new data) the current rows stay until the new id list
        is there. The rows of the ids in `keep` end up in `kept_positions`."""
        if self.closed:
            return
        self._generation += 1
        gen, flt, sort, desc = self._generation, self._filter, self._sort_key, self._descending
        ctx, cols = self._ctx, self.columns
        if self._ids_token is not None:
            self._ids_token.cancel()  # an older scan stops at its next chunk
            self._ids_token = None
        wanted = set(keep)

        def ids_job(progress: Progress, cancel: CancelToken) -> tuple[array[int], dict[int, int]]:
            _yield_to_gui_thread()
            with ctx.transaction(write=False) as s:
                ids = grid.ordered_ids(s, ctx.actor, flt, sort, desc,
                                       check=cancel.raise_if_cancelled)
            return ids, grid.positions_of(ids, wanted)

        def start_ids() -> None:
            if gen != self._generation or (reorder and self._ids is not None):
                return  # outdated, or `fetch_now` loaded the ids meanwhile
            self._ids_token = run_job(
                ids_job, pool=self._ids_pool, parent=self,
                on_finished=lambda res: self._on_ids(gen, res[0], res[1])).token

        if not reorder:
            start_ids()
            return
        self._ids = None

        def first(progress: Progress, cancel: CancelToken) -> list[Row]:
            with ctx.transaction(write=False) as s:
                return grid.first_rows(s, ctx.actor, flt, cols, sort, desc, PAGE_SIZE)

        handle = run_job(first, pool=self._pool, parent=self,
                         on_finished=lambda rows: self._on_first_rows(gen, rows))

        done: list[bool] = []

        def after_paint() -> None:
            if done or not isValid(self) or self.closed:
                return  # the paint and the fallback timer both came, or the window went
            done.append(True)
            if self._after_paint is after_paint:
                self._after_paint = None
            self.first_page_shown.emit()
            start_ids()

        def ended() -> None:
            # The scan (and the window's start-up work) starts once the first page is in and
            # the view has painted it: started with the paint, the scan slowed it down several
            # times. A timer alone was not enough: Qt paints on an update request that comes
            # ~5 ms after the rows, so a 1 ms timer ran before the paint.
            view = self._painting_view
            if (handle.outcome == "finished" and self.shown_generation == gen
                    and view is not None and view.isVisible()):
                self._after_paint = after_paint
                QTimer.singleShot(PAINT_WAIT_MS, self, after_paint)
            else:
                QTimer.singleShot(IDS_AFTER_PAINT_MS, self, after_paint)

        handle.ended.connect(ended)

    def declaration_id(self, row: int) -> int | None:
        if self._ids is not None:
            return int(self._ids[row]) if 0 <= row < len(self._ids) else None
        r = self._row(row)
        return int(r[0]) if r is not None else None

    def row_of(self, decl_id: int) -> int | None:
        """The row showing `decl_id` under the current filter and sort, if any."""
        if self._ids is None:
            return None
        try:
            return self._ids.index(decl_id)
        except ValueError:
            return None

    def fetch_now(self, row: int) -> None:
        """Load the page holding `row` on this thread (tests, keyboard jumps)."""
        if self.closed:
            return
        if self._ids is None:  # the background load has not finished: load the ids here
            with self._ctx.transaction(write=False) as s:
                all_ids = grid.ordered_ids(s, self._ctx.actor, self._filter, self._sort_key,
                                           self._descending)
            self._on_ids(self._generation, all_ids, {})
        page_no = row // PAGE_SIZE
        if page_no in self._pages or self._ids is None:
            return
        ids = self._page_ids(page_no)
        with self._ctx.transaction(write=False) as s:
            rows = grid.rows_by_ids(s, self._ctx.actor, ids, self.columns)
        self._store_page(page_no, rows)

    # --- loading ------------------------------------------------------------------------
    def _on_first_rows(self, gen: int, rows: list[Row]) -> None:
        if gen != self._generation or self._ids is not None:
            return
        self.beginResetModel()
        self._clear_pages()
        self._wanted.clear()
        self._loading.clear()
        self._pages[0] = list(rows)
        self._texts[0] = [None] * len(rows)
        self._total = len(rows)
        self.shown_generation = gen
        self.endResetModel()

    def _on_ids(self, gen: int, ids: array[int], kept: dict[int, int]) -> None:
        if gen != self._generation:
            return
        first = self._pages.get(0)
        grow = (first is not None and self._ids is None and self._total == len(first)
                and [r[0] for r in first if r] == list(ids[: len(first)]))
        self.kept_positions = kept
        self.shown_generation = gen
        if grow and len(ids) > self._total:
            self.beginInsertRows(QModelIndex(), self._total, len(ids) - 1)
            self._ids, self._total = ids, len(ids)
            self.endInsertRows()
        elif grow:
            self._ids = ids
        else:
            self.beginResetModel()
            self._ids, self._total = ids, len(ids)
            self._clear_pages()
            self._wanted.clear()
            self._loading.clear()
            self.endResetModel()
        self.total_changed.emit(self._total)
        self.refreshed.emit()

    def _cells(self, row: int) -> tuple[str, ...] | None:
        """The display texts of `row`, formatted on first use; None while it loads."""
        raw = self._row(row)
        if raw is None:
            return None
        page_no = row // PAGE_SIZE
        texts = self._texts[page_no]
        offset = row - page_no * PAGE_SIZE
        cells = texts[offset]
        if cells is None:
            cells = texts[offset] = tuple(
                self._display(col, grid.decode(col, self._shown_value(pii, value)))
                for col, pii, value in zip(self.columns, self._pii_keys, raw, strict=True))
        return cells

    def _shown_value(self, pii_key: str | None, value: Any) -> Any:
        """Personal data masked (pages keep the stored values; only what is shown is masked,
        so masking costs the visible rows only and unmasking needs no reload)."""
        return value if pii_key is None else self._format_pii(pii_key, value)

    def _clear_pages(self) -> None:
        self._pages.clear()
        self._texts.clear()

    def _row(self, row: int) -> Row | None:
        page_no = row // PAGE_SIZE
        page = self._pages.get(page_no)
        if page is None:
            if self._ids is not None and page_no not in self._loading and not self.closed:
                self._wanted.add(page_no)
                if not self._fetch_timer.isActive():
                    self._fetch_timer.start()
            return None
        self._pages.move_to_end(page_no)
        offset = row - page_no * PAGE_SIZE
        return page[offset] if offset < len(page) else None

    def _page_ids(self, page_no: int) -> list[int]:
        assert self._ids is not None
        return list(self._ids[page_no * PAGE_SIZE:(page_no + 1) * PAGE_SIZE])

    def _on_fetch_timer_timeout(self) -> None:
        if self._ids is None or self.closed:
            return
        wanted, self._wanted = sorted(self._wanted), set()
        gen, ctx, cols = self._generation, self._ctx, self.columns
        for page_no in wanted:
            if page_no in self._pages or page_no in self._loading:
                continue
            self._loading.add(page_no)
            ids = self._page_ids(page_no)

            def job(progress: Progress, cancel: CancelToken,
                    ids: list[int] = ids) -> list[Row | None]:
                with ctx.transaction(write=False) as s:
                    return grid.rows_by_ids(s, ctx.actor, ids, cols)

            run_job(job, pool=self._pool, parent=self,
                    on_finished=partial(self._on_page, gen, page_no))

    def _on_page(self, gen: int, page_no: int, rows: list[Row | None]) -> None:
        if gen != self._generation:
            return
        self._loading.discard(page_no)
        self._store_page(page_no, rows)

    def _store_page(self, page_no: int, rows: list[Row | None]) -> None:
        self._pages[page_no] = rows
        self._texts[page_no] = [None] * len(rows)
        while len(self._pages) > MAX_PAGES:
            old, _rows = self._pages.popitem(last=False)
            del self._texts[old]
        first = page_no * PAGE_SIZE
        last = min(first + len(rows), self._total) - 1
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
        if col.kind == "stage":
            try:
                return QCoreApplication.translate("status", ExportStage(value).label)
            except ValueError:
                return value
        if col.kind == "dec" and isinstance(value, Decimal):
            return f"{value:,.2f}"
        if col.kind == "datetime":
            return to_beijing(value).strftime("%Y-%m-%d %H:%M")  # Beijing days, as filtered
        return str(value)
