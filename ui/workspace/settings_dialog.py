"""Settings: broker identity codes, exchange folder, printer profile, language, data paths.

Everyone can look; only roles with the settings permission can change (the service checks
it too). Saving writes all changed keys in one transaction (each audited by the service).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from platformdirs import user_log_dir
from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app.db.engine import APP_NAME, sqlite_file
from app.domain.errors import UserFacingError
from app.security.context import Permission
from app.services.settings import SETTINGS_BY_KEY, all_settings, set_settings
from ui.context import GuiContext

IDENTITY_KEYS = ("agentCode", "agentName", "logisticsCode", "logisticsName", "copCode",
                 "copName", "dxpId", "customsCode", "portCode", "tradeMode", "trafMode",
                 "country", "assureCode")
EXCHANGE_KEYS = ("exchangeDir", "outboxName", "inboxName", "exchangeFileMode", "receiptMaxMB",
                 "receiptSettleSeconds")
PRINT_KEYS = ("printerProfile", "senderName", "senderAddress", "senderPhone")
PRINTER_PROFILES = ("thermal-100x150", "thermal-100x100", "a4-4up", "a4-manifest")
LANGUAGES = (("zh_CN", "简体中文"), ("en", "English"))


def ask_folder(parent: QWidget, title: str, start: str) -> str | None:
    folder = QFileDialog.getExistingDirectory(parent, title, start)
    return folder or None


class SettingsDialog(QDialog):
    language_chosen = Signal(str)
    saved = Signal()

    def __init__(self, ctx: GuiContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("settings_dialog")
        self.ctx = ctx
        self.ask_folder: Callable[[QWidget, str, str], str | None] = ask_folder  # seam
        self.edits: dict[str, QLineEdit] = {}
        self.can_edit = ctx.actor.can(Permission.SETTINGS)
        with ctx.transaction() as s:
            self.values = all_settings(s)
        self._build_ui()
        self._connect_signals()

    def _build_ui(self) -> None:
        self.setWindowTitle(self.tr("Settings"))
        layout = QVBoxLayout(self)
        self.tabs = QTabWidget(self)
        self.tabs.addTab(self._page(IDENTITY_KEYS), self.tr("Broker identity"))
        exchange = self._page(EXCHANGE_KEYS)
        browse = QPushButton(self.tr("Choose…"), exchange)
        browse.setObjectName("browse_exchange")
        browse.setEnabled(self.can_edit)
        browse.clicked.connect(self._on_browse_clicked)
        exchange_form = exchange.layout()
        assert isinstance(exchange_form, QFormLayout)
        exchange_form.addRow("", browse)
        self.tabs.addTab(exchange, self.tr("Exchange folder"))
        printing = self._page(PRINT_KEYS)
        self.printer_combo = QComboBox(printing)
        self.printer_combo.setObjectName("printer_combo")
        self.printer_combo.setEditable(True)
        self.printer_combo.addItems(PRINTER_PROFILES)
        self.printer_combo.setCurrentText(self.values.get("printerProfile", ""))
        self.printer_combo.setEnabled(self.can_edit)
        self.edits["printerProfile"].setVisible(False)
        form = printing.layout()
        assert isinstance(form, QFormLayout)
        form.labelForField(self.edits["printerProfile"]).setVisible(False)
        form.insertRow(0, self.tr(SETTINGS_BY_KEY["printerProfile"].label), self.printer_combo)
        self.tabs.addTab(printing, self.tr("Printing"))
        self.tabs.addTab(self._interface_page(), self.tr("Language and data"))
        layout.addWidget(self.tabs)
        if not self.can_edit:
            note = QLabel(self.tr("Only an administrator can change these settings."), self)
            note.setObjectName("read_only_note")
            layout.addWidget(note)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel, self)
        layout.addWidget(self.buttons)
        self.message = QLabel(self)
        self.message.setObjectName("settings_message")
        layout.addWidget(self.message)
        self.resize(620, 480)

    def _page(self, keys: tuple[str, ...]) -> QWidget:
        page = QWidget(self)
        form = QFormLayout(page)
        for key in keys:
            spec = SETTINGS_BY_KEY[key]
            edit = QLineEdit(self.values.get(key, ""), page)
            edit.setObjectName(f"setting_{key}")
            edit.setMaxLength(spec.max_len)
            edit.setReadOnly(not self.can_edit)
            form.addRow(self.tr(spec.label), edit)
            self.edits[key] = edit
        return page

    def _interface_page(self) -> QWidget:
        page = QWidget(self)
        form = QFormLayout(page)
        self.language_combo = QComboBox(page)
        self.language_combo.setObjectName("language_combo")
        for code, name in LANGUAGES:
            self.language_combo.addItem(name, code)
        self.language_combo.setCurrentIndex(max(self.language_combo.findData(self.ctx.lang), 0))
        form.addRow(self.tr("Interface language"), self.language_combo)
        db_file = sqlite_file(self.ctx.url)
        db_text = str(db_file) if db_file else self.ctx.url
        for label, text in ((self.tr("Database"), db_text),
                            (self.tr("Log folder"), user_log_dir(APP_NAME, appauthor=False)),
                            (self.tr("Backups"), str(Path(db_text).parent / "backups")
                             if db_file else "-")):
            value = QLabel(text, page)
            value.setTextInteractionFlags(value.textInteractionFlags()
                                          | value.textInteractionFlags().TextSelectableByMouse)
            form.addRow(label, value)
        row = QHBoxLayout()
        form.addRow(row)
        return page

    def _connect_signals(self) -> None:
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)

    def changed_values(self) -> dict[str, str]:
        current = {k: e.text().strip() for k, e in self.edits.items()}
        current["printerProfile"] = self.printer_combo.currentText().strip()
        return {k: v for k, v in current.items() if v != self.values.get(k, "")}

    def save(self) -> bool:
        changes = self.changed_values() if self.can_edit else {}
        if changes:
            try:
                with self.ctx.transaction() as s:
                    set_settings(s, self.ctx.actor, changes)
            except UserFacingError as exc:
                self.message.setText(exc.text(self.ctx.lang))
                return False
            self.values.update(changes)
            self.saved.emit()
        lang = str(self.language_combo.currentData())
        self.accept()
        if lang != self.ctx.lang:
            self.language_chosen.emit(lang)
        return True

    def _on_browse_clicked(self) -> None:
        edit = self.edits["exchangeDir"]
        folder = self.ask_folder(self, self.tr("Exchange folder"), edit.text())
        if folder:
            edit.setText(folder)
