"""The three pages of the import wizard. They share one ImportDraft (see wizard.py)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
    QWizardPage,
)

from app.i18n import render
from app.intake.mapping import field_label
from app.intake.preview import defaultable_fields, field_choices
from ui import file_dialogs
from ui.intake.defaults import MissingValuesPanel

if TYPE_CHECKING:
    from ui.intake.wizard import FileFacts, ImportWizard

FILE_FILTER = "*.xlsx *.xls *.ods *.csv *.tsv *.txt *.json"
ERROR_BRUSH = QBrush(QColor("#f8d0cc"))
DEFAULT_BRUSH = QBrush(QColor("#dceaf7"))


class BusyBar(QWidget):
    """“Reading the file…” with a running bar, shown while the wizard reads the file."""

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.setObjectName("busy_bar")
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        self.label = QLabel(self.tr("Reading the file…"), self)
        self.bar = QProgressBar(self)
        self.bar.setRange(0, 0)  # no known length: a running bar
        self.bar.setTextVisible(False)
        row.addWidget(self.label)
        row.addWidget(self.bar, 1)
        self.hide()


class FilePage(QWizardPage):
    """Pick the file, the sheet, a saved profile and (rarely) the header row."""

    def __init__(self, wizard: ImportWizard) -> None:
        super().__init__()
        self.wiz = wizard
        self._readable = False
        self._loaded_for = ""
        self._build_ui()
        self._connect_signals()

    def _build_ui(self) -> None:
        self.setTitle(self.tr("Choose the file"))
        self.setSubTitle(self.tr("Excel (XLSX, XLS), ODS, CSV/TSV in any Chinese encoding, or "
                                 "JSON exported by the platform."))
        form = QFormLayout(self)
        row = QHBoxLayout()
        self.path_edit = QLineEdit(self)
        self.path_edit.setObjectName("path_edit")
        self.browse_button = QPushButton(self.tr("Browse…"), self)
        row.addWidget(self.path_edit, 1)
        row.addWidget(self.browse_button)
        form.addRow(self.tr("File:"), row)
        self.sheet_combo = QComboBox(self)
        self.sheet_combo.setObjectName("sheet_combo")
        form.addRow(self.tr("Sheet:"), self.sheet_combo)
        self.profile_combo = QComboBox(self)
        self.profile_combo.setObjectName("profile_combo")
        form.addRow(self.tr("Mapping profile:"), self.profile_combo)
        self.header_spin = QSpinBox(self)
        self.header_spin.setObjectName("header_spin")
        self.header_spin.setRange(0, 1000)
        self.header_spin.setSpecialValueText(self.tr("Automatic"))
        form.addRow(self.tr("Header row:"), self.header_spin)
        self.message = QLabel(self)
        self.message.setObjectName("file_message")
        self.message.setWordWrap(True)
        form.addRow(self.message)
        self.busy_bar = BusyBar(self)
        form.addRow(self.busy_bar)

    def _connect_signals(self) -> None:
        self.browse_button.clicked.connect(self._on_browse_button_clicked)
        self.path_edit.editingFinished.connect(self._on_path_edit_editing_finished)

    def initializePage(self) -> None:
        self.profile_combo.clear()
        self.profile_combo.addItem(self.tr("(automatic matching)"), "")
        for name in self.wiz.profile_names():
            self.profile_combo.addItem(name, name)
        if self.wiz.draft.path is not None:
            self.path_edit.setText(str(self.wiz.draft.path))
            self._load_sheets()

    def _on_browse_button_clicked(self) -> None:
        path = self.wiz.ask_open_path(self, self.tr("Import orders"),
                                      self.tr("Order files") + f" ({FILE_FILTER})")
        if path:
            self.path_edit.setText(path)
            self._on_path_edit_editing_finished()

    def _on_path_edit_editing_finished(self) -> None:
        text = self.path_edit.text().strip()
        if text == self._loaded_for:
            return  # focus left the field without a change (e.g. Next was pressed)
        self.wiz.set_path(text)
        self._load_sheets()

    def _load_sheets(self) -> None:
        self._loaded_for = self.path_edit.text().strip()
        self.sheet_combo.clear()
        self.message.setText("")
        self._readable = False
        self.completeChanged.emit()
        self.wiz.inspect_file(self)  # reads the file in the background, then show_file()

    def show_file(self, facts: FileFacts) -> None:
        if facts.problem is not None:
            self.message.setText(facts.problem.text(self.wiz.lang))
            self.completeChanged.emit()
            return
        self._readable = True
        for name in facts.sheets:
            self.sheet_combo.addItem(name, name)
        self.sheet_combo.setEnabled(bool(facts.sheets))
        if facts.proposal:
            self.profile_combo.setCurrentIndex(max(0, self.profile_combo.findData(
                facts.proposal)))
            self.message.setText(self.tr("Proposed profile: {name}")
                                 .replace("{name}", facts.proposal))
        self.completeChanged.emit()

    def isComplete(self) -> bool:
        return self.wiz.draft.path is not None and self._readable and not self.wiz.busy

    def set_busy(self, busy: bool) -> None:
        """Lock the choices while the file is read in the background."""
        self.busy_bar.setVisible(busy)
        for w in (self.path_edit, self.browse_button, self.sheet_combo, self.profile_combo,
                  self.header_spin):
            w.setEnabled(not busy)
        if not busy:
            self.sheet_combo.setEnabled(self.sheet_combo.count() > 0)

    def validatePage(self) -> bool:
        sheet = self.sheet_combo.currentData()
        profile = self.profile_combo.currentData() or None
        header_row = self.header_spin.value() or None
        return self.wiz.analyse(sheet, profile, header_row, self)


class MappingPage(QWizardPage):
    """Each column of the file with sample values and the field it feeds."""

    def __init__(self, wizard: ImportWizard) -> None:
        super().__init__()
        self.wiz = wizard
        self._combos: list[QComboBox] = []
        self._build_ui()
        self.defaults.changed.connect(self._on_defaults_changed)
        self.direction_combo.currentIndexChanged.connect(self._on_direction_changed)

    def _build_ui(self) -> None:
        self.setTitle(self.tr("Match the columns"))
        self.setSubTitle(self.tr("Columns were matched by their headers; correct any that are "
                                 "wrong. Unmatched columns are ignored. On the right, give a "
                                 "value for what the file lacks."))
        layout = QVBoxLayout(self)
        direction_row = QHBoxLayout()
        self.direction_combo = QComboBox(self)
        self.direction_combo.setObjectName("direction_combo")
        self.direction_combo.addItem(self.tr("Import (CEB621 inventories)"), "I")
        self.direction_combo.addItem(self.tr("Export (9610 B2C export, CEB603 inventories)"),
                                     "E")
        direction_label = QLabel(self.tr("The orders in this file are:"), self)
        direction_label.setBuddy(self.direction_combo)
        direction_row.addWidget(direction_label)
        direction_row.addWidget(self.direction_combo)
        direction_row.addStretch(1)
        layout.addLayout(direction_row)
        splitter = QSplitter(Qt.Orientation.Horizontal, self)
        self.table = QTableWidget(0, 3, splitter)
        self.table.setObjectName("mapping_table")
        self.table.setHorizontalHeaderLabels([self.tr("Column in file"), self.tr("Samples"),
                                              self.tr("Field")])
        self.table.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.table.verticalHeader().setVisible(False)
        splitter.addWidget(self.table)
        self.defaults = MissingValuesPanel(self.wiz.lang, self.wiz.reference_tables, splitter)
        splitter.addWidget(self.defaults)
        splitter.setSizes([520, 380])
        layout.addWidget(splitter, 1)
        self.missing_label = QLabel(self)
        self.missing_label.setObjectName("missing_label")
        self.missing_label.setWordWrap(True)
        layout.addWidget(self.missing_label)
        row = QHBoxLayout()
        self.save_check = QCheckBox(self.tr("Save this mapping as profile:"), self)
        self.save_check.setObjectName("save_profile_check")
        self.profile_edit = QLineEdit(self)
        self.profile_edit.setObjectName("profile_name_edit")
        row.addWidget(self.save_check)
        row.addWidget(self.profile_edit, 1)
        layout.addLayout(row)
        self.busy_bar = BusyBar(self)
        layout.addWidget(self.busy_bar)

    def initializePage(self) -> None:
        preview = self.wiz.draft.preview
        assert preview is not None
        lang = self.wiz.lang
        choices = field_choices()
        self.table.setRowCount(len(preview.headers))
        self._combos = []
        for i, header in enumerate(preview.headers):
            self.table.setItem(i, 0, _item(header))
            self.table.setItem(i, 1, _item(" | ".join(preview.samples[i])))
            combo = QComboBox(self.table)
            combo.addItem(self.tr("(ignore)"), "")
            for target in choices:
                combo.addItem(f"{field_label(target, lang)}  ({target})", target)
            combo.setCurrentIndex(max(0, combo.findData(preview.plan.targets[i] or "")))
            combo.currentIndexChanged.connect(self._on_combo_current_index_changed)
            self.table.setCellWidget(i, 2, combo)
            self._combos.append(combo)
        self.table.resizeColumnToContents(0)
        self.table.setColumnWidth(2, 260)
        spec = self.wiz.draft.spec
        self.direction_combo.blockSignals(True)
        self.direction_combo.setCurrentIndex(
            max(0, self.direction_combo.findData(spec.direction if spec else "I")))
        self.direction_combo.blockSignals(False)
        if spec is not None:
            self.defaults.set_values(spec.defaults, self.wiz.proposed_line_weights())
        self._show_missing()
        if self.wiz.draft.profile:
            self.profile_edit.setText(self.wiz.draft.profile)

    def columns(self) -> dict[str, str | None]:
        preview = self.wiz.draft.preview
        assert preview is not None
        return {h: (c.currentData() or None) for h, c in zip(preview.headers, self._combos,
                                                             strict=True)}

    def _on_combo_current_index_changed(self, _index: int) -> None:
        self._show_missing()

    def _on_defaults_changed(self) -> None:
        self._show_missing()

    def _on_direction_changed(self, _index: int) -> None:
        self.wiz.set_direction(self.direction())
        self._show_missing()

    def direction(self) -> str:
        """"I" (import) or "E" (export): what the file's orders are declared as."""
        return str(self.direction_combo.currentData())

    def _show_missing(self) -> None:
        columns = self.columns()
        preview = self.wiz.draft.preview
        mapped = {t for t in columns.values() if t}
        missing = self.wiz.missing_required(columns, set(self.defaults.values()))
        self.defaults.show_fields([t for t in defaultable_fields(self.direction())
                                   if t not in mapped],
                                  self.wiz.missing_required(columns, set()),
                                  preview.fallbacks if preview is not None else {})
        lang = self.wiz.lang
        if missing:
            names = "、".join(field_label(t, lang) for t in missing)
            self.missing_label.setText(self.tr("Required fields nobody fills (the pre-check "
                                               "will flag them): {fields}")
                                       .replace("{fields}", names))
        else:
            self.missing_label.setText(self.tr("Every required field is filled."))

    def isComplete(self) -> bool:
        return not self.wiz.busy

    def set_busy(self, busy: bool) -> None:
        """Lock the mapping while the file is read again with it."""
        self.busy_bar.setVisible(busy)
        for w in (self.table, self.defaults, self.save_check, self.profile_edit,
                  self.direction_combo):
            w.setEnabled(not busy)

    def validatePage(self) -> bool:
        save_as = self.profile_edit.text().strip() if self.save_check.isChecked() else None
        return self.wiz.remap(self.columns(), save_as, self, defaults=self.defaults.values(),
                              line_weights=self.defaults.line_weights(),
                              direction=self.direction())


class PreviewPage(QWizardPage):
    """The first rows as they will be read, with problems highlighted."""

    def __init__(self, wizard: ImportWizard) -> None:
        super().__init__()
        self.wiz = wizard
        self._build_ui()

    def _build_ui(self) -> None:
        self.setTitle(self.tr("Check the first rows"))
        layout = QVBoxLayout(self)
        self.summary = QLabel(self)
        self.summary.setObjectName("preview_summary")
        self.summary.setWordWrap(True)
        layout.addWidget(self.summary)
        self.table = QTableWidget(self)
        self.table.setObjectName("preview_table")
        layout.addWidget(self.table, 1)
        self.all_or_nothing = QCheckBox(self.tr("Import nothing if any row is rejected"), self)
        self.all_or_nothing.setObjectName("all_or_nothing_check")
        layout.addWidget(self.all_or_nothing)

    def initializePage(self) -> None:
        preview = self.wiz.draft.preview
        assert preview is not None
        lang = self.wiz.lang
        # Values for missing columns show as columns of their own, the same on every row.
        spec = self.wiz.draft.spec
        mapped = set(preview.plan.fields())
        fills = [(t, str(v)) for t, v in (spec.defaults.items() if spec else ())
                 if t not in mapped]
        headers = [self.tr("Row"), self.tr("Problems"), *preview.headers,
                   *(f"{field_label(t, lang)} ({t})" for t, _ in fills)]
        self.table.clear()
        self.table.setColumnCount(len(headers))
        self.table.setHorizontalHeaderLabels(headers)
        self.table.setRowCount(len(preview.rows))
        self.table.verticalHeader().setVisible(False)
        by_cell = preview.errors_by_cell()
        bad_rows = 0
        for r, (number, cells) in enumerate(preview.rows):
            self.table.setItem(r, 0, _item(str(number)))
            row_errors = [e for e in preview.errors if e.row == number]
            for c, text in enumerate(cells):
                item = _item(text)
                errs = by_cell.get((number, preview.headers[c]), [])
                if errs:
                    item.setBackground(ERROR_BRUSH)
                    item.setToolTip("\n".join(render(e.message, lang) for e in errs))
                self.table.setItem(r, c + 2, item)
            for c, (target, value) in enumerate(fills, start=len(cells) + 2):
                item = _item(value)
                item.setBackground(DEFAULT_BRUSH)
                item.setToolTip(self.tr("Value for a missing column: {field}")
                                .replace("{field}", field_label(target, lang)))
                self.table.setItem(r, c, item)
            problems = _item("; ".join(
                (f"{e.column}: " if e.column else "") + render(e.message, lang)
                for e in row_errors))
            if row_errors:
                bad_rows += 1
                problems.setBackground(ERROR_BRUSH)
            self.table.setItem(r, 1, problems)
        self.table.resizeColumnsToContents()
        self.table.setColumnWidth(1, min(self.table.columnWidth(1), 320))
        self.summary.setText(self.tr("{rows} rows shown, {bad} with problems. Rows with "
                                     "problems are not imported; the rest of their order "
                                     "is held back too.")
                             .replace("{rows}", str(len(preview.rows)))
                             .replace("{bad}", str(bad_rows)))

    def validatePage(self) -> bool:
        self.wiz.draft.all_or_nothing = self.all_or_nothing.isChecked()
        return True


def _item(text: str) -> QTableWidgetItem:
    item = QTableWidgetItem(text)
    item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEditable)
    return item


def ask_open_path(parent: QWidget, title: str, filter_: str) -> str:
    return file_dialogs.open_file(parent, title, filter_, "import")
