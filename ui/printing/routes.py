"""Admin ▸ Route table…: the route / sort-code table printed on labels, and its import.

The table is small (one row per province, city or district the office routes), so it is read
whole into a QTableWidget. Import replaces it from a CSV/XLSX file; a file with bad rows is
refused whole and its rows listed. File and error dialogs are seams tests replace.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtWidgets import (
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.domain.errors import UserFacingError
from app.security.context import Permission
from app.services.routes import Route, import_routes, list_routes
from ui.context import GuiContext


def ask_route_file(parent: QWidget) -> str:
    path, _filter = QFileDialog.getOpenFileName(
        parent, parent.tr("Import route table"), "",
        parent.tr("Route tables (*.csv *.xlsx *.xls)"))
    return path


def show_message(parent: QWidget, title: str, text: str) -> None:
    QMessageBox.information(parent, title, text)


class RoutesDialog(QDialog):
    """Shows the route table; Import… replaces it (supervisors and administrators)."""

    def __init__(self, ctx: GuiContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.ask_route_file: Callable[[QWidget], str] = ask_route_file
        self.show_message: Callable[[QWidget, str, str], None] = show_message
        self.setWindowTitle(self.tr("Route table"))
        self._build_ui()
        self._connect_signals()
        self.reload()

    def _build_ui(self) -> None:
        self.table = QTableWidget(0, 4)
        self.table.setHorizontalHeaderLabels(
            [self.tr("Code"), self.tr("Place"), self.tr("Division code"),
             self.tr("Description")])
        self.table.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.summary = QLabel()
        self.import_button = QPushButton(self.tr("Import…"))
        self.import_button.setEnabled(self.ctx.actor.can(Permission.ROUTES))
        close = QPushButton(self.tr("Close"))
        close.clicked.connect(self.accept)
        buttons = QHBoxLayout()
        buttons.addWidget(self.summary, 1)
        buttons.addWidget(self.import_button)
        buttons.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table, 1)
        layout.addLayout(buttons)
        self.resize(720, 480)

    def _connect_signals(self) -> None:
        self.import_button.clicked.connect(self._on_import_button_clicked)

    def reload(self) -> None:
        with self.ctx.transaction() as session:
            routes = list_routes(session, self.ctx.actor)
        self._fill(routes)

    def _fill(self, routes: list[Route]) -> None:
        self.table.setRowCount(len(routes))
        for row, route in enumerate(routes):
            for column, text in enumerate((route.code, route.place, route.scope,
                                           route.description)):
                self.table.setItem(row, column, QTableWidgetItem(text))
        self.summary.setText(
            self.tr("{count} route(s)").format(count=len(routes)) if routes else
            self.tr("No routes yet: import the office's table (province, city, district, "
                    "code)."))

    def _on_import_button_clicked(self) -> None:
        path = self.ask_route_file(self)
        if not path:
            return
        try:
            with self.ctx.transaction() as session:
                outcome = import_routes(session, self.ctx.actor, Path(path))
        except UserFacingError as error:
            self.show_message(self, self.tr("Route table not imported"),
                              error.text(self.ctx.lang))
            return
        self.reload()
        self.show_message(self, self.tr("Route table"),
                          self.tr("Imported {rows} route(s).").format(rows=outcome.rows))
