"""Settings ▸ Autopilot: the watch folders (a folder picker and the import profile of each),
how long a dropped file must stay unchanged, when a sent parcel is overdue, and which
workstation's window runs the autopilot. Saved with the other settings (`watchFolders` is
kept as `FOLDER=PROFILE;…`, the form `cleardesk config set watchFolders` takes)."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.autopilot.run import folders_from_settings
from app.domain.errors import UserFacingError
from app.intake.profile_store import list_profiles
from app.services.settings import SETTINGS_BY_KEY
from ui import file_dialogs
from ui.context import GuiContext

KEYS = ("watchSettleSeconds", "receiptOverdueHours", "autopilotWorkstation")


def ask_folder(parent: QWidget, title: str, start: str) -> str | None:
    return file_dialogs.choose_folder(parent, title, "watch", start) or None


class AutopilotSettingsPage(QWidget):
    def __init__(self, ctx: GuiContext, values: dict[str, str], can_edit: bool,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("autopilot_settings_page")
        self.ctx = ctx
        self.can_edit = can_edit
        self.ask_folder: Callable[[QWidget, str, str], str | None] = ask_folder  # seam
        with ctx.transaction(write=False) as session:
            self.profiles = [p.name for p in list_profiles(session)]
        self.edits: dict[str, QLineEdit] = {}
        self._build_ui(values)

    def _build_ui(self, values: dict[str, str]) -> None:
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(self.tr("Watch folders: files dropped here are imported with "
                                        "the profile chosen for the folder, then moved to "
                                        "done/ or failed/."), self))
        self.table = QTableWidget(0, 2, self)
        self.table.setObjectName("watch_folders_table")
        self.table.setHorizontalHeaderLabels([self.tr("Folder"), self.tr("Import profile")])
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.table.horizontalHeader().setSectionResizeMode(
            1, QHeaderView.ResizeMode.ResizeToContents)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.setEnabled(self.can_edit)
        try:
            folders = folders_from_settings(values)
        except UserFacingError:
            folders = []
        for folder in folders:
            self.add_folder(str(folder.path), folder.profile or "")
        layout.addWidget(self.table, 1)
        row = QHBoxLayout()
        self.add_button = QPushButton(self.tr("Add folder…"), self)
        self.add_button.setObjectName("watch_add")
        self.remove_button = QPushButton(self.tr("Remove"), self)
        self.remove_button.setObjectName("watch_remove")
        for b in (self.add_button, self.remove_button):
            b.setEnabled(self.can_edit)
            row.addWidget(b)
        row.addStretch(1)
        layout.addLayout(row)
        form = QFormLayout()
        for key in KEYS:
            edit = QLineEdit(values.get(key, ""), self)
            edit.setObjectName(f"setting_{key}")
            edit.setMaxLength(SETTINGS_BY_KEY[key].max_len)
            edit.setEnabled(self.can_edit)
            self.edits[key] = edit
            form.addRow(self.tr(SETTINGS_BY_KEY[key].label), edit)
        self.here = QLabel(self.tr("This workstation is called {name}.").format(
            name=self.ctx.actor.workstation), self)
        self.here.setObjectName("this_workstation")
        form.addRow("", self.here)
        layout.addLayout(form)
        self.add_button.clicked.connect(self._on_add_button_clicked)
        self.remove_button.clicked.connect(self._on_remove_button_clicked)

    def add_folder(self, path: str, profile: str = "") -> None:
        row = self.table.rowCount()
        self.table.insertRow(row)
        self.table.setItem(row, 0, QTableWidgetItem(path))
        combo = QComboBox(self.table)
        combo.setObjectName(f"watch_profile_{row}")
        combo.addItem(self.tr("(recognise from the file's columns)"), "")
        for name in self.profiles:
            combo.addItem(name, name)
        if profile and combo.findData(profile) < 0:
            combo.addItem(profile, profile)  # a profile saved since deleted: still shown
        combo.setCurrentIndex(max(combo.findData(profile), 0))
        self.table.setCellWidget(row, 1, combo)

    def folders_text(self) -> str:
        parts = []
        for row in range(self.table.rowCount()):
            item = self.table.item(row, 0)
            combo = self.table.cellWidget(row, 1)
            path = item.text().strip() if item is not None else ""
            if not path:
                continue
            profile = str(combo.currentData() or "") if isinstance(combo, QComboBox) else ""
            parts.append(f"{path}={profile}" if profile else path)
        return ";".join(parts)

    def values(self) -> dict[str, str]:
        out = {k: e.text().strip() for k, e in self.edits.items()}
        out["watchFolders"] = self.folders_text()
        return out

    def _on_add_button_clicked(self) -> None:
        folder = self.ask_folder(self, self.tr("Watch folder"), "")
        if folder:
            self.add_folder(folder)

    def _on_remove_button_clicked(self) -> None:
        for row in sorted({i.row() for i in self.table.selectedIndexes()}, reverse=True):
            self.table.removeRow(row)
