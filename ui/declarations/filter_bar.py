"""The grid's second filter row: batch, import file, platform, created date range, problems."""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import QDate, Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QToolButton,
    QWidget,
)

from app.domain.clock import beijing_now
from app.domain.export_stage import ExportStage
from app.services.views import FilterChoices
from ui.date_box import DateBox


class FilterBar(QWidget):
    changed = Signal()
    chip_closed = Signal()  # the clerk closed the chip (a temporary narrowing of the grid)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._build_ui()
        self._connect_signals()

    def _build_ui(self) -> None:
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.batch_combo = self._combo("batch_combo", self.tr("Any batch"))
        self.import_combo = self._combo("import_combo", self.tr("Any import file"))
        self.platform_combo = self._combo("platform_combo", self.tr("Any platform"))
        self.problems_combo = QComboBox(self)
        self.problems_combo.setObjectName("problems_combo")
        self.problems_combo.addItem(self.tr("With or without problems"), None)
        self.problems_combo.addItem(self.tr("Has problems"), True)
        self.problems_combo.addItem(self.tr("No problems"), False)
        self.stage_combo = self._combo("export_stage_combo", self.tr("Any export stage"))
        for stage in ExportStage:
            self.stage_combo.addItem(self.tr(stage.label), stage.value)
        self.from_check = QCheckBox(self.tr("Created from"), self)
        self.from_check.setObjectName("from_check")
        self.from_edit = self._date("from_edit")
        self.to_check = QCheckBox(self.tr("to"), self)
        self.to_check.setObjectName("to_check")
        self.to_edit = self._date("to_edit")
        for w in (self.batch_combo, self.import_combo, self.platform_combo,
                  self.problems_combo, self.stage_combo):
            layout.addWidget(w)
        layout.addSpacing(8)
        for w2 in (self.from_check, self.from_edit, self.to_check, self.to_edit):
            layout.addWidget(w2)
        # A chip names a narrowing that has no control of its own ("Show these parcels"). The
        # window places it (beside the search box, which gives way to it): in this row, full of
        # controls of fixed width, it would make the window grow.
        self.chip = QToolButton(self)
        self.chip.setObjectName("filter_chip")
        self.chip.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self.chip.setStyleSheet("QToolButton#filter_chip { border: 1px solid #1565c0; "
                                "border-radius: 9px; padding: 1px 8px; background: #e3f2fd; }")
        self.chip.setVisible(False)
        layout.addStretch(1)
        self.hint = QLabel(self)
        layout.addWidget(self.hint)

    def _combo(self, name: str, any_text: str) -> QComboBox:
        combo = QComboBox(self)
        combo.setObjectName(name)
        combo.setMinimumContentsLength(10)
        combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        combo.addItem(any_text, None)
        return combo

    def _date(self, name: str) -> DateBox:
        # Days are Beijing days (app.domain.clock); typed as 20261101, 2026/11/1 or 2026-11-01.
        edit = DateBox(beijing_now().date(), self)
        edit.setObjectName(name)
        edit.setEnabled(False)
        return edit

    def _connect_signals(self) -> None:
        for combo in (self.batch_combo, self.import_combo, self.platform_combo,
                      self.problems_combo, self.stage_combo):
            combo.currentIndexChanged.connect(self._on_any_changed)
        for check in (self.from_check, self.to_check):
            check.toggled.connect(self._on_check_toggled)
        for edit in (self.from_edit, self.to_edit):
            edit.dateChanged.connect(self._on_any_changed)
        self.chip.clicked.connect(self.chip_closed)

    def set_chip(self, label: str | None) -> None:
        """Show the chip with `label` and a close mark, or hide it (None)."""
        self.chip.setVisible(label is not None)
        self.chip.setText(f"{label}  ✕" if label is not None else "")
        self.chip.setToolTip(self.tr("Click to show the whole filter again"))

    def chip_text(self) -> str | None:
        """The chip's label while it is shown (tests, screenshots)."""
        return self.chip.text().removesuffix("  ✕") if not self.chip.isHidden() else None

    def set_choices(self, choices: FilterChoices) -> None:
        """Fill the lists, keeping the current selections (no `changed` signal)."""
        self._fill(self.batch_combo, [(n, i) for i, n in choices.batches])
        self._fill(self.import_combo, [(n, i) for i, n in choices.import_jobs])
        self._fill(self.platform_combo, [(p, p) for p in choices.platforms])

    def _fill(self, combo: QComboBox, entries: list[tuple[str, object]]) -> None:
        current = combo.currentData()
        combo.blockSignals(True)
        while combo.count() > 1:
            combo.removeItem(1)
        for text, data in entries:
            combo.addItem(text, data)
        idx = combo.findData(current) if current is not None else 0
        combo.setCurrentIndex(max(idx, 0))
        combo.blockSignals(False)

    def values(self) -> dict[str, object]:
        return {
            "batch_id": self.batch_combo.currentData(),
            "import_job_id": self.import_combo.currentData(),
            "platform": self.platform_combo.currentData(),
            "has_problems": self.problems_combo.currentData(),
            "export_stage": self.stage_combo.currentData(),
            "created_from": _day(self.from_edit) if self.from_check.isChecked() else None,
            "created_to": _day(self.to_edit) if self.to_check.isChecked() else None,
        }

    def set_values(self, *, batch_id: int | None, import_job_id: int | None,
                   platform: str | None, has_problems: bool | None,
                   created_from: date | None, created_to: date | None,
                   export_stage: str | None = None) -> None:
        self.blockSignals(True)
        for combo, value in ((self.batch_combo, batch_id), (self.import_combo, import_job_id),
                             (self.platform_combo, platform),
                             (self.problems_combo, has_problems),
                             (self.stage_combo, export_stage)):
            idx = combo.findData(value) if value is not None else 0
            if idx < 0 and value is not None:
                combo.addItem(str(value), value)
                idx = combo.count() - 1
            combo.setCurrentIndex(idx)
        for check, edit, day in ((self.from_check, self.from_edit, created_from),
                                 (self.to_check, self.to_edit, created_to)):
            check.setChecked(day is not None)
            if day is not None:
                edit.setDate(QDate(day.year, day.month, day.day))
        self.blockSignals(False)

    def _on_check_toggled(self, _on: bool) -> None:
        self.from_edit.setEnabled(self.from_check.isChecked())
        self.to_edit.setEnabled(self.to_check.isChecked())
        self.changed.emit()

    def _on_any_changed(self, *_args: object) -> None:
        self.changed.emit()


def _day(edit: DateBox) -> date:
    return edit.day()
