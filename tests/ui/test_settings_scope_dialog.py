"""The Settings window says which settings are this workstation's and which the office's,
and saves each where it belongs."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtWidgets import QFormLayout, QLabel, QLineEdit
from pytestqt.qtbot import QtBot

from app.services.settings import all_settings
from app.services.workstation import read_workstation_settings
from tests.ui.conftest import main_window
from ui.workspace.settings_dialog import SettingsDialog


def _label_of(dialog: SettingsDialog, edit: QLineEdit) -> str:
    form = edit.parentWidget().layout()
    assert isinstance(form, QFormLayout)
    label = form.labelForField(edit)
    assert isinstance(label, QLabel)
    return label.text()


def test_settings_window_marks_and_saves_workstation_settings(
        db_url: str, qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with main_window(db_url, qtbot, show=False) as w:
        dialog = SettingsDialog(w.ctx, w)
        qtbot.addWidget(dialog)
        assert _label_of(dialog, dialog.edits["exchangeDir"]) == \
            "Exchange folder (this workstation)"
        assert _label_of(dialog, dialog.edits["scalePort"]).endswith("(this workstation)")
        assert _label_of(dialog, dialog.edits["agentCode"]) == "Declaring agent code"
        assert "this computer" in dialog.scope_note.text()

        dialog.edits["exchangeDir"].setText(str(tmp_path))
        dialog.edits["agentCode"].setText("4403123456")
        assert dialog.save()

        assert read_workstation_settings(db_url) == {"exchangeDir": str(tmp_path)}
        monkeypatch.setenv("CLEARDESK_CONFIG_DIR", str(tmp_path / "another-workstation"))
        with w.ctx.transaction(write=False) as s:
            elsewhere = all_settings(s)
        assert elsewhere.get("exchangeDir") is None
        assert elsewhere["agentCode"] == "4403123456"
