"""Declarations ▸ Unclassified goods… (Ctrl+Shift+G): products whose goods lines wait for a
classification, the one blocking most declarations first. Classifying one fills every waiting
line and re-checks those declarations in one step; Undo puts them back.

The list is short (distinct products, at most 500), so it is read whole into a QTableWidget.
The classification question and messages are seams tests replace.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
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

from app.catalogue.entries import Classification, tables_of
from app.catalogue.queue import (
    ClassifyResult,
    UnclassifiedProduct,
    classify_product,
    unclassified_products,
    undo_classification,
)
from app.domain.errors import UserFacingError
from app.reference.tables import ReferenceTables
from ui.catalogue.classify_dialog import ask_classification
from ui.context import GuiContext


def show_message(parent: QWidget, title: str, text: str) -> None:
    QMessageBox.information(parent, title, text)


class UnclassifiedGoodsDialog(QDialog):
    """The unclassified goods queue; `classified` after a classification or its undo."""

    classified = Signal()

    def __init__(self, ctx: GuiContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.ask_classification: Callable[
            [QWidget, UnclassifiedProduct, ReferenceTables, str],
            Classification | None] = ask_classification
        self.show_message: Callable[[QWidget, str, str], None] = show_message
        self.products: list[UnclassifiedProduct] = []
        self.last: ClassifyResult | None = None
        self._refs: ReferenceTables | None = None
        self._build_ui()
        self._connect_signals()
        self.reload()

    def _build_ui(self) -> None:
        self.setObjectName("unclassified_goods_dialog")
        self.setWindowTitle(self.tr("Unclassified goods"))
        self.table = QTableWidget(0, 6)
        self.table.setObjectName("unclassified_table")
        self.table.setHorizontalHeaderLabels(
            [self.tr("Goods name"), self.tr("Model"), self.tr("Item No. (SKU)"),
             self.tr("Declarations"), self.tr("Lines"), self.tr("Catalogue HS code")])
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for column in range(1, 6):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.verticalHeader().setVisible(False)
        self.summary = QLabel()
        self.summary.setObjectName("unclassified_summary")
        self.classify_button = QPushButton(self.tr("Classify…"))
        self.classify_button.setObjectName("classify_button")
        self.classify_button.setDefault(True)
        self.undo_button = QPushButton(self.tr("Undo last"))
        self.undo_button.setEnabled(False)
        self.refresh_button = QPushButton(self.tr("Refresh"))
        close = QPushButton(self.tr("Close"))
        close.clicked.connect(self.accept)
        buttons = QHBoxLayout()
        buttons.addWidget(self.summary, 1)
        for b in (self.classify_button, self.undo_button, self.refresh_button, close):
            buttons.addWidget(b)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table, 1)
        layout.addLayout(buttons)
        self.resize(900, 520)

    def _connect_signals(self) -> None:
        self.classify_button.clicked.connect(self._on_classify_button_clicked)
        self.undo_button.clicked.connect(self._on_undo_button_clicked)
        self.refresh_button.clicked.connect(self.reload)
        self.table.itemDoubleClicked.connect(self._on_table_item_double_clicked)

    def refs(self) -> ReferenceTables:
        if self._refs is None:
            with self.ctx.transaction(write=False) as session:
                self._refs = tables_of(session)
        return self._refs

    def reload(self) -> None:
        with self.ctx.transaction(write=False) as session:
            self.products = unclassified_products(session, self.ctx.actor)
        self.table.setRowCount(len(self.products))
        for row, p in enumerate(self.products):
            cells = (p.gname or "", p.gmodel or "", p.item_no or "", p.declarations, p.lines,
                     p.catalogue_gcode or "")
            for column, value in enumerate(cells):
                item = QTableWidgetItem(str(value))
                if isinstance(value, int):
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight
                                          | Qt.AlignmentFlag.AlignVCenter)
                self.table.setItem(row, column, item)
        if self.products:
            self.table.selectRow(0)
        blocked = sum(p.declarations for p in self.products)
        self.summary.setText(
            self.tr("{products} product(s) wait for a classification; they hold up "
                    "{declarations} declaration(s).")
            .replace("{products}", str(len(self.products)))
            .replace("{declarations}", str(blocked)) if self.products else
            self.tr("No goods wait for a classification."))
        self.classify_button.setEnabled(bool(self.products))

    def current_product(self) -> UnclassifiedProduct | None:
        row = self.table.currentRow()
        return self.products[row] if 0 <= row < len(self.products) else None

    def _on_table_item_double_clicked(self, _item: QTableWidgetItem) -> None:
        self._on_classify_button_clicked()

    def _on_classify_button_clicked(self) -> None:
        product = self.current_product()
        if product is None:
            return
        c = self.ask_classification(self, product, self.refs(), self.ctx.lang)
        if c is None:
            return
        try:
            with self.ctx.transaction() as session:
                result = classify_product(session, self.ctx.actor, product.key, c)
        except UserFacingError as error:
            self.show_message(self, self.tr("Not classified"), error.text(self.ctx.lang))
            return
        self.last = result
        self.undo_button.setEnabled(True)
        self.reload()
        self.classified.emit()
        text = (self.tr("{lines} goods line(s) in {declarations} declaration(s) filled; "
                        "{ready} became ready.")
                .replace("{lines}", str(result.lines))
                .replace("{declarations}", str(result.declarations))
                .replace("{ready}", str(result.became_ready)))
        if not result.applied:
            text += "\n" + self.tr("Your classification differs from the catalogue's: it waits "
                                   "as a proposal for a supervisor.")
        self.show_message(self, self.tr("Classified"), text)

    def _on_undo_button_clicked(self) -> None:
        if self.last is None:
            return
        try:
            with self.ctx.transaction() as session:
                undone = undo_classification(session, self.ctx.actor, self.last.bulk_id)
        except UserFacingError as error:
            self.show_message(self, self.tr("Not undone"), error.text(self.ctx.lang))
            return
        self.last = None
        self.undo_button.setEnabled(False)
        self.reload()
        self.classified.emit()
        self.show_message(self, self.tr("Classification undone"),
                          self.tr("{n} declaration(s) put back.").replace(
                              "{n}", str(undone.records)))
