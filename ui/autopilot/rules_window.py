"""Batches ▸ Batching rules…: the autopilot's rules as data a supervisor edits and approves.

A rule says which ready parcels go together (logistics company, platform, customs office),
under which master bill and flight, how many per batch and at which Beijing cut-off times,
and whether its batches go to customs by themselves. The supervisor who saves a rule
approves it (audited by the service). Clerks see the rules read-only.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QCheckBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.autopilot.rules import MAX_LENGTHS, RuleInfo, check_rule_field, rule_infos, save_rule
from app.domain.clock import to_beijing
from app.domain.errors import UserFacingError
from app.security.context import Permission
from ui.context import GuiContext

ERROR_STYLE = "color: #b00020;"
TEXT_FIELDS = ("logistics_code", "ebp_code", "customs_code", "bill_no", "traf_mode", "traf_no",
               "voyage_no")


class RulesWindow(QWidget):
    saved = Signal(str)  # the rule's name

    def __init__(self, ctx: GuiContext, parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self.ctx = ctx
        self.can_edit = ctx.actor.can(Permission.AUTOPILOT)
        self.rules: list[RuleInfo] = []
        self.edits: dict[str, QLineEdit] = {}
        self.errors: dict[str, QLabel] = {}
        self.setObjectName("batching_rules_window")
        self._build_ui()
        self._connect_signals()
        self.refresh()
        self.new_rule()

    # --- building -----------------------------------------------------------------------
    def _build_ui(self) -> None:
        self.setWindowTitle(self.tr("Batching rules"))
        self.resize(1180, 640)
        layout = QHBoxLayout(self)
        left = QVBoxLayout()
        self.table = QTableWidget(0, 9, self)
        self.table.setObjectName("rules_table")
        self.table.setHorizontalHeaderLabels([
            self.tr("Rule"), self.tr("Logistics company"), self.tr("Platform"),
            self.tr("Customs office"), self.tr("Master bill"), self.tr("Size"),
            self.tr("Cut-offs (Beijing)"), self.tr("Auto-submit"), self.tr("Approved by")])
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QTableWidget.SelectionMode.SingleSelection)
        self.table.horizontalHeader().setSectionResizeMode(
            QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        left.addWidget(self.table, 1)
        note = self.tr("A supervisor's rules: saving a rule approves it in your name. The "
                       "autopilot batches only ready parcels without an unacknowledged "
                       "warning.") if self.can_edit else self.tr(
            "Only a supervisor can change batching rules; you can look at them.")
        self.note = QLabel(note, self)
        self.note.setObjectName("rules_note")
        self.note.setWordWrap(True)
        left.addWidget(self.note)
        layout.addLayout(left, 3)

        right = QVBoxLayout()
        form = QFormLayout()
        self.name_edit = QLineEdit(self)
        self.name_edit.setObjectName("rule_name")
        self.name_edit.setMaxLength(60)
        self._add_row(form, self.tr("Rule name"), self.name_edit, "name")
        labels = {"logistics_code": self.tr("Logistics company code"),
                  "ebp_code": self.tr("Platform code (ebpCode)"),
                  "customs_code": self.tr("Customs office code"),
                  "bill_no": self.tr("Master bill (billNo)"),
                  "traf_mode": self.tr("Transport mode"),
                  "traf_no": self.tr("Flight / vehicle"),
                  "voyage_no": self.tr("Voyage / flight number")}
        for key in TEXT_FIELDS:
            edit = QLineEdit(self)
            edit.setObjectName(f"rule_{key}")
            # The transport mode may be typed by name (航空运输); its code is what is stored.
            edit.setMaxLength(20 if key == "traf_mode" else MAX_LENGTHS[key])
            if key in ("logistics_code", "ebp_code", "customs_code"):
                edit.setPlaceholderText(self.tr("empty: any"))
            elif key == "traf_mode":
                edit.setPlaceholderText(self.tr("code or name, e.g. 5 (air)"))
            self.edits[key] = edit
            self._add_row(form, labels[key], edit, key)
        self.bill_hint = QLabel(self.tr("Without a master bill the rule waits: its parcels "
                                        "are not batched until one is entered."), self)
        self.bill_hint.setObjectName("rule_bill_hint")
        self.bill_hint.setWordWrap(True)
        self.bill_hint.setStyleSheet("color: #8a5a00;")
        form.addRow("", self.bill_hint)
        self.size_spin = QSpinBox(self)
        self.size_spin.setObjectName("rule_size_limit")
        self.size_spin.setRange(1, 100_000)
        self.size_spin.setValue(500)
        self._add_row(form, self.tr("Most parcels per batch"), self.size_spin, "size_limit")
        self.cutoffs_edit = QLineEdit(self)
        self.cutoffs_edit.setObjectName("rule_cutoffs")
        self.cutoffs_edit.setPlaceholderText(self.tr("e.g. 10:30, 16:00"))
        self._add_row(form, self.tr("Cut-off times (Beijing)"), self.cutoffs_edit, "cutoffs")
        self.auto_submit_box = QCheckBox(self.tr("Hand its batches to customs by themselves"),
                                         self)
        self.auto_submit_box.setObjectName("rule_auto_submit")
        self.auto_submit_box.setChecked(True)
        form.addRow(self.tr("Auto-submit"), self.auto_submit_box)
        self.enabled_box = QCheckBox(self.tr("In use (untick to disable the rule)"), self)
        self.enabled_box.setObjectName("rule_enabled")
        self.enabled_box.setChecked(True)
        form.addRow(self.tr("Enabled"), self.enabled_box)
        self.approved_label = QLabel(self)
        self.approved_label.setObjectName("rule_approved")
        self.approved_label.setWordWrap(True)
        form.addRow(self.tr("Approved by"), self.approved_label)
        right.addLayout(form)
        self.message = QLabel(self)
        self.message.setObjectName("rules_message")
        self.message.setWordWrap(True)
        right.addWidget(self.message)
        right.addStretch(1)
        buttons = QHBoxLayout()
        self.new_button = QPushButton(self.tr("&New rule"), self)
        self.new_button.setObjectName("rule_new")
        self.save_button = QPushButton(self.tr("&Save and approve"), self)
        self.save_button.setObjectName("rule_save")
        self.close_button = QPushButton(self.tr("Close"), self)
        for b in (self.new_button, self.save_button, self.close_button):
            buttons.addWidget(b)
        right.addLayout(buttons)
        layout.addLayout(right, 2)
        for widget in (self.name_edit, *self.edits.values(), self.size_spin, self.cutoffs_edit,
                       self.auto_submit_box, self.enabled_box, self.new_button,
                       self.save_button):
            widget.setEnabled(self.can_edit)

    def _add_row(self, form: QFormLayout, label: str, field: QWidget, key: str) -> None:
        """The field with its error line under it (empty until a check fails)."""
        box = QVBoxLayout()
        box.setSpacing(1)
        box.addWidget(field)
        error = QLabel(self)
        error.setObjectName(f"error_{key}")
        error.setStyleSheet(ERROR_STYLE)
        error.setWordWrap(True)
        error.setVisible(False)
        box.addWidget(error)
        self.errors[key] = error
        form.addRow(label, box)

    def _connect_signals(self) -> None:
        self.table.itemSelectionChanged.connect(self._on_table_item_selection_changed)
        self.new_button.clicked.connect(self.new_rule)
        self.save_button.clicked.connect(self.save)
        self.close_button.clicked.connect(self.close)
        self.edits["bill_no"].textChanged.connect(self._on_bill_text_changed)
        self.cutoffs_edit.editingFinished.connect(self._on_cutoffs_editing_finished)

    # --- data ---------------------------------------------------------------------------
    def refresh(self) -> None:
        with self.ctx.transaction(write=False) as session:
            self.rules = rule_infos(session, self.ctx.actor)
        self.table.setRowCount(len(self.rules))
        waits = QBrush(QColor("#8a5a00"))
        for row, rule in enumerate(self.rules):
            cells = [rule.name, rule.logistics_code or self.tr("any"),
                     rule.ebp_code or self.tr("any"), rule.customs_code or self.tr("any"),
                     rule.bill_no or self.tr("none: waits for one"), f"{rule.size_limit:,}",
                     rule.cutoffs.replace(",", ", ") or "—",
                     self.tr("on") if rule.auto_submit else self.tr("off"),
                     rule.approved_by or ""]
            for col, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if col == 4 and rule.waits_for_bill:
                    item.setForeground(waits)
                if not rule.enabled:
                    item.setForeground(QBrush(QColor("#888888")))
                    if col == 0:
                        item.setText(self.tr("{name} (disabled)").format(name=rule.name))
                self.table.setItem(row, col, item)

    def new_rule(self) -> None:
        self.table.clearSelection()
        self.name_edit.setReadOnly(False)
        self.name_edit.clear()
        for edit in self.edits.values():
            edit.clear()
        self.size_spin.setValue(500)
        self.cutoffs_edit.clear()
        self.auto_submit_box.setChecked(True)
        self.enabled_box.setChecked(True)
        self.approved_label.setText(self.tr("You, when you save it") if self.can_edit else "")
        self._clear_errors()
        self._on_bill_text_changed(self.edits["bill_no"].text())
        if self.can_edit:
            self.name_edit.setFocus()

    def show_rule(self, rule: RuleInfo) -> None:
        self.name_edit.setText(rule.name)
        self.name_edit.setReadOnly(True)  # the name is the rule: a new name is a new rule
        for key, edit in self.edits.items():
            edit.setText(getattr(rule, key) or "")
        self.size_spin.setValue(rule.size_limit)
        self.cutoffs_edit.setText(rule.cutoffs.replace(",", ", "))
        self.auto_submit_box.setChecked(rule.auto_submit)
        self.enabled_box.setChecked(rule.enabled)
        when = (to_beijing(rule.approved_at).strftime("%Y-%m-%d %H:%M")
                if rule.approved_at else "")
        self.approved_label.setText(f"{rule.approved_by or ''}  {when}".strip())
        self._clear_errors()

    def values(self) -> dict[str, Any]:
        out: dict[str, Any] = {k: e.text() for k, e in self.edits.items()}
        out.update(size_limit=self.size_spin.value(), cutoffs=self.cutoffs_edit.text(),
                   auto_submit=self.auto_submit_box.isChecked(),
                   enabled=self.enabled_box.isChecked())
        return out

    def check(self) -> bool:
        """Check every field before saving; each problem is shown at its field."""
        self._clear_errors()
        ok = True
        if not self.name_edit.text().strip():
            self._show_error("name", self.tr("Give the rule a name, e.g. Afternoon flight CZ3456."))
            ok = False
        for key, value in self.values().items():
            try:
                check_rule_field(key, value)
            except UserFacingError as exc:
                self._show_error(key, exc.text(self.ctx.lang))
                ok = False
        return ok

    def save(self) -> bool:
        if not self.check():
            self.message.setText("")
            return False
        name = self.name_edit.text().strip()
        try:
            with self.ctx.transaction() as session:
                save_rule(session, self.ctx.actor, name, self.values())
        except UserFacingError as exc:
            self.message.setStyleSheet(ERROR_STYLE)
            self.message.setText(exc.text(self.ctx.lang))
            return False
        self.message.setStyleSheet("")
        self.message.setText(self.tr("Rule {name} saved and approved by {user}.").format(
            name=name, user=self.ctx.actor.name))
        self.refresh()
        for row, rule in enumerate(self.rules):
            if rule.name == name:
                self.table.selectRow(row)
        self.saved.emit(name)
        return True

    # --- slots --------------------------------------------------------------------------
    def _on_table_item_selection_changed(self) -> None:
        rows = {i.row() for i in self.table.selectedIndexes()}
        if len(rows) == 1:
            self.show_rule(self.rules[rows.pop()])

    def _on_bill_text_changed(self, text: str) -> None:
        self.bill_hint.setVisible(not text.strip())

    def _on_cutoffs_editing_finished(self) -> None:
        try:
            check_rule_field("cutoffs", self.cutoffs_edit.text())
        except UserFacingError as exc:
            self._show_error("cutoffs", exc.text(self.ctx.lang))
        else:
            self.errors["cutoffs"].setVisible(False)

    def _show_error(self, key: str, text: str) -> None:
        label = self.errors.get(key)
        if label is None:  # a field without its own line (cannot happen: every row has one)
            self.message.setText(text)
            return
        label.setText(text)
        label.setVisible(True)

    def _clear_errors(self) -> None:
        for label in self.errors.values():
            label.clear()
            label.setVisible(False)
