"""The main window: menus for every area, the declarations grid, per-status counts."""

from __future__ import annotations

import importlib

from PySide6.QtCore import QItemSelection, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMainWindow,
    QMenu,
    QMessageBox,
    QTableView,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from app import __version__
from app.domain.status import DeclarationStatus
from app.services import declarations as decl_service
from app.services.queries import DeclarationFilter
from ui.context import GuiContext
from ui.declarations.model import DeclarationTableModel

# Modules that add their actions to the window: each has install(window: MainWindow).
AREA_INSTALLERS: tuple[str, ...] = (
    "ui.printing.actions",
)

MENU_KEYS = ("file", "declarations", "batches", "print", "reports", "admin", "help")


class MainWindow(QMainWindow):
    data_changed = Signal()  # emit after anything changed declarations (import, receipts …)

    def __init__(self, ctx: GuiContext) -> None:
        super().__init__()
        self.ctx = ctx
        self.setObjectName("MainWindow")
        self.model = DeclarationTableModel(ctx, self)
        self.menus: dict[str, QMenu] = {}
        self._build_ui()
        self._connect_signals()
        for name in AREA_INSTALLERS:
            importlib.import_module(name).install(self)
        self._hide_empty_menus()
        self.refresh_counts()

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
        self.action_quit.setShortcut(QKeySequence.StandardKey.Quit)
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
        self.search_edit.setPlaceholderText(
            self.tr("Search order No., waybill No., buyer, ID number, phone")
        )
        self.status_combo = QComboBox(central)
        self.status_combo.setObjectName("status_combo")
        self.status_combo.addItem(self.tr("All statuses"), "")
        for status in DeclarationStatus:
            self.status_combo.addItem(self.tr(status.label), status.value)
        bar.addWidget(QLabel(self.tr("Status:"), central))
        bar.addWidget(self.status_combo)
        bar.addWidget(self.search_edit, 1)
        layout.addLayout(bar)

        self.table = QTableView(central)
        self.table.setObjectName("declarations_table")
        self.table.setModel(self.model)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(0, Qt.SortOrder.DescendingOrder)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setDefaultSectionSize(24)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        for i, col in enumerate(self.model.columns):
            self.table.setColumnWidth(i, col.width)
        layout.addWidget(self.table, 1)
        self.setCentralWidget(central)

        self.selection_label = QLabel(self)
        self.counts_label = QLabel(self)
        self.counts_label.setObjectName("counts_label")
        self.statusBar().addWidget(self.counts_label, 1)
        self.statusBar().addPermanentWidget(self.selection_label)

        self._search_timer = QTimer(self)
        self._search_timer.setSingleShot(True)
        self._search_timer.setInterval(250)

    def _connect_signals(self) -> None:
        self.action_refresh.triggered.connect(self.refresh)
        self.action_find.triggered.connect(self._on_action_find_triggered)
        self.action_quit.triggered.connect(self.close)
        self.action_about.triggered.connect(self.show_about)
        self.search_edit.textChanged.connect(self._on_search_edit_text_changed)
        self._search_timer.timeout.connect(self.apply_filter)
        self.status_combo.currentIndexChanged.connect(self.apply_filter)
        self.model.total_changed.connect(self._on_model_total_changed)
        self.table.selectionModel().selectionChanged.connect(self._on_selection_changed)
        self.data_changed.connect(self.refresh)

    def _hide_empty_menus(self) -> None:
        for menu in self.menus.values():
            menu.menuAction().setVisible(bool(menu.actions()))

    # --- behaviour ----------------------------------------------------------------------
    def current_filter(self) -> DeclarationFilter:
        status = self.status_combo.currentData()
        return DeclarationFilter(
            statuses=(status,) if status else (), search=self.search_edit.text()
        )

    def apply_filter(self) -> None:
        self.model.set_filter(self.current_filter())

    def refresh(self) -> None:
        self.model.refresh()
        self.refresh_counts()

    def refresh_counts(self) -> None:
        with self.ctx.transaction() as session:
            counts = decl_service.status_counts(session, self.ctx.actor)
        parts = [
            f"{self.tr(DeclarationStatus(s).label)} {counts[s.value]:,}"
            for s in DeclarationStatus
            if counts.get(s.value)
        ]
        total = sum(counts.values())
        self.counts_label.setText(self.tr("Total {n}").format(n=f"{total:,}") + "  ·  "
                                  + "  ·  ".join(parts))

    def selected_ids(self) -> list[int]:
        rows = sorted({i.row() for i in self.table.selectionModel().selectedRows()})
        ids = []
        for r in rows:
            self.model.fetch_now(r)
            decl_id = self.model.declaration_id(r)
            if decl_id is not None:
                ids.append(decl_id)
        return ids

    def show_about(self) -> None:
        QMessageBox.about(
            self,
            self.tr("About ClearDesk"),
            self.tr(
                "<h3>ClearDesk {version}</h3><p>The customs broker's workbench for "
                "cross-border e-commerce parcels: import orders, pre-check every customs rule, "
                "submit CEB messages, apply receipts, print labels and manifests.</p>"
                "<p>Database: {db}</p><p>Chinese text uses WenQuanYi Micro Hei "
                "(Apache License 2.0).</p>"
            ).format(version=__version__, db=self.ctx.engine.url.render_as_string(True)),
        )

    def _on_action_find_triggered(self) -> None:
        self.search_edit.setFocus()
        self.search_edit.selectAll()

    def _on_search_edit_text_changed(self, _text: str) -> None:
        self._search_timer.start()

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

    def closeEvent(self, event: QCloseEvent) -> None:
        event.accept()
