"""What customs refused, grouped by cause; parcels on hold; receipt files that were refused."""

from __future__ import annotations

from pathlib import Path

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
    QTabWidget,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.domain.errors import UserFacingError
from app.domain.status import DeclarationStatus
from app.i18n import render
from app.services import settings as settings_service
from app.submission import fixqueue
from app.submission.exchange import ExchangeFolderTransport, transport_from_settings
from ui.context import GuiContext


class ToFixDialog(QDialog):
    """Tabs: To fix (grouped by cause) · Inspection and detention · Refused receipt files."""

    show_declarations = Signal(list)  # ids the clerk wants to work on in the main grid
    changed = Signal()  # declarations changed (re-declared)

    def __init__(self, ctx: GuiContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.groups: list[fixqueue.FixGroup] = []
        self._build_ui()
        self._connect_signals()
        self.refresh()

    def _build_ui(self) -> None:
        self.setWindowTitle(self.tr("To fix"))
        self.setObjectName("to_fix_dialog")
        self.resize(1000, 520)
        layout = QVBoxLayout(self)
        self.tabs = QTabWidget(self)
        layout.addWidget(self.tabs, 1)

        fix_page = QWidget(self)
        fl = QVBoxLayout(fix_page)
        self.hint = QLabel(self.tr("Fix one cause for many parcels, run the pre-check, then put "
                                   "them in a new batch: customs gets an amendment where it "
                                   "already knows the parcel."), fix_page)
        self.hint.setWordWrap(True)
        fl.addWidget(self.hint)
        self.tree = QTreeWidget(fix_page)
        self.tree.setObjectName("causes_tree")
        self.tree.setHeaderLabels([self.tr("Parcels"), self.tr("Code"),
                                   self.tr("Customs text"), self.tr("What to do")])
        self.tree.setRootIsDecorated(False)
        header = self.tree.header()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        fl.addWidget(self.tree, 1)
        # The full explanation of the selected cause: long sentences do not fit a cell.
        self.explanation = QLabel(fix_page)
        self.explanation.setObjectName("explanation_label")
        self.explanation.setWordWrap(True)
        self.explanation.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        fl.addWidget(self.explanation)
        row = QHBoxLayout()
        self.show_button = QPushButton(self.tr("&Show these parcels"), fix_page)
        self.redeclare_button = QPushButton(self.tr("&Re-declare these parcels"), fix_page)
        self.redeclare_button.setToolTip(self.tr(
            "After fixing them: re-open for a new batch and run the pre-check again."))
        row.addWidget(self.show_button)
        row.addWidget(self.redeclare_button)
        row.addStretch(1)
        fl.addLayout(row)
        self.tabs.addTab(fix_page, self.tr("To fix"))

        self.holds = QTableWidget(0, 5, self)
        self.holds.setObjectName("holds_table")
        self.holds.setHorizontalHeaderLabels([self.tr("Internal No."), self.tr("Waybill No."),
                                              self.tr("Status"), self.tr("Time"),
                                              self.tr("Customs text")])
        self._table_defaults(self.holds)
        self.tabs.addTab(self.holds, self.tr("Inspection and detention"))

        err_page = QWidget(self)
        el = QVBoxLayout(err_page)
        self.errors = QTableWidget(0, 3, err_page)
        self.errors.setObjectName("receipt_errors_table")
        self.errors.setHorizontalHeaderLabels([self.tr("Date"), self.tr("File"),
                                               self.tr("Reason")])
        self._table_defaults(self.errors)
        el.addWidget(self.errors, 1)
        row2 = QHBoxLayout()
        self.retry_button = QPushButton(self.tr("&Retry selected file"), err_page)
        row2.addWidget(self.retry_button)
        row2.addStretch(1)
        el.addLayout(row2)
        self.tabs.addTab(err_page, self.tr("Refused receipts"))

        bottom = QHBoxLayout()
        bottom.addStretch(1)
        self.close_button = QPushButton(self.tr("Close"), self)
        bottom.addWidget(self.close_button)
        layout.addLayout(bottom)

    @staticmethod
    def _table_defaults(table: QTableWidget) -> None:
        table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        table.verticalHeader().setVisible(False)
        table.horizontalHeader().setStretchLastSection(True)

    def _connect_signals(self) -> None:
        self.show_button.clicked.connect(self._on_show_button_clicked)
        self.redeclare_button.clicked.connect(self._on_redeclare_button_clicked)
        self.tree.currentItemChanged.connect(self._on_tree_current_item_changed)
        self.retry_button.clicked.connect(self._on_retry_button_clicked)
        self.close_button.clicked.connect(self.accept)

    def refresh(self) -> None:
        with self.ctx.transaction() as session:
            self.groups = fixqueue.fix_groups(session, self.ctx.actor)
            held = fixqueue.held_declarations(session, self.ctx.actor)
            settings = settings_service.all_settings(session)
        self.tree.clear()
        for g in self.groups:
            explanation = render(g.explanation, self.ctx.lang) if g.explanation else ""
            text = g.customs_text or self.tr("(no customs text)")
            item = QTreeWidgetItem([str(g.count), g.code or "—", text, explanation])
            item.setTextAlignment(0, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            item.setToolTip(2, g.customs_text)
            item.setToolTip(3, explanation)
            self.tree.addTopLevelItem(item)
        if self.groups:
            self.tree.setCurrentItem(self.tree.topLevelItem(0))
        self.tabs.setTabText(0, self.tr("To fix ({n})").format(n=sum(g.count
                                                                      for g in self.groups)))
        self.holds.setRowCount(len(held))
        for r, h in enumerate(held):
            status = self.tr(DeclarationStatus(h.status).label)
            for c, v in enumerate((h.copNo, h.logisticsNo, status, _time(h.returnTime),
                                   h.returnInfo)):
                self.holds.setItem(r, c, QTableWidgetItem(v or ""))
        self.holds.resizeColumnsToContents()
        self.tabs.setTabText(1, self.tr("Inspection and detention ({n})").format(n=len(held)))
        self.error_files: list[Path] = []
        try:
            self.transport: ExchangeFolderTransport | None = transport_from_settings(settings)
            self.error_files = self.transport.error_files()
        except UserFacingError:
            self.transport = None
        self.errors.setRowCount(len(self.error_files))
        for r, path in enumerate(self.error_files):
            reason = self.transport.reason_of(path) if self.transport is not None else ""
            for c, v in enumerate((path.parent.name, path.name, reason)):
                self.errors.setItem(r, c, QTableWidgetItem(v))
        self.errors.resizeColumnsToContents()
        self.tabs.setTabText(2, self.tr("Refused receipts ({n})").format(
            n=len(self.error_files)))

    def selected_group(self) -> fixqueue.FixGroup | None:
        item = self.tree.currentItem()
        if item is None:
            return None
        return self.groups[self.tree.indexOfTopLevelItem(item)]

    def _on_tree_current_item_changed(self, *_args: object) -> None:
        group = self.selected_group()
        text = ""
        if group is not None:
            text = (render(group.explanation, self.ctx.lang) if group.explanation
                    else self.tr("Read the customs text, fix the declarations and declare "
                                 "them again."))
        self.explanation.setText(text)

    def _on_show_button_clicked(self) -> None:
        group = self.selected_group()
        if group is None:
            return
        with self.ctx.transaction() as session:
            ids = fixqueue.declarations_for_cause(session, self.ctx.actor, group.key)
        self.show_declarations.emit(ids)

    def _on_redeclare_button_clicked(self) -> None:
        group = self.selected_group()
        if group is None:
            return
        try:
            with self.ctx.transaction() as session:
                ids = fixqueue.declarations_for_cause(session, self.ctx.actor, group.key)
                result = fixqueue.redeclare(session, self.ctx.actor, ids)
        except UserFacingError as exc:
            self.last_message = exc.text(self.ctx.lang)
        else:
            self.last_message = self.tr(
                "{redeclared} re-declared: {ready} ready for a new batch, {invalid} still "
                "fail the pre-check.").format(redeclared=result.redeclared, ready=result.ready,
                                              invalid=result.invalid)
            self.changed.emit()
        if self.isVisible():
            QMessageBox.information(self, self.windowTitle(), self.last_message)
        self.refresh()

    def _on_retry_button_clicked(self) -> None:
        rows = self.errors.selectionModel().selectedRows()
        if not rows or self.transport is None:
            return
        try:
            self.transport.take_back(self.error_files[rows[0].row()])
        except (OSError, UserFacingError) as exc:
            self.last_message = exc.text(self.ctx.lang) if isinstance(
                exc, UserFacingError) else str(exc)
            if self.isVisible():
                QMessageBox.warning(self, self.windowTitle(), self.last_message)
        self.refresh()


def _time(return_time: str | None) -> str:
    t = return_time or ""
    if len(t) >= 14:
        return f"{t[0:4]}-{t[4:6]}-{t[6:8]} {t[8:10]}:{t[10:12]}:{t[12:14]}"
    return t
