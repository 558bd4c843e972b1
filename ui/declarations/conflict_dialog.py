"""Both versions side by side when someone else saved first: the clerk picks per field."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.domain.fields import HEAD_BY_NAME
from app.services.editing import Snapshot
from ui.declarations.items_model import as_text


@dataclass(frozen=True)
class Resolution:
    """What to save on top of their version: the head fields where the clerk kept theirs
    are dropped; `items` is the clerk's item list, or None to keep theirs."""

    head: dict[str, str]
    items: list[dict[str, str]] | None


def differing_fields(mine: dict[str, str], theirs: Snapshot) -> list[str]:
    return [k for k, v in mine.items() if as_text(theirs.head.get(k)) != v]


class ConflictDialog(QDialog):
    def __init__(self, mine_head: dict[str, str], mine_items: list[dict[str, str]] | None,
                 theirs: Snapshot, lang: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("conflict_dialog")
        self.setWindowTitle(self.tr("Someone else changed this declaration"))
        self._mine_head, self._mine_items, self._theirs = mine_head, mine_items, theirs
        self._fields = differing_fields(mine_head, theirs)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(self.tr(
            "Version {theirs} was saved by someone else while you edited. Tick the values of "
            "yours to keep; the others take their value.").format(theirs=theirs.version)))
        rows = self._fields + (["items"] if mine_items is not None else [])
        self.table = QTableWidget(len(rows), 3, self)
        self.table.setObjectName("conflict_table")
        self.table.setHorizontalHeaderLabels(
            [self.tr("Field"), self.tr("Yours (keep when ticked)"), self.tr("Theirs")])
        for r, key in enumerate(rows):
            if key == "items":
                label, mine_text, their_text = (self.tr("Goods lines"),
                                                self.tr("{n} line(s) as you edited them")
                                                .format(n=len(mine_items or [])),
                                                self.tr("{n} line(s)").format(
                                                    n=len(theirs.items)))
            else:
                spec = HEAD_BY_NAME[key]
                label = spec.label(lang)
                mine_text, their_text = mine_head[key], as_text(theirs.head.get(key))
            self.table.setItem(r, 0, QTableWidgetItem(label))
            mine_item = QTableWidgetItem(mine_text)
            mine_item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsUserCheckable)
            mine_item.setCheckState(Qt.CheckState.Checked)
            mine_item.setData(Qt.ItemDataRole.UserRole, key)
            self.table.setItem(r, 1, mine_item)
            self.table.setItem(r, 2, QTableWidgetItem(their_text))
        self.table.resizeColumnsToContents()
        layout.addWidget(self.table)
        buttons = QDialogButtonBox(self)
        self.keep_button = buttons.addButton(self.tr("Save with the ticked values"),
                                             QDialogButtonBox.ButtonRole.AcceptRole)
        self.discard_button = buttons.addButton(self.tr("Discard mine, load theirs"),
                                                QDialogButtonBox.ButtonRole.DestructiveRole)
        buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        self.discard_button.clicked.connect(self._on_discard_button_clicked)
        layout.addWidget(buttons)
        self.resize(720, 360)
        self.discarded = False

    def set_keep(self, key: str, keep: bool) -> None:
        for r in range(self.table.rowCount()):
            item = self.table.item(r, 1)
            if item.data(Qt.ItemDataRole.UserRole) == key:
                item.setCheckState(Qt.CheckState.Checked if keep else Qt.CheckState.Unchecked)

    def resolution(self) -> Resolution:
        keep = {self.table.item(r, 1).data(Qt.ItemDataRole.UserRole)
                for r in range(self.table.rowCount())
                if self.table.item(r, 1).checkState() == Qt.CheckState.Checked}
        head = {k: v for k, v in self._mine_head.items()
                if k in keep or k not in self._fields}
        return Resolution(head, self._mine_items if "items" in keep else None)

    def _on_discard_button_clicked(self) -> None:
        self.discarded = True
        self.done(QDialog.DialogCode.Rejected)


def ask_resolution(parent: QWidget, mine_head: dict[str, str],
                   mine_items: list[dict[str, str]] | None, theirs: Snapshot,
                   lang: str) -> Resolution | str | None:
    """Resolution to save, "theirs" to reload their version, None to go on editing."""
    dialog = ConflictDialog(mine_head, mine_items, theirs, lang, parent)
    result = dialog.exec()
    if dialog.discarded:
        return "theirs"
    return dialog.resolution() if result == QDialog.DialogCode.Accepted else None
