"""“Values for missing columns” on the wizard's mapping page: one value for every row of a
file that has no column for a field (platform, e-commerce company, freight …), and how the
weights on the lines of one order are read. Saved in the mapping profile with the columns."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QFont, QKeyEvent
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHeaderView,
    QLineEdit,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.intake.mapping import field_label
from app.intake.preview import DEFAULTABLE_FIELDS, EXPORT_DEFAULTABLE_FIELDS
from app.reference.tables import ReferenceTables
from ui.declarations.completers import (
    HEAD_CODE_TABLES,
    ITEM_CODE_TABLES,
    CodeCompleter,
    code_model,
)

REQUIRED_BRUSH = QBrush(QColor("#fde9c9"))


_OFFERED = DEFAULTABLE_FIELDS + EXPORT_DEFAULTABLE_FIELDS


def code_table_of(target: str) -> str | None:
    """The code table completing `target` (a mapping target), if it is a code field."""
    if target.startswith("item."):
        return ITEM_CODE_TABLES.get(target[5:])
    if target in ("unit", "unit1", "unit2"):
        return ITEM_CODE_TABLES.get(target)
    return HEAD_CODE_TABLES.get(target)


class MissingValuesPanel(QGroupBox):
    """A table of the fields the file does not map, each with a value for every row."""

    changed = Signal()

    def __init__(self, lang: str, refs: Callable[[], ReferenceTables],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.lang = lang
        self._refs = refs  # loaded on first use: the code completers need them
        self._values: dict[str, str] = {}
        self._fields: tuple[str, ...] = ()
        self._required: frozenset[str] = frozenset()
        self._fallbacks: Mapping[str, str] = {}
        self.edits: dict[str, QLineEdit] = {}
        self._build_ui()
        self._connect_signals()

    def _build_ui(self) -> None:
        self.setObjectName("missing_values_box")
        self.setTitle(self.tr("Values for missing columns (the same for every row)"))
        layout = QVBoxLayout(self)
        self.table = QTableWidget(0, 2, self)
        self.table.setObjectName("missing_values_table")
        self.table.setHorizontalHeaderLabels([self.tr("Field"), self.tr("Value")])
        self.table.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.table.verticalHeader().setVisible(False)
        layout.addWidget(self.table, 1)
        form = QFormLayout()
        self.weights_combo = QComboBox(self)
        self.weights_combo.setObjectName("line_weights_combo")
        self.weights_combo.addItem(self.tr("are the order's weight (all lines must agree)"),
                                   "agree")
        self.weights_combo.addItem(self.tr("are each line's own: add up the lines' weights"),
                                   "sum")
        form.addRow(self.tr("Weights on the lines of an order:"), self.weights_combo)
        layout.addLayout(form)

    def _connect_signals(self) -> None:
        self.weights_combo.currentIndexChanged.connect(self._on_weights_combo_changed)

    # --- filled by the page ---------------------------------------------------------------
    def set_values(self, values: Mapping[str, object], line_weights: str) -> None:
        """The values of a loaded profile (or of the clerk's last visit to the page)."""
        self._values = {k: str(v) for k, v in values.items() if v not in (None, "")}
        self.weights_combo.setCurrentIndex(max(0, self.weights_combo.findData(line_weights)))
        self._rebuild()

    def show_fields(self, unmapped: Iterable[str], required: Iterable[str],
                    fallbacks: Mapping[str, str]) -> None:
        """Offer a value for each of `unmapped` (defaultable fields no column feeds);
        `required` ones are highlighted; `fallbacks` (office settings) show as placeholders."""
        fields = tuple(t for t in _OFFERED if t in set(unmapped))
        required_set = frozenset(required)
        if (fields, required_set, dict(fallbacks)) == (self._fields, self._required,
                                                       dict(self._fallbacks)):
            return
        self._fields, self._required, self._fallbacks = fields, required_set, dict(fallbacks)
        self._rebuild()

    def values(self) -> dict[str, str]:
        """{field: value} for the fields offered; a loaded profile's values for fields this
        panel never offers (a mapping file may name any field) are kept as they are."""
        shown = set(self._fields)
        return {k: v for k, v in self._values.items()
                if v.strip() and (k in shown or k not in _OFFERED)}

    def line_weights(self) -> str:
        return str(self.weights_combo.currentData())

    # --- internals --------------------------------------------------------------------------
    def _rebuild(self) -> None:
        self.table.setRowCount(len(self._fields))
        self.edits = {}
        models: dict[str, object] = {}
        bold = QFont()
        bold.setBold(True)
        for row, target in enumerate(self._fields):
            label = QTableWidgetItem(f"{field_label(target, self.lang)}  ({target})")
            label.setFlags(label.flags() & ~Qt.ItemFlag.ItemIsEditable)
            if target in self._required:
                label.setBackground(REQUIRED_BRUSH)
                label.setFont(bold)
                label.setToolTip(self.tr("Required: the pre-check flags it while it is empty"))
            self.table.setItem(row, 0, label)
            edit = QLineEdit(self._values.get(target, ""), self.table)
            edit.setObjectName(f"default_{target}")
            fallback = self._fallbacks.get(target)
            if fallback:
                edit.setPlaceholderText(self.tr("office setting: {value}")
                                        .replace("{value}", fallback))
            table = code_table_of(target)
            if table is not None:
                if table not in models:
                    models[table] = code_model(self._refs(), table, self.lang, self)
                CodeCompleter(models[table], edit).attach(edit)  # type: ignore[arg-type]
            edit.textChanged.connect(self._on_edit_text_changed)
            edit.installEventFilter(self)
            self.table.setCellWidget(row, 1, edit)
            self.edits[target] = edit
        self.table.resizeColumnToContents(0)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """Enter after typing a value goes to the next value, as in a spreadsheet: it must
        not press the wizard's default button and import with the other values still empty."""
        if (event.type() == QEvent.Type.KeyPress and isinstance(watched, QLineEdit)
                and isinstance(event, QKeyEvent)
                and event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)
                and event.modifiers() in (Qt.KeyboardModifier.NoModifier,
                                          Qt.KeyboardModifier.KeypadModifier)):
            completer = watched.completer()
            if completer is not None and completer.popup().isVisible():
                return False  # the completer takes the highlighted code
            self._focus_after(watched)
            return True
        return super().eventFilter(watched, event)

    def _focus_after(self, edit: QLineEdit) -> None:
        edits = list(self.edits.values())
        if edit not in edits:
            return
        index = edits.index(edit)
        if index + 1 < len(edits):
            nxt = edits[index + 1]
            self.table.scrollToItem(self.table.item(index + 1, 0))
            nxt.setFocus(Qt.FocusReason.TabFocusReason)
            nxt.selectAll()
        else:
            self.weights_combo.setFocus(Qt.FocusReason.TabFocusReason)

    def _on_edit_text_changed(self, _text: str) -> None:
        for target, edit in self.edits.items():
            self._values[target] = edit.text().strip()
        self.changed.emit()

    def _on_weights_combo_changed(self, _index: int) -> None:
        self.changed.emit()
