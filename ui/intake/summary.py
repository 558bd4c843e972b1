"""After an import: the counts, the row errors, and "Save rejected rows…" as XLSX."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.i18n import render
from app.intake.rejected import write_rejected_rows
from app.intake.service import ImportSummary
from ui import file_dialogs


class ImportSummaryDialog(QDialog):
    def __init__(self, summary: ImportSummary, lang: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.summary = summary
        self.lang = lang
        # Seam: tests replace it instead of driving the file dialog.
        self.ask_save_path: Callable[[QWidget, str, str], str] = _ask_save_path
        self._build_ui()
        self._connect_signals()

    def _build_ui(self) -> None:
        s = self.summary
        self.setObjectName("import_summary_dialog")
        self.setWindowTitle(self.tr("Import finished"))
        layout = QVBoxLayout(self)
        # Counts as "label: number", so no sentence reads "1 rows" or "0 declarations with
        # 8 items" (the items belong to the new and the updated declarations together).
        text = (self.tr("{file}\nRows read: {rows} · New declarations: {declarations} · "
                        "Updated: {updated} · Items written: {items} · Already sent, left as "
                        "they are: {duplicates} · Rejected rows: {rejected}")
                .replace("{file}", s.file).replace("{rows}", str(s.rows))
                .replace("{declarations}", str(s.declarations)).replace("{items}", str(s.items))
                .replace("{updated}", str(s.updated)).replace("{duplicates}", str(s.duplicates))
                .replace("{rejected}", str(s.rejected_rows)))
        if s.refused:
            text += "\n" + self.tr("Nothing was imported because rows were rejected.")
        text += "\n" + render(s.weights_note(), self.lang)
        if s.catalogue_filled:
            text += "\n" + render(s.catalogue_note(), self.lang)
        if s.more_errors:
            text += "\n" + (self.tr("The first {kept} problems are listed; {more} more were "
                                    "counted but not kept.")
                            .replace("{kept}", str(len(s.errors)))
                            .replace("{more}", str(s.more_errors)))
        self.counts_label = QLabel(text, self)
        self.counts_label.setObjectName("summary_counts")
        self.counts_label.setWordWrap(True)
        layout.addWidget(self.counts_label)
        self.errors_table = QTableWidget(len(s.errors), 6, self)
        self.errors_table.setObjectName("summary_errors")
        self.errors_table.setHorizontalHeaderLabels(
            [self.tr("Row"), self.tr("Order No."), self.tr("Column"), self.tr("Field"),
             self.tr("Value"), self.tr("Reason")])
        self.errors_table.verticalHeader().setVisible(False)
        self.errors_table.horizontalHeader().setStretchLastSection(True)
        for r, e in enumerate(s.errors[:5000]):
            data = e.to_json(self.lang)
            for c, key in enumerate(("row", "orderNo", "column", "field", "value", "message")):
                item = QTableWidgetItem(str(data[key]))
                item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEditable)
                item.setToolTip(str(data[key]))
                self.errors_table.setItem(r, c, item)
        self.errors_table.resizeColumnsToContents()
        for col, cap in ((1, 160), (2, 160), (3, 130), (4, 170)):
            self.errors_table.setColumnWidth(col, min(self.errors_table.columnWidth(col), cap))
        self.errors_table.setWordWrap(True)
        self.errors_table.resizeRowsToContents()
        self.errors_table.setVisible(bool(s.errors))
        layout.addWidget(self.errors_table, 1)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        self.save_button = QPushButton(self.tr("Save rejected rows…"), self)
        self.save_button.setObjectName("save_rejected_button")
        self.save_button.setEnabled(bool(s.rejected))
        self.buttons.addButton(self.save_button, QDialogButtonBox.ButtonRole.ActionRole)
        layout.addWidget(self.buttons)
        self.resize(820, 480 if s.errors else 160)

    def _connect_signals(self) -> None:
        self.buttons.rejected.connect(self.reject)
        self.save_button.clicked.connect(self._on_save_button_clicked)

    def _on_save_button_clicked(self) -> None:
        stem = Path(self.summary.file).stem
        default = f"{stem}-{self.tr('rejected')}.xlsx"
        path = self.ask_save_path(self, self.tr("Save rejected rows"), default)
        if path:
            self.save_rejected(Path(path))

    def save_rejected(self, path: Path) -> int:
        s = self.summary
        return write_rejected_rows(path, s.headers, s.rejected, s.errors, self.lang)


def _ask_save_path(parent: QWidget, title: str, default: str) -> str:
    return file_dialogs.save_file(parent, title, default, "Excel (*.xlsx)", "export")
