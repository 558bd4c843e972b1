"""File ▸ Reference data: browse and search the code tables and the tariff, see the edition in
force, and (administrators) load a new edition after a preview of its differences."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
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

from app.domain.errors import UserFacingError
from app.reference.editions import EditionOutcome, import_edition
from app.reference.fileread import TABLES
from app.reference.search import ReferenceRow, search_reference, table_summaries
from app.security.context import Permission
from ui.context import GuiContext

SHOWN_ROWS = 200


class ReferenceDataDialog(QDialog):
    """One table at a time: search by code digits or words of the name, edition info."""

    edition_loaded = Signal()

    def __init__(self, ctx: GuiContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        # Seams replaced by tests: the file to load and the confirmation of its preview.
        self.ask_file: Callable[[], Path | None] = self._ask_file
        self.confirm_import: Callable[[EditionOutcome], bool] = self._confirm_import
        self._build_ui()
        self._connect_signals()
        self.reload()

    def _build_ui(self) -> None:
        self.setWindowTitle(self.tr("Reference data"))
        self.resize(860, 520)
        layout = QVBoxLayout(self)
        row = QHBoxLayout()
        self.table_combo = QComboBox()
        self.table_combo.setObjectName("table_combo")
        names = {"hs": self.tr("HS tariff"), "customs": self.tr("Customs offices"),
                 "country": self.tr("Countries"), "currency": self.tr("Currencies"),
                 "unit": self.tr("Units"), "trade-mode": self.tr("Trade modes"),
                 "positive-list": self.tr("Positive list")}
        for table in TABLES:
            self.table_combo.addItem(names[table], table)
        self.search_edit = QLineEdit()
        self.search_edit.setObjectName("search_edit")
        self.search_edit.setPlaceholderText(self.tr("Code digits or words of the name"))
        self.search_edit.setClearButtonEnabled(True)
        self.import_button = QPushButton(self.tr("Load edition…"))
        self.import_button.setObjectName("import_button")
        self.import_button.setEnabled(self.ctx.actor.can(Permission.SETTINGS))
        row.addWidget(self.table_combo)
        row.addWidget(self.search_edit, 1)
        row.addWidget(self.import_button)
        layout.addLayout(row)
        self.edition_label = QLabel()
        self.edition_label.setObjectName("edition_label")
        self.edition_label.setWordWrap(True)
        layout.addWidget(self.edition_label)
        self.rows_table = QTableWidget(0, 6)
        self.rows_table.setObjectName("rows_table")
        self.rows_table.setHorizontalHeaderLabels([
            self.tr("Code"), self.tr("Name"), self.tr("English name"), self.tr("Legal units"),
            self.tr("VAT / consumption tax"), self.tr("Positive list note")])
        self.rows_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.rows_table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.rows_table.horizontalHeader().setSectionResizeMode(
            1, QHeaderView.ResizeMode.Stretch)
        layout.addWidget(self.rows_table, 1)
        self.message_label = QLabel()
        self.message_label.setObjectName("message_label")
        self.message_label.setWordWrap(True)
        layout.addWidget(self.message_label)

    def _connect_signals(self) -> None:
        self.table_combo.currentIndexChanged.connect(self._on_table_combo_changed)
        self.search_edit.textChanged.connect(self._on_search_edit_changed)
        self.import_button.clicked.connect(self._on_import_button_clicked)

    @property
    def table(self) -> str:
        return str(self.table_combo.currentData())

    def reload(self) -> None:
        with self.ctx.transaction() as session:
            summaries = {s.table: s for s in table_summaries(session, self.ctx.actor)}
            rows = search_reference(session, self.ctx.actor, self.table,
                                    self.search_edit.text(), SHOWN_ROWS)
        summary = summaries[self.table]
        if summary.edition:
            text = self.tr("{rows} rows; edition {edition}, loaded {at}.").format(
                rows=f"{summary.rows:,}", edition=summary.edition, at=summary.loaded_at[:16])
        else:
            text = self.tr("{rows} rows; the edition shipped with ClearDesk.").format(
                rows=f"{summary.rows:,}")
        if summary.upcoming:
            text += " " + self.tr("Edition {edition} is loaded and applies to declarations "
                                  "dated from {date}.").format(edition=summary.upcoming,
                                                               date=summary.upcoming_from)
        if not summaries["positive-list"].rows:
            text += " " + self.tr("No positive list is loaded: imports are not checked "
                                  "against it.")
        self.edition_label.setText(text)
        self._show_rows(rows)

    def _show_rows(self, rows: list[ReferenceRow]) -> None:
        self.rows_table.setRowCount(len(rows))
        for index, r in enumerate(rows):
            units = " / ".join(u for u in (r.unit1, r.unit2) if u)
            rates = "" if self.table != "hs" else (
                self.tr("not known") if r.vat_rate is None
                else f"{r.vat_rate} / {r.ct_rate}")
            for column, value in enumerate((r.code, r.name_zh, r.name_en, units, rates,
                                            r.note or "")):
                self.rows_table.setItem(index, column, QTableWidgetItem(value))

    def _on_table_combo_changed(self, _index: int) -> None:
        self.reload()

    def _on_search_edit_changed(self, _text: str) -> None:
        self.reload()

    def _on_import_button_clicked(self) -> None:
        path = self.ask_file()
        if path is None:
            return
        try:
            with self.ctx.transaction() as session:
                preview = import_edition(session, self.ctx.actor, path, self.table,
                                         dry_run=True)
            if preview.errors:
                shown = "\n".join(f"{e.row} {e.column}: {e.message.text(self.ctx.lang)}"
                                  for e in preview.errors[:20])
                self.message_label.setText(self.tr(
                    "{count} errors; nothing was stored:").format(count=len(preview.errors))
                    + "\n" + shown)
                return
            if not self.confirm_import(preview):
                return
            with self.ctx.transaction() as session:
                done = import_edition(session, self.ctx.actor, path, self.table)
        except UserFacingError as exc:
            self.message_label.setText(exc.message.text(self.ctx.lang))
            return
        self.message_label.setText(self.tr(
            "Edition {edition} stored: {added} added, {removed} removed, {changed} changed; "
            "{checked} open declarations checked again, {moved} changed status.").format(
            edition=done.edition, added=len(done.added), removed=len(done.removed),
            changed=len(done.changed), checked=done.rechecked, moved=done.status_changed))
        self.reload()
        self.edition_loaded.emit()

    def _ask_file(self) -> Path | None:
        name, _ = QFileDialog.getOpenFileName(
            self, self.tr("Load reference edition"), "",
            self.tr("Tables (*.xlsx *.xls *.csv *.json);;All files (*)"))
        return Path(name) if name else None

    def _confirm_import(self, preview: EditionOutcome) -> bool:
        sample = ", ".join([*preview.added[:5], *preview.changed[:5]])
        answer = QMessageBox.question(self, self.tr("Load reference edition"), self.tr(
            "{rows} rows: {added} added, {removed} removed, {changed} changed ({sample}). "
            "Store this edition?").format(rows=preview.rows, added=len(preview.added),
                                          removed=len(preview.removed),
                                          changed=len(preview.changed), sample=sample))
        return answer == QMessageBox.StandardButton.Yes
