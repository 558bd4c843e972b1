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
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy.engine import make_url

from app.db.engine import APP_NAME, sqlite_file
from app.db.migrate import pg_backup_dir
from app.domain.errors import UserFacingError
from app.domain.fields import HEAD_BY_NAME
from app.security.context import Permission
from app.services.apply_settings import apply_settings_to_open, undo_apply_settings
from app.services.settings import (
    SETTINGS_BY_KEY,
    STATION_KEYS,
    WORKSTATION_KEYS,
    all_settings,
    set_settings,
)
from app.station.printers import read_profiles_file, write_profiles_file
from app.station.profiles import dump_profiles, parse_profiles
from ui import file_dialogs
from ui.context import GuiContext
from ui.workspace.languages import LANGUAGES

IDENTITY_KEYS = ("agentCode", "agentName", "logisticsCode", "logisticsName", "copCode",
                 "copName", "dxpId", "customsCode", "portCode", "tradeMode", "trafMode",
                 "country", "assureCode")
EXCHANGE_KEYS = ("exchangeDir", "outboxName", "inboxName", "exchangeFileMode", "receiptMaxMB",
                 "receiptSettleSeconds", "sendWaybills", "updateFolder")
PRINT_KEYS = ("printerProfile", "senderName", "senderAddress", "senderPhone")
IMPORT_KEYS = ("defaultFreight", "defaultInsuredFee")
PRINTER_PROFILES = ("thermal-100x150", "thermal-100x100", "a4-4up", "a4-manifest")


def ask_folder(parent: QWidget, title: str, start: str) -> str | None:
    return file_dialogs.choose_folder(parent, title, "exchange", start) or None


def ask_profiles_path(parent: QWidget, save: bool) -> Path | None:
    title = parent.tr("Thermal printer profiles")
    if save:
        path = file_dialogs.save_file(parent, title, "printers.json", "JSON (*.json)", "export")
    else:
        path = file_dialogs.open_file(parent, title, "JSON (*.json)", "export")
    return Path(path) if path else None


def ask_confirm(parent: QWidget, title: str, text: str) -> bool:
    answer = QMessageBox.question(parent, title, text)
    return answer == QMessageBox.StandardButton.Yes


class SettingsDialog(QDialog):
    language_chosen = Signal(str)
    saved = Signal()
    declarations_changed = Signal()  # "apply to open declarations" (or its undo) ran

    def __init__(self, ctx: GuiContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("settings_dialog")
        self.ctx = ctx
        self.ask_folder: Callable[[QWidget, str, str], str | None] = ask_folder  # seam
        self.ask_confirm: Callable[[QWidget, str, str], bool] = ask_confirm  # seam
        self.ask_profiles_path: Callable[[QWidget, bool], Path | None] = ask_profiles_path
        self.last_run: str | None = None  # the apply run that "Undo" takes back
        # Filling declarations is a (narrow) bulk edit: roles that edit declarations.
        self.can_apply = ctx.actor.can(Permission.EDIT)
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
        self.tabs.addTab(self._page(IMPORT_KEYS), self.tr("Import"))
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
        form.insertRow(0, self.setting_label("printerProfile"), self.printer_combo)
        self.tabs.addTab(printing, self.tr("Printing"))
        self.tabs.addTab(self._station_page(), self.tr("Station"))
        from ui.autopilot.settings_page import AutopilotSettingsPage

        self.autopilot_page = AutopilotSettingsPage(self.ctx, self.values, self.can_edit, self)
        self.tabs.addTab(self.autopilot_page, self.tr("Autopilot"))
        self.tabs.addTab(self._interface_page(), self.tr("Language and data"))
        layout.addWidget(self.tabs)
        self.scope_note = QLabel(self.tr(
            "Settings marked “(this workstation)” are kept on this computer and apply to it "
            "only; the others are the office's, shared by every workstation on this "
            "database."), self)
        self.scope_note.setObjectName("scope_note")
        self.scope_note.setWordWrap(True)
        layout.addWidget(self.scope_note)
        apply_row = QHBoxLayout()
        self.apply_button = QPushButton(self.tr("Apply to open declarations…"), self)
        self.apply_button.setObjectName("apply_open_button")
        self.apply_button.setToolTip(self.tr("Fill the EMPTY fields of editable declarations "
                                             "from these settings (never overwrites)"))
        self.apply_button.setEnabled(self.can_apply)
        self.undo_apply_button = QPushButton(self.tr("Undo apply"), self)
        self.undo_apply_button.setObjectName("undo_apply_button")
        self.undo_apply_button.setEnabled(False)
        apply_row.addWidget(self.apply_button)
        apply_row.addWidget(self.undo_apply_button)
        apply_row.addStretch(1)
        layout.addLayout(apply_row)
        if not self.can_edit:
            note = QLabel(self.tr("Only an administrator can change these settings."), self)
            note.setObjectName("read_only_note")
            layout.addWidget(note)
        # Without the settings permission only the interface language can change: "OK"
        # applies it, there is nothing to "Save".
        confirm = (QDialogButtonBox.StandardButton.Save if self.can_edit
                   else QDialogButtonBox.StandardButton.Ok)
        self.buttons = QDialogButtonBox(confirm | QDialogButtonBox.StandardButton.Cancel, self)
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
            # Greyed out, not just read-only: a clerk must not take them for fields to type in.
            edit.setEnabled(self.can_edit)
            form.addRow(self.setting_label(key), edit)
            self.edits[key] = edit
        return page

    def setting_label(self, key: str) -> str:
        """A setting's label, marked when it belongs to this workstation (not the office)."""
        label = self.tr(SETTINGS_BY_KEY[key].label)
        if key in WORKSTATION_KEYS:
            return label + " " + self.tr("(this workstation)")
        return label

    def _station_page(self) -> QWidget:
        """Scale, tolerance and the thermal printer profiles (JSON, exportable with
        `cleardesk station printers export`)."""
        page = self._page(STATION_KEYS)
        self.profiles_edit = QPlainTextEdit(self.values.get("thermalProfiles", ""), page)
        self.profiles_edit.setObjectName("setting_thermalProfiles")
        self.profiles_edit.setReadOnly(not self.can_edit)
        self.profiles_edit.setEnabled(self.can_edit)
        self.profiles_edit.setPlaceholderText(
            '{"zebra": {"language": "zpl", "dpi": 203, "darkness": 15, '
            '"target": "tcp://192.168.1.50:9100"}}')
        form = page.layout()
        assert isinstance(form, QFormLayout)
        form.addRow(self.tr(SETTINGS_BY_KEY["thermalProfiles"].label), self.profiles_edit)
        row = QHBoxLayout()
        export = QPushButton(self.tr("Export profiles…"), page)
        export.setObjectName("export_profiles")
        export.clicked.connect(self._on_export_profiles_clicked)
        imported = QPushButton(self.tr("Import profiles…"), page)
        imported.setObjectName("import_profiles")
        imported.setEnabled(self.can_edit)
        imported.clicked.connect(self._on_import_profiles_clicked)
        row.addWidget(export)
        row.addWidget(imported)
        row.addStretch(1)
        form.addRow("", row)
        return page

    def export_profiles(self) -> Path | None:
        """Write the profiles as shown (checked) to a JSON file another office can import."""
        try:
            profiles = parse_profiles(self.profiles_edit.toPlainText())
            path = self.ask_profiles_path(self, True)
            if path is None:
                return None
            count = write_profiles_file(path, profiles)
        except UserFacingError as exc:
            self.message.setText(exc.text(self.ctx.lang))
            return None
        self.message.setText(self.tr("Exported {count} printer profile(s) to {file}")
                             .format(count=count, file=path))
        return path

    def import_profiles(self) -> bool:
        """Add the profiles of a file to those shown (saved with Save)."""
        try:
            current = parse_profiles(self.profiles_edit.toPlainText())
            path = self.ask_profiles_path(self, False)
            if path is None:
                return False
            current.update(read_profiles_file(path))
        except UserFacingError as exc:
            self.message.setText(exc.text(self.ctx.lang))
            return False
        self.profiles_edit.setPlainText(dump_profiles(current))
        return True

    def _on_export_profiles_clicked(self) -> None:
        self.export_profiles()

    def _on_import_profiles_clicked(self) -> None:
        self.import_profiles()

    def _interface_page(self) -> QWidget:
        page = QWidget(self)
        form = QFormLayout(page)
        self.language_combo = QComboBox(page)
        self.language_combo.setObjectName("language_combo")
        for code, name in LANGUAGES:
            self.language_combo.addItem(name, code)
        self.language_combo.setCurrentIndex(max(self.language_combo.findData(self.ctx.lang), 0))
        form.addRow(self.setting_label("language"), self.language_combo)
        db_file = sqlite_file(self.ctx.url)
        # A server URL is shown without its password.
        db_text = str(db_file) if db_file else make_url(self.ctx.url).render_as_string(
            hide_password=True)
        backups = str(Path(db_text).parent / "backups") if db_file else self.tr(
            "No automatic backups here: on a database server, backups are the server "
            "administrator's job (for example pg_dump every night). “cleardesk backup” saves "
            "a pg_dump copy when asked, and ClearDesk saves one before every schema update, "
            "in {folder}.").format(folder=pg_backup_dir())
        for label, text in ((self.tr("Database"), db_text),
                            (self.tr("Log folder"), user_log_dir(APP_NAME, appauthor=False)),
                            (self.tr("Backups"), backups)):
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
        self.apply_button.clicked.connect(self._on_apply_button_clicked)
        self.undo_apply_button.clicked.connect(self._on_undo_apply_button_clicked)

    def _on_apply_button_clicked(self) -> None:
        self.apply_to_open()

    def _on_undo_apply_button_clicked(self) -> None:
        self.undo_apply()

    def apply_to_open(self) -> bool:
        """Save changed settings, show how many empty fields of how many open declarations
        would be filled, and fill them once the user confirms. True when applied."""
        changes = self.changed_values() if self.can_edit else {}
        try:
            if changes:
                with self.ctx.transaction() as s:
                    set_settings(s, self.ctx.actor, changes)
                self.values.update(changes)
                self.saved.emit()
            with self.ctx.transaction() as s:
                dry = apply_settings_to_open(s, self.ctx.actor, dry_run=True)
        except UserFacingError as exc:
            self.message.setText(exc.text(self.ctx.lang))
            return False
        if not dry.fields:
            self.message.setText(self.tr("No open declaration has an empty field these "
                                         "settings fill."))
            return False
        lang = self.ctx.lang
        fields = "\n".join(f"  {HEAD_BY_NAME[k].label(lang)}: {n}"
                           for k, n in dry.by_field.items())
        text = (self.tr("Fill {fields} empty fields in {n} open declarations from the office "
                        "settings? Values the declarations already have are kept. You can "
                        "undo this.")
                .replace("{fields}", str(dry.fields)).replace("{n}", str(dry.declarations))
                + "\n\n" + fields)
        if not self.ask_confirm(self, self.tr("Apply to open declarations"), text):
            return False
        try:
            with self.ctx.transaction() as s:
                done = apply_settings_to_open(s, self.ctx.actor)
        except UserFacingError as exc:
            self.message.setText(exc.text(lang))
            return False
        self.last_run = done.run_id
        self.undo_apply_button.setEnabled(True)
        self.message.setText(self.tr("Filled {fields} empty fields in {n} open declarations.")
                             .replace("{fields}", str(done.fields))
                             .replace("{n}", str(done.declarations)))
        self.declarations_changed.emit()
        return True

    def undo_apply(self) -> bool:
        """Empty again what the last apply filled (where nobody changed it since)."""
        if self.last_run is None:
            return False
        try:
            with self.ctx.transaction() as s:
                undone = undo_apply_settings(s, self.ctx.actor, self.last_run)
        except UserFacingError as exc:
            self.message.setText(exc.text(self.ctx.lang))
            return False
        self.last_run = None
        self.undo_apply_button.setEnabled(False)
        self.message.setText(self.tr("Undone: {fields} fields emptied again in {n} "
                                     "declarations.")
                             .replace("{fields}", str(undone.fields))
                             .replace("{n}", str(undone.declarations)))
        self.declarations_changed.emit()
        return True

    def changed_values(self) -> dict[str, str]:
        current = {k: e.text().strip() for k, e in self.edits.items()}
        current["printerProfile"] = self.printer_combo.currentText().strip()
        current["thermalProfiles"] = self.profiles_edit.toPlainText().strip()
        current.update(self.autopilot_page.values())
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
