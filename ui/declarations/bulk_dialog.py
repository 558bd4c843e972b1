"""Bulk edit of the selected declarations: choose the change, preview how many records it
touches, apply it in one transaction (off the GUI thread), undo it from the menu."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.domain.errors import UserFacingError
from app.domain.fields import HEAD_FIELDS, ITEM_FIELDS
from app.jobs.base import CancelToken, Progress
from app.services.bulk_edit import (
    BulkEdit,
    BulkPreview,
    BulkResult,
    apply_bulk_edit,
    preview_bulk_edit,
)
from app.services.editing import READ_ONLY_HEAD
from ui.context import GuiContext
from ui.declarations.items_model import as_text
from ui.workers import JobHandle, run_with_progress

# The head fields a flight or a batch typically shares come first.
_COMMON_HEAD = ("trafNo", "voyageNo", "billNo", "trafMode", "portCode", "customsCode",
                "loctNo", "ieDate", "tradeMode", "assureCode", "agentCode", "country")


class BulkEditDialog(QDialog):
    applied = Signal(object)  # BulkResult

    def __init__(self, ctx: GuiContext, ids: list[int], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("bulk_edit_dialog")
        self.ctx, self.ids, self.lang = ctx, ids, ctx.lang
        self.preview: BulkPreview | None = None
        self.result: BulkResult | None = None
        self.handle: JobHandle | None = None
        self.show_error: Callable[[str], None] = self._show_error
        self._build_ui()
        self._connect_signals()
        self._on_kind_changed()

    def _build_ui(self) -> None:
        self.setWindowTitle(self.tr("Bulk edit {n} declaration(s)").format(n=len(self.ids)))
        layout = QVBoxLayout(self)
        form = QFormLayout()
        self.kind_combo = QComboBox(self)
        self.kind_combo.setObjectName("kind_combo")
        self.kind_combo.addItem(self.tr("Set a declaration field"), "set_head")
        self.kind_combo.addItem(self.tr("Set a goods line field"), "set_item")
        self.kind_combo.addItem(self.tr("Find and replace in goods names"), "replace_item_text")
        self.field_combo = QComboBox(self)
        self.field_combo.setObjectName("field_combo")
        self.find_label = QLabel(self.tr("Only lines whose name contains"), self)
        self.find_edit = QLineEdit(self)
        self.find_edit.setObjectName("find_edit")
        self.value_edit = QLineEdit(self)
        self.value_edit.setObjectName("value_edit")
        form.addRow(self.tr("Change"), self.kind_combo)
        form.addRow(self.tr("Field"), self.field_combo)
        form.addRow(self.find_label, self.find_edit)
        form.addRow(self.tr("New value"), self.value_edit)
        layout.addLayout(form)
        self.preview_button = QPushButton(self.tr("Preview"), self)
        self.preview_button.setObjectName("preview_button")
        layout.addWidget(self.preview_button)
        self.summary = QLabel(self)
        self.summary.setObjectName("bulk_summary")
        self.summary.setWordWrap(True)
        layout.addWidget(self.summary)
        self.samples = QTableWidget(0, 4, self)
        self.samples.setHorizontalHeaderLabels(
            [self.tr("Order No."), self.tr("Line"), self.tr("Before"), self.tr("After")])
        self.samples.horizontalHeader().setStretchLastSection(True)
        layout.addWidget(self.samples, 1)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        self.apply_button = self.buttons.addButton(self.tr("Apply"),
                                                   QDialogButtonBox.ButtonRole.ApplyRole)
        self.apply_button.setObjectName("apply_button")
        self.apply_button.setEnabled(False)
        layout.addWidget(self.buttons)
        self.resize(640, 480)

    def _connect_signals(self) -> None:
        self.kind_combo.currentIndexChanged.connect(self._on_kind_changed)
        for w in (self.find_edit, self.value_edit):
            w.textChanged.connect(self._on_input_changed)
        self.field_combo.currentIndexChanged.connect(self._on_input_changed)
        self.preview_button.clicked.connect(self.run_preview)
        self.apply_button.clicked.connect(self.apply)
        self.buttons.rejected.connect(self.reject)

    def edit(self) -> BulkEdit:
        return BulkEdit(self.kind_combo.currentData(), self.field_combo.currentData(),
                        self.value_edit.text(), self.find_edit.text())

    def run_preview(self) -> BulkPreview | None:
        try:
            with self.ctx.transaction() as s:
                self.preview = preview_bulk_edit(s, self.ctx.actor, self.ids, self.edit())
        except UserFacingError as exc:
            self.show_error(exc.text(self.lang))
            return None
        p = self.preview
        text = self.tr("{records} declaration(s) will change").format(records=p.records)
        if p.items:
            text += self.tr(" ({items} goods line(s))").format(items=p.items)
        if p.not_editable:
            text += self.tr("; {n} skipped: queued or further, no longer editable").format(
                n=p.not_editable)
        self.summary.setText(self.tr("{summary}.").format(summary=text))
        self.samples.setRowCount(len(p.samples))
        for r, (decl_id, c) in enumerate(p.samples):
            for col, value in enumerate((p.orders.get(decl_id, str(decl_id)), str(c.gnum or ""),
                                         as_text(c.before), as_text(c.after))):
                self.samples.setItem(r, col, QTableWidgetItem(value))
        self.apply_button.setEnabled(p.records > 0)
        return p

    def apply(self) -> None:
        if self.preview is None:
            return
        ctx, ids, edit = self.ctx, list(self.ids), self.edit()
        self.apply_button.setEnabled(False)

        def job(progress: Progress, cancel: CancelToken) -> BulkResult:
            progress(0, 0, "")
            with ctx.transaction() as s:
                return apply_bulk_edit(s, ctx.actor, ids, edit)

        self.handle = run_with_progress(self, self.tr("Applying the bulk change…"), job,
                                        on_finished=self._on_applied,
                                        on_failed=self._on_failed)

    def _on_applied(self, result: BulkResult) -> None:
        self.result = result
        self.summary.setText(self.tr("Changed {records} declaration(s). Undo it with "
                                     "Declarations → Undo bulk edit.").format(
            records=result.records))
        self.applied.emit(result)

    def _on_failed(self, exc: BaseException) -> None:
        if isinstance(exc, UserFacingError):
            self.show_error(exc.text(self.lang))
        else:
            raise exc

    def _show_error(self, text: str) -> None:
        self.summary.setText(f"<span style='color:#c62828'>{text}</span>")

    def _on_kind_changed(self, *_args: object) -> None:
        kind = self.kind_combo.currentData()
        self.field_combo.blockSignals(True)
        self.field_combo.clear()
        if kind == "set_head":
            names = list(_COMMON_HEAD) + [f.name for f in HEAD_FIELDS
                                          if f.name not in _COMMON_HEAD
                                          and f.name not in READ_ONLY_HEAD]
            specs = {f.name: f for f in HEAD_FIELDS}
            for name in names:
                self.field_combo.addItem(f"{specs[name].label(self.lang)} ({name})", name)
        else:
            for f in ITEM_FIELDS:
                if f.name == "gnum" or (kind == "replace_item_text" and f.kind != "str"):
                    continue
                self.field_combo.addItem(f"{f.label(self.lang)} ({f.name})", f.name)
            if kind == "replace_item_text":
                self.field_combo.setCurrentIndex(max(self.field_combo.findData("gname"), 0))
        self.field_combo.blockSignals(False)
        self.find_label.setText(self.tr("Find") if kind == "replace_item_text"
                                else self.tr("Only lines whose name contains"))
        self.find_label.setVisible(kind != "set_head")
        self.find_edit.setVisible(kind != "set_head")
        self._on_input_changed()

    def _on_input_changed(self, *_args: object) -> None:
        self.preview = None
        self.apply_button.setEnabled(False)
        self.summary.setText("")
        self.samples.setRowCount(0)
