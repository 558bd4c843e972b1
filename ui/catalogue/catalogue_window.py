"""Declarations ▸ Goods catalogue…: the entries, searchable; a pending proposal shows beside
the classification it would replace (both HS codes), and a supervisor confirms it or keeps
the entry as it is. Supervisors import the catalogue from Excel; anyone may export it.

File dialogs and messages are seams tests replace.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QFileDialog,
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

from app.catalogue.entries import confirm_entry, list_products, tables_of
from app.catalogue.store import CatalogueProduct
from app.catalogue.xlsx import export_catalogue, import_catalogue
from app.domain.errors import UserFacingError
from app.i18n import N_, translate
from app.reference.tables import CodeTable
from app.security.context import Permission
from ui.context import GuiContext

SOURCE_LABELS = {"accepted": N_("customs accepted"), "confirmed": N_("confirmed"),
                 "imported": N_("imported"), "proposed": N_("proposed")}


def ask_open_file(parent: QWidget) -> str:
    path, _filter = QFileDialog.getOpenFileName(
        parent, parent.tr("Import goods catalogue"), "",
        parent.tr("Spreadsheets (*.xlsx *.xls *.csv)"))
    return path


def ask_save_file(parent: QWidget) -> str:
    path, _filter = QFileDialog.getSaveFileName(
        parent, parent.tr("Export goods catalogue"), "goods-catalogue.xlsx",
        parent.tr("Excel workbooks (*.xlsx)"))
    return path


def show_message(parent: QWidget, title: str, text: str) -> None:
    QMessageBox.information(parent, title, text)


def _per_unit(p: CatalogueProduct, unit_name: Callable[[str], str]) -> str:
    parts = []
    for qty, unit in ((p.qty1_per_unit, p.unit1), (p.qty2_per_unit, p.unit2)):
        if unit:
            parts.append(f"{'?' if qty is None else f'{qty.normalize():f}'} {unit_name(unit)}")
    return " + ".join(parts)


class CatalogueDialog(QDialog):
    """The goods catalogue; `changed` after an import or a confirmation."""

    changed = Signal()

    def __init__(self, ctx: GuiContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.ask_open_file: Callable[[QWidget], str] = ask_open_file
        self.ask_save_file: Callable[[QWidget], str] = ask_save_file
        self.show_message: Callable[[QWidget, str, str], None] = show_message
        self.products: list[CatalogueProduct] = []
        self._units: CodeTable | None = None
        self._build_ui()
        self._connect_signals()
        self.reload()

    def _build_ui(self) -> None:
        self.setObjectName("catalogue_dialog")
        self.setWindowTitle(self.tr("Goods catalogue"))
        self.search = QLineEdit()
        self.search.setObjectName("catalogue_search")
        self.search.setPlaceholderText(self.tr("Search name, model, item No., barcode or HS "
                                               "code"))
        self.table = QTableWidget(0, 8)
        self.table.setObjectName("catalogue_table")
        self.table.setHorizontalHeaderLabels(
            [self.tr("Item No. (SKU)"), self.tr("Goods name"), self.tr("Model"),
             self.tr("HS code"), self.tr("Per unit"), self.tr("Source"),
             self.tr("Proposed HS code"), self.tr("Proposed by")])
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.verticalHeader().setVisible(False)
        supervisor = self.ctx.actor.can(Permission.CATALOGUE)
        self.confirm_button = QPushButton(self.tr("Confirm"))
        self.confirm_button.setObjectName("catalogue_confirm")
        self.confirm_button.setToolTip(self.tr("Apply the proposal (or confirm the entry)"))
        self.keep_button = QPushButton(self.tr("Keep current"))
        self.keep_button.setToolTip(self.tr("Drop the proposal, keep the classification"))
        self.import_button = QPushButton(self.tr("Import…"))
        self.export_button = QPushButton(self.tr("Export…"))
        for b in (self.confirm_button, self.keep_button, self.import_button):
            b.setVisible(supervisor)
        self.summary = QLabel()
        close = QPushButton(self.tr("Close"))
        close.clicked.connect(self.accept)
        buttons = QHBoxLayout()
        buttons.addWidget(self.summary, 1)
        for b in (self.confirm_button, self.keep_button, self.import_button,
                  self.export_button, close):
            buttons.addWidget(b)
        layout = QVBoxLayout(self)
        layout.addWidget(self.search)
        layout.addWidget(self.table, 1)
        layout.addLayout(buttons)
        self.resize(1000, 560)

    def _connect_signals(self) -> None:
        self.search.textChanged.connect(self._on_search_text_changed)
        self.confirm_button.clicked.connect(self._on_confirm_button_clicked)
        self.keep_button.clicked.connect(self._on_keep_button_clicked)
        self.import_button.clicked.connect(self._on_import_button_clicked)
        self.export_button.clicked.connect(self._on_export_button_clicked)

    def reload(self) -> None:
        with self.ctx.transaction(write=False) as session:
            self.products = list_products(session, self.ctx.actor, search=self.search.text())
            if self._units is None:
                self._units = tables_of(session).units
        units = self._units

        def unit_name(code: str) -> str:
            return units.name_of(code, "zh_CN") or code
        self.table.setRowCount(len(self.products))
        lang = self.ctx.lang
        for row, p in enumerate(self.products):
            cells = (p.item_no or "", p.gname or "", p.gmodel or "", p.gcode or "",
                     _per_unit(p, unit_name),
                     translate(SOURCE_LABELS.get(p.source, p.source), lang),
                     p.proposed_gcode or "", p.proposed_by or "")
            for column, text in enumerate(cells):
                self.table.setItem(row, column, QTableWidgetItem(text))
        pending = sum(1 for p in self.products if p.has_proposal)
        self.summary.setText(self.tr("{n} entries, {pending} with a proposal")
                             .replace("{n}", str(len(self.products)))
                             .replace("{pending}", str(pending)))

    def current_product(self) -> CatalogueProduct | None:
        row = self.table.currentRow()
        return self.products[row] if 0 <= row < len(self.products) else None

    def _on_search_text_changed(self, _text: str) -> None:
        self.reload()

    def _confirm(self, keep: bool) -> None:
        product = self.current_product()
        if product is None:
            return
        try:
            with self.ctx.transaction() as session:
                confirm_entry(session, self.ctx.actor, f"#{product.id}", keep=keep)
        except UserFacingError as error:
            self.show_message(self, self.tr("Not confirmed"), error.text(self.ctx.lang))
            return
        self.reload()
        self.changed.emit()

    def _on_confirm_button_clicked(self) -> None:
        self._confirm(False)

    def _on_keep_button_clicked(self) -> None:
        self._confirm(True)

    def _on_import_button_clicked(self) -> None:
        path = self.ask_open_file(self)
        if not path:
            return
        try:
            with self.ctx.transaction() as session:
                s = import_catalogue(session, self.ctx.actor, Path(path))
        except UserFacingError as error:
            self.show_message(self, self.tr("Goods catalogue not imported"),
                              error.text(self.ctx.lang))
            return
        self.reload()
        self.changed.emit()
        self.show_message(self, self.tr("Goods catalogue"), self.tr(
            "{rows} row(s): {added} added, {changed} changed, {proposals} kept as proposals.")
            .replace("{rows}", str(s.rows)).replace("{added}", str(s.added))
            .replace("{changed}", str(s.changed)).replace("{proposals}", str(s.proposals)))

    def _on_export_button_clicked(self) -> None:
        path = self.ask_save_file(self)
        if not path:
            return
        try:
            with self.ctx.transaction() as session:
                r = export_catalogue(session, self.ctx.actor, Path(path), lang=self.ctx.lang)
        except UserFacingError as error:
            self.show_message(self, self.tr("Not exported"), error.text(self.ctx.lang))
            return
        self.show_message(self, self.tr("Goods catalogue"),
                          self.tr("{rows} entries written to {file}")
                          .replace("{rows}", str(r.rows)).replace("{file}", str(r.path)))
