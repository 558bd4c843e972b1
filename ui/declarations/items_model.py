"""The editor's goods lines: an editable table model over plain dicts of text, plus a delegate
that gives code columns a completer with Chinese names."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
)
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import QLineEdit, QStyledItemDelegate, QStyleOptionViewItem, QWidget

from app.domain.fields import ITEM_BY_NAME
from app.reference.search import ReferenceRow
from app.reference.tables import ReferenceTables
from ui.declarations.completers import (
    ITEM_CODE_TABLES,
    CodeCompleter,
    HsSearchCompleter,
    code_model,
)

ITEM_COLUMNS: tuple[str, ...] = (
    "gnum", "itemNo", "gname", "gcode", "gmodel", "country", "qty", "unit", "qty1", "unit1",
    "price", "totalPrice", "currency", "barCode", "note",
)
AnyIndex = QModelIndex | QPersistentModelIndex


def as_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        text = format(value.normalize(), "f")
        return text
    return str(value)


class ItemsTableModel(QAbstractTableModel):
    def __init__(self, lang: str, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.lang = lang
        self.rows: list[dict[str, str]] = []
        self.read_only = False
        self.problem_cells: dict[tuple[int, str], str] = {}  # (gnum, field) → message
        self.dirty = False

    def load(self, items: list[dict[str, Any]]) -> None:
        self.beginResetModel()
        self.rows = [{k: as_text(it.get(k)) for k in ITEM_COLUMNS} for it in items]
        self.dirty = False
        self.endResetModel()

    def values(self) -> list[dict[str, str]]:
        return [{k: v for k, v in r.items() if k != "gnum"} for r in self.rows]

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(ITEM_COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if orientation == Qt.Orientation.Horizontal and 0 <= section < len(ITEM_COLUMNS):
            return ITEM_BY_NAME[ITEM_COLUMNS[section]].label(self.lang)
        if orientation == Qt.Orientation.Vertical and 0 <= section < len(self.rows):
            return str(section + 1)
        return None

    def flags(self, index: AnyIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        base = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        if not self.read_only and ITEM_COLUMNS[index.column()] != "gnum":
            base |= Qt.ItemFlag.ItemIsEditable
        return base

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self.rows):
            return None
        key = ITEM_COLUMNS[index.column()]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.EditRole):
            return str(index.row() + 1) if key == "gnum" else self.rows[index.row()][key]
        problem = self.problem_cells.get((index.row() + 1, key))
        if role == Qt.ItemDataRole.BackgroundRole and problem is not None:
            return QBrush(QColor("#ffebee"))
        if role == Qt.ItemDataRole.ToolTipRole and problem is not None:
            return problem
        if role == Qt.ItemDataRole.TextAlignmentRole and ITEM_BY_NAME[key].kind in ("dec",
                                                                                      "int"):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def setData(self, index: AnyIndex, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:
        if (role != Qt.ItemDataRole.EditRole or not index.isValid() or self.read_only
                or ITEM_COLUMNS[index.column()] == "gnum"):
            return False
        key = ITEM_COLUMNS[index.column()]
        text = "" if value is None else str(value)
        if self.rows[index.row()][key] == text:
            return True
        self.rows[index.row()][key] = text
        self.dirty = True
        self.dataChanged.emit(index, index, [Qt.ItemDataRole.DisplayRole,
                                             Qt.ItemDataRole.EditRole])
        return True

    def add_row(self) -> int:
        template = self.rows[-1] if self.rows else {}
        row = {k: "" for k in ITEM_COLUMNS}
        for k in ("country", "currency", "unit"):  # usually the same on every line
            row[k] = template.get(k, "")
        self.beginInsertRows(QModelIndex(), len(self.rows), len(self.rows))
        self.rows.append(row)
        self.endInsertRows()
        self.dirty = True
        return len(self.rows) - 1

    def duplicate_row(self, row: int) -> int:
        """Insert a copy of `row` right after it; returns the new row."""
        if self.read_only or not 0 <= row < len(self.rows):
            return -1
        self.beginInsertRows(QModelIndex(), row + 1, row + 1)
        self.rows.insert(row + 1, dict(self.rows[row]))
        self.endInsertRows()
        self.dirty = True
        self.headerDataChanged.emit(Qt.Orientation.Vertical, 0, len(self.rows) - 1)
        return row + 1

    def remove_row(self, row: int) -> None:
        if not 0 <= row < len(self.rows):
            return
        self.beginRemoveRows(QModelIndex(), row, row)
        del self.rows[row]
        self.endRemoveRows()
        self.dirty = True
        if self.rows:
            self.headerDataChanged.emit(Qt.Orientation.Vertical, 0, len(self.rows) - 1)


class ItemsDelegate(QStyledItemDelegate):
    """Line editors; code columns get a completer with Chinese names. The HS code column
    searches the full tariff through its index (`hs_search`; without it: the loaded codes
    in memory), and picking a code sets the item's legal units to the code's."""

    def __init__(self, refs: ReferenceTables, lang: str, parent: QObject | None = None,
                 hs_search: Callable[[str], Sequence[ReferenceRow]] | None = None) -> None:
        super().__init__(parent)
        self._refs, self._lang, self._hs_search = refs, lang, hs_search
        self._models = {t: code_model(refs, t, lang, self)
                        for t in set(ITEM_CODE_TABLES.values())
                        if t != "hs" or hs_search is None}

    def initStyleOption(self, option: QStyleOptionViewItem, index: AnyIndex) -> None:
        """Short code columns show their name too ("142 瓶", "502 美国"): a bare code means
        nothing to most clerks. The model, the editor and copies keep the bare code."""
        super().initStyleOption(option, index)
        table = ITEM_CODE_TABLES.get(ITEM_COLUMNS[index.column()])
        text = option.text  # type: ignore[attr-defined]
        if table is None or table == "hs" or not text:
            return
        name = self._refs.table(table).name_of(text, self._lang)
        if name:
            option.text = f"{text} {name}"  # type: ignore[attr-defined]

    def createEditor(self, parent: QWidget, option: QStyleOptionViewItem,
                     index: AnyIndex) -> QWidget:
        edit = QLineEdit(parent)
        key = ITEM_COLUMNS[index.column()]
        table = ITEM_CODE_TABLES.get(key)
        if table == "hs" and self._hs_search is not None:
            lookup = HsSearchCompleter(self._hs_search, self._unit_name, edit)
            lookup.attach(edit)
            target = QPersistentModelIndex(index)
            lookup.picked.connect(lambda row: self._on_hs_picked(edit, target, row))
            return edit  # words of a name may be longer than a code
        elif table is not None:
            CodeCompleter(self._models[table], edit).attach(edit)
        spec = ITEM_BY_NAME[key]
        if spec.max_len or spec.length:
            edit.setMaxLength(spec.max_len or spec.length or 32767)
        return edit

    def _unit_name(self, code: str) -> str:
        return self._refs.units.name_of(code, "zh_CN") or code

    def _on_hs_picked(self, edit: QLineEdit, target: QPersistentModelIndex,
                      row: ReferenceRow) -> None:
        """The picked code goes into the line at once, its legal units with it."""
        model = target.model()
        if not target.isValid() or model is None:
            return
        self.commitData.emit(edit)
        line = target.row()
        for key, value in (("unit1", row.unit1), ("unit2", row.unit2)):
            if key in ITEM_COLUMNS:  # (the second unit is not a column of this table)
                model.setData(model.index(line, ITEM_COLUMNS.index(key)), value or "")
