"""The main window: menus for every area, the declarations grid with its filters, the status
side panel with counts, saved views, column chooser and live selection count."""

from __future__ import annotations

import gc
import importlib
from collections.abc import Callable
from dataclasses import replace
from functools import partial
from typing import Any

from PySide6.QtCore import QItemSelection, QItemSelectionModel, QSettings, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDockWidget,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMainWindow,
    QMenu,
    QMessageBox,
    QToolBar,
    QToolButton,
    QVBoxLayout,
    QWidget,
)
from shiboken6 import isValid

from app.buildinfo import UNKNOWN, build_info
from app.jobs.base import CancelToken, Progress
from app.services import views as view_service
from app.services.queries import MAX_SEARCH_LENGTH, DeclarationFilter
from app.services.views import FilterChoices, ViewSpec
from ui.changes import ChangeListener
from ui.context import GuiContext
from ui.declarations.columns import ColumnChooser
from ui.declarations.filter_bar import FilterBar
from ui.declarations.grid_view import GridView
from ui.declarations.model import DeclarationTableModel
from ui.declarations.status_panel import StatusPanel
from ui.declarations.views_menu import ViewsMenu
from ui.gc_policy import collect_on_gui_thread
from ui.workers import run_job

# Modules that add their actions to the window: each has install(window: MainWindow).
AREA_INSTALLERS: tuple[str, ...] = (
    "ui.security.actions",
    "ui.workspace.actions",
    "ui.submission.actions",
    "ui.submission.lifecycle_actions",
    "ui.submission.tally_actions",
    "ui.submission.summary_dialog",
    "ui.reports.actions",
    "ui.precheck.actions",
    "ui.intake.actions",
    "ui.printing.actions",
    "ui.station.actions",
    "ui.reference.actions",
    "ui.packaging.actions",
    "ui.transfer.actions",
    "ui.catalogue.actions",
    "ui.autopilot.actions",
    "ui.declarations.grid_actions",  # last: its context menu offers the other areas' actions
)

WINDOW_GEOMETRY_KEY = "window/geometry"

MENU_KEYS = ("file", "declarations", "batches", "print", "reports", "admin", "help")


class MainWindow(QMainWindow):
    data_changed = Signal()  # emit after anything changed declarations (import, receipts …)
    settings_changed = Signal()  # emit after the office settings were saved
    filter_applied = Signal()  # the grid's filter changed (panels that count it follow)
    others_changed = Signal()  # declarations changed (another workstation), screens refreshed
    closing = Signal()  # the window is closing for good (guards passed): stop background work

    def __init__(self, ctx: GuiContext, settings: QSettings | None = None) -> None:
        super().__init__()
        self.ctx = ctx
        self.ui_settings = settings if settings is not None else QSettings()
        # Deleted with the window, on the GUI thread. Owned by Python alone it was deleted by
        # the garbage collector, on whichever thread happened to run it (a page loader's).
        self.ui_settings.setParent(self)
        self.setObjectName("MainWindow")
        self.model = DeclarationTableModel(ctx, self)
        self.menus: dict[str, QMenu] = {}
        self._restore_selection: list[int] = []
        self._restore_top: int | None = None
        # Extra DeclarationFilter fields set by area panels (e.g. problem_code).
        self.filter_overrides: dict[str, Any] = {}
        self.language_switcher: Any = None  # set by the composition root (ui.language)
        self.closed = False  # set once the window has closed: nothing may query any more
        # Asked in order before the window closes (unsaved edits); any False keeps it open.
        self.close_guards: list[Callable[[], bool]] = []
        self.about_box = QMessageBox.about  # seam: tests read the About text
        # Start-up work that waits for the grid's first page: see after_first_page().
        self._after_first_page: list[Callable[[], None]] | None = []
        self._build_ui()
        self._connect_signals()
        for name in AREA_INSTALLERS:
            importlib.import_module(name).install(self)
        self._hide_empty_menus()
        self.columns.restore()
        self._restore_window_state()
        # The status counts (a GROUP BY over every declaration), the filter choices and the
        # autopilot's state follow the first page instead of competing with it.
        self.after_first_page(self.refresh_counts)
        self.after_first_page(self.refresh_choices)
        # Other workstations' changes refresh the grid, the counts and an open editor.
        self.change_listener = ChangeListener(ctx.engine, self)
        self.change_listener.changed.connect(self._on_change_listener_changed)
        self.change_listener.start()
        # The start-up heap (modules, Qt wrappers, SQLAlchemy metadata) lives as long as the
        # process: take it out of the garbage collector's generations, once (a language switch
        # builds a new window). A full collection runs on whichever thread allocates, holding
        # the GIL, and scanning that heap stopped the event loop for 60-150 ms; now it scans
        # only what was allocated since.
        if not gc.get_freeze_count():
            gc.freeze()
        collect_on_gui_thread()  # never inside a paint or on a worker thread: see ui.gc_policy

    # --- building -----------------------------------------------------------------------
    def _build_ui(self) -> None:
        self.setWindowTitle(self.tr("ClearDesk — Cross-border declarations"))
        self.resize(1280, 760)
        titles = {
            "file": self.tr("&File"), "declarations": self.tr("&Declarations"),
            "batches": self.tr("&Batches"), "print": self.tr("&Print"),
            "reports": self.tr("&Reports"), "admin": self.tr("&Admin"), "help": self.tr("&Help"),
        }
        for key in MENU_KEYS:
            menu = self.menuBar().addMenu(titles[key])
            menu.setObjectName(f"menu_{key}")
            self.menus[key] = menu

        self.toolbar = QToolBar(self.tr("Main toolbar"), self)
        self.toolbar.setObjectName("main_toolbar")
        self.toolbar.setMovable(False)
        self.addToolBar(self.toolbar)

        self.action_refresh = QAction(self.tr("&Refresh"), self)
        self.action_refresh.setShortcut(QKeySequence.StandardKey.Refresh)
        self.action_find = QAction(self.tr("&Find…"), self)
        self.action_find.setShortcut(QKeySequence.StandardKey.Find)
        self.menus["declarations"].addAction(self.action_find)
        self.menus["declarations"].addAction(self.action_refresh)
        self.toolbar.addAction(self.action_refresh)

        self.action_quit = QAction(self.tr("E&xit"), self)
        # Ctrl+Q everywhere (Windows has no standard Quit key), from the editor window too
        # (which asks about its unsaved edits first).
        quit_keys = QKeySequence.keyBindings(QKeySequence.StandardKey.Quit)
        ctrl_q = QKeySequence("Ctrl+Q")
        self.action_quit.setShortcuts([*quit_keys, *([] if ctrl_q in quit_keys else [ctrl_q])])
        self.action_quit.setShortcutContext(Qt.ShortcutContext.ApplicationShortcut)
        self.menus["file"].addAction(self.action_quit)
        self.action_about = QAction(self.tr("&About ClearDesk"), self)
        self.menus["help"].addAction(self.action_about)

        central = QWidget(self)
        layout = QVBoxLayout(central)
        layout.setContentsMargins(6, 6, 6, 6)
        bar = QHBoxLayout()
        self.search_edit = QLineEdit(central)
        self.search_edit.setObjectName("search_edit")
        self.search_edit.setClearButtonEnabled(True)
        self.search_edit.setMaxLength(MAX_SEARCH_LENGTH)  # a pasted novel is cut, not searched
        self.search_edit.setPlaceholderText(
            self.tr("Search order No., waybill No., buyer, ID number, phone")
        )
        bar.addWidget(self.search_edit, 1)
        self.views_menu = ViewsMenu(self)
        views_button = QToolButton(central)
        views_button.setObjectName("views_button")
        views_button.setText(self.tr("&Views"))
        views_button.setMenu(self.views_menu)
        views_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        bar.addWidget(views_button)
        self.columns_button = QToolButton(central)
        self.columns_button.setObjectName("columns_button")
        self.columns_button.setText(self.tr("Columns"))
        bar.addWidget(self.columns_button)
        layout.addLayout(bar)
        self.filter_bar = FilterBar(central)
        bar.insertWidget(1, self.filter_bar.chip)
        layout.addWidget(self.filter_bar)

        self.table = GridView(central)
        self.table.setObjectName("declarations_table")
        self.table.setModel(self.model)
        self.model.watch_paints(self.table)  # start-up work waits for this view's first page
        self.table.setSortingEnabled(True)
        self.table.horizontalHeader().setSortIndicator(0, Qt.SortOrder.DescendingOrder)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setDefaultSectionSize(24)
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        for i, col in enumerate(self.model.columns):
            self.table.setColumnWidth(i, col.width)
        layout.addWidget(self.table, 1)
        self.setCentralWidget(central)
        self.columns = ColumnChooser(self.table, self.model.columns, self.ui_settings)

        self.status_panel = StatusPanel(self)
        self.status_dock = QDockWidget(self.tr("Statuses"), self)
        self.status_dock.setObjectName("status_dock")
        self.status_dock.setWidget(self.status_panel)
        self.status_dock.setFeatures(QDockWidget.DockWidgetFeature.DockWidgetMovable)
        self.addDockWidget(Qt.DockWidgetArea.LeftDockWidgetArea, self.status_dock)

        self.selection_label = QLabel(self)
        self.selection_label.setObjectName("selection_label")
        self.counts_label = QLabel(self)
        self.counts_label.setObjectName("counts_label")
        self.statusBar().addWidget(self.counts_label, 1)
        # Said in every window while a supervisor has the office's autopilot paused.
        self.autopilot_label = QLabel(self)
        self.autopilot_label.setObjectName("autopilot_paused_label")
        self.autopilot_label.setStyleSheet("color: #b00020; font-weight: bold;")
        self.autopilot_label.setVisible(False)
        self.statusBar().addWidget(self.autopilot_label)
        self.statusBar().addPermanentWidget(self.selection_label)

        self._search_timer = QTimer(self)
        self._search_timer.setSingleShot(True)
        self._search_timer.setInterval(250)

    def _connect_signals(self) -> None:
        self.action_refresh.triggered.connect(self._on_action_refresh_triggered)
        self.action_find.triggered.connect(self._on_action_find_triggered)
        self.action_quit.triggered.connect(self.close)
        self.action_about.triggered.connect(self.show_about)
        self.search_edit.textChanged.connect(self._on_search_edit_text_changed)
        self._search_timer.timeout.connect(self.apply_filter)
        self.status_panel.status_selected.connect(self._on_status_panel_status_selected)
        self.status_panel.status_clicked.connect(self._on_status_panel_status_clicked)
        self.filter_bar.chip_closed.connect(self.clear_chip)
        self.filter_bar.changed.connect(self.apply_filter)
        self.columns_button.clicked.connect(self._on_columns_button_clicked)
        self.model.total_changed.connect(self._on_model_total_changed)
        self.model.refreshed.connect(self._on_model_refreshed)
        self.model.first_page_shown.connect(self._on_model_first_page_shown)
        self.model.modelReset.connect(self._update_selection_label)
        self.table.selectionModel().selectionChanged.connect(self._on_selection_changed)
        self.data_changed.connect(self.refresh)

    def after_first_page(self, work: Callable[[], None]) -> None:
        """Run `work` once the grid has painted its first page (at once if it has): start-up
        queries and background passes that the clerk does not need to see the first rows."""
        if self._after_first_page is None:
            work()
        else:
            self._after_first_page.append(work)

    def _on_model_first_page_shown(self) -> None:
        pending, self._after_first_page = self._after_first_page, None
        self.model.first_page_shown.disconnect(self._on_model_first_page_shown)
        for work in pending or ():
            if self.closed or not isValid(self):  # closed (or deleted) by an earlier one
                return
            work()

    def _hide_empty_menus(self) -> None:
        for menu in self.menus.values():
            menu.menuAction().setVisible(any(a.isVisible() for a in menu.actions()))

    # --- filter, views ------------------------------------------------------------------
    def current_filter(self) -> DeclarationFilter:
        status = self.status_panel.selected_status()
        extra = self.filter_bar.values()
        flt = DeclarationFilter(
            statuses=(status,) if status else (), search=self.search_edit.text(),
            batch_id=extra["batch_id"], import_job_id=extra["import_job_id"],  # type: ignore[arg-type]
            platform=extra["platform"], has_problems=extra["has_problems"],  # type: ignore[arg-type]
            created_from=extra["created_from"], created_to=extra["created_to"],  # type: ignore[arg-type]
            export_stages=(str(extra["export_stage"]),) if extra.get("export_stage") else (),
        )
        # Extra fields set by area panels (the Problems panel's problem_code, a fix queue's ids).
        return replace(flt, **self.filter_overrides)

    def apply_filter(self) -> None:
        if self.closed:
            return
        self.model.set_filter(self.current_filter())
        self.refresh_counts()
        self.filter_applied.emit()

    def show_only(self, ids: list[int], label: str) -> None:
        """Show exactly `ids` in every status (e.g. one cause of the To fix list), named by a
        chip in the filter bar; the chip's ✕, "All statuses" and Refresh (F5) end it."""
        if not ids:
            return
        self.filter_overrides["ids"] = tuple(ids)
        self.filter_bar.set_chip(label)
        for widget, reset in ((self.search_edit, self.search_edit.clear),
                              (self.status_panel, partial(self.status_panel.select_status, ""))):
            widget.blockSignals(True)
            reset()
            widget.blockSignals(False)
        self.apply_filter()

    def clear_chip(self) -> None:
        if self.filter_overrides.pop("ids", None) is not None:
            self.filter_bar.set_chip(None)
            self.apply_filter()

    def current_view(self) -> ViewSpec:
        sort, descending = self.model.sort_state
        return ViewSpec(self.current_filter(), sort, descending, self.columns.visible_keys())

    def apply_view(self, spec: ViewSpec) -> None:
        flt = spec.filter
        self.search_edit.blockSignals(True)
        self.search_edit.setText(flt.search)
        self.search_edit.blockSignals(False)
        self.filter_bar.set_values(
            batch_id=flt.batch_id, import_job_id=flt.import_job_id, platform=flt.platform,
            has_problems=flt.has_problems, created_from=flt.created_from,
            created_to=flt.created_to,
            export_stage=flt.export_stages[0] if flt.export_stages else None)
        self.status_panel.blockSignals(True)
        self.status_panel.select_status(flt.statuses[0] if flt.statuses else "")
        self.status_panel.blockSignals(False)
        self.columns.show_only(spec.columns)
        keys = [c.key for c in self.model.columns]
        order = Qt.SortOrder.DescendingOrder if spec.descending else Qt.SortOrder.AscendingOrder
        self.table.horizontalHeader().setSortIndicator(keys.index(spec.sort), order)
        self.filter_overrides.pop("ids", None)
        self.filter_bar.set_chip(None)
        self.model.set_filter(flt)
        self.refresh_counts()
        self.filter_applied.emit()

    # --- refresh ------------------------------------------------------------------------
    def refresh(self) -> None:
        """Reload rows and counts, keeping the selection and the scroll position."""
        if self.closed:  # a screen saved after the window closed: nothing may query any more
            return
        self._restore_selection = self.selected_ids()
        top_row = self.table.rowAt(0)
        self._restore_top = self.model.declaration_id(top_row) if top_row >= 0 else None
        keep = set(self._restore_selection)
        if self._restore_top is not None:
            keep.add(self._restore_top)
        self.model.refresh(keep)
        self.refresh_counts()
        self.refresh_choices()

    def _on_change_listener_changed(self) -> None:
        if self.closed or not self.isVisible():
            return
        self.data_changed.emit()  # the grid keeps its selection and scroll position
        self.others_changed.emit()

    def refresh_counts(self) -> None:
        if self.closed:
            return
        ctx, flt = self.ctx, self.current_filter()

        def job(progress: Progress, cancel: CancelToken) -> dict[str, int]:
            from app.autopilot.run import is_paused

            with ctx.transaction(write=False) as s:
                counts = view_service.status_counts(s, ctx.actor, flt)
                self._autopilot_paused = is_paused(s)
                return counts

        run_job(job, parent=self, on_finished=self._on_counts_loaded)

    def refresh_choices(self) -> None:
        if self.closed:
            return
        ctx = self.ctx

        def job(progress: Progress, cancel: CancelToken) -> FilterChoices:
            with ctx.transaction(write=False) as s:
                return view_service.filter_choices(s, ctx.actor)

        run_job(job, parent=self, on_finished=self.filter_bar.set_choices)

    def _on_counts_loaded(self, counts: dict[str, int]) -> None:
        self.status_panel.set_counts(counts)
        statuses = self.current_filter().statuses  # the total of what the grid shows
        total = sum(counts.get(s, 0) for s in statuses) if statuses else sum(counts.values())
        self.counts_label.setText(self.tr("Total {n}").format(n=f"{total:,}"))
        paused = getattr(self, "_autopilot_paused", False)
        self.autopilot_label.setText(self.tr("Autopilot paused") if paused else "")
        self.autopilot_label.setVisible(paused)

    def _on_model_refreshed(self) -> None:
        positions = self.model.kept_positions
        sel_model = self.table.selectionModel()
        if self._restore_selection:
            selection = QItemSelection()
            last_col = self.model.columnCount() - 1
            for row in sorted(positions[i] for i in self._restore_selection if i in positions):
                selection.select(self.model.index(row, 0), self.model.index(row, last_col))
            flags = (QItemSelectionModel.SelectionFlag.ClearAndSelect
                     | QItemSelectionModel.SelectionFlag.Rows)
            sel_model.select(selection, flags)
            first = min((positions[i] for i in self._restore_selection if i in positions),
                        default=None)
            if first is not None:
                sel_model.setCurrentIndex(self.model.index(first, 0),
                                          QItemSelectionModel.SelectionFlag.NoUpdate)
        if self._restore_top is not None and self._restore_top in positions:
            self.table.scrollTo(self.model.index(positions[self._restore_top], 0),
                                QAbstractItemView.ScrollHint.PositionAtTop)
        self._restore_selection, self._restore_top = [], None
        self._update_selection_label()

    def selected_ids(self) -> list[int]:
        rows = sorted({i.row() for i in self.table.selectionModel().selectedRows()})
        ids = []
        for r in rows:
            decl_id = self.model.declaration_id(r)
            if decl_id is not None:
                ids.append(decl_id)
        return ids

    def select_ids(self, ids: list[int]) -> None:
        """Select the rows of `ids` once the grid has (re)loaded them."""
        self._restore_selection, self._restore_top = list(ids), None
        self.model.refresh(set(ids))

    def select_declaration(self, decl_id: int) -> bool:
        """Select and show the row of `decl_id` if the current filter shows it."""
        pos = self.model.row_of(decl_id)
        if pos is None:
            return False
        # Not selectRow: it reads the keys held (Ctrl of Ctrl+Enter, a scanner's modifier) as
        # "add to the selection"; following the editor or a scan selects this row alone.
        index = self.model.index(pos, 0)
        flags = (QItemSelectionModel.SelectionFlag.ClearAndSelect
                 | QItemSelectionModel.SelectionFlag.Rows)
        self.table.selectionModel().setCurrentIndex(index, flags)
        self.table.scrollTo(index)
        return True

    def show_about(self) -> None:
        info = build_info()

        def known(value: str) -> str:
            return self.tr("unknown") if value == UNKNOWN else value

        self.about_box(
            self,
            self.tr("About ClearDesk"),
            self.tr(
                "<h3>ClearDesk {version}</h3><p>The customs broker's workbench for "
                "cross-border e-commerce parcels: import orders, pre-check every customs rule, "
                "submit CEB messages, apply receipts, print labels and manifests.</p>"
                "<p>Database: {db}</p><p>Chinese text uses WenQuanYi Micro Hei "
                "(Apache License 2.0).</p>"
            ).format(version=info.version, db=self.ctx.engine.url.render_as_string(True))
            + self.tr("<p>Commit: {commit}<br>Built: {built}<br>Database schema: {schema}</p>")
            .format(commit=known(info.commit), built=known(info.build_date),
                    schema=known(info.schema)),
        )

    def _on_action_find_triggered(self) -> None:
        self.search_edit.setFocus()
        self.search_edit.selectAll()

    def _on_search_edit_text_changed(self, text: str) -> None:
        if len(text) >= MAX_SEARCH_LENGTH:
            self.statusBar().showMessage(
                self.tr("Search text is cut to {limit} characters.")
                .replace("{limit}", str(MAX_SEARCH_LENGTH)), 10_000)
        self._search_timer.start()

    def _on_status_panel_status_selected(self, _status: str) -> None:
        self.apply_filter()

    def _on_status_panel_status_clicked(self, status: str) -> None:
        if not status:
            self.clear_chip()

    def _on_action_refresh_triggered(self) -> None:
        self.filter_overrides.pop("ids", None)  # F5 shows the whole filter again
        self.filter_bar.set_chip(None)
        self.apply_filter()
        self.refresh()

    def _on_columns_button_clicked(self) -> None:
        self.columns.menu().exec(self.columns_button.mapToGlobal(
            self.columns_button.rect().bottomLeft()))

    def _on_model_total_changed(self, total: int) -> None:
        self._update_selection_label()

    def _on_selection_changed(self, _sel: QItemSelection, _desel: QItemSelection) -> None:
        self._update_selection_label()

    def _update_selection_label(self) -> None:
        n = len(self.table.selectionModel().selectedRows())
        shown = self.model.rowCount()
        self.selection_label.setText(
            self.tr("{selected} selected of {shown}").format(selected=n, shown=f"{shown:,}")
        )

    def _restore_window_state(self) -> None:
        """Size, position and maximised state as the clerk left them."""
        saved = self.ui_settings.value(WINDOW_GEOMETRY_KEY)
        if saved:  # a QByteArray, empty when nothing was saved yet
            self.restoreGeometry(saved)

    def closeEvent(self, event: QCloseEvent) -> None:
        if not all(guard() for guard in self.close_guards):
            event.ignore()
            return
        self.ui_settings.setValue(WINDOW_GEOMETRY_KEY, self.saveGeometry())
        self.columns.save()
        # A search typed just before closing must not run against a database that is going.
        self._search_timer.stop()
        self.closed = True
        self.closing.emit()
        self.change_listener.stop()
        self.model.shutdown()
        event.accept()
