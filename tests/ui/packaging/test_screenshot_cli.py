from __future__ import annotations

import json
from pathlib import Path

import pytest
from PySide6.QtGui import QImage
from pytestqt.qtbot import QtBot

from app.cli import main


def test_screenshot_command_saves_the_painted_main_window(
        demo_db: str, tmp_path: Path, qtbot: QtBot, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "shots" / "main.png"
    assert main(["--db", demo_db, "--lang", "zh_CN", "screenshot", str(out), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["file"] == str(out) and data["seconds"] > 0
    image = QImage(str(out))
    assert (image.width(), image.height()) == (1280, 720)
    # The grid is painted: many distinct colours (text, status colours), not one flat fill.
    colours = {image.pixel(x, y) for x in range(0, 1280, 16) for y in range(0, 720, 16)}
    assert len(colours) > 20


def test_screenshot_needs_a_login_when_accounts_exist(
        demo_db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CLEARDESK_USER", raising=False)
    monkeypatch.setenv("CLEARDESK_PASSWORD", "secret-password-1")
    assert main(["--db", demo_db, "users", "add", "boss", "--role", "admin"]) == 0
    capsys.readouterr()
    out = tmp_path / "main.png"
    assert main(["--db", demo_db, "--lang", "en", "screenshot", str(out)]) == 1
    assert "Log in first" in capsys.readouterr().err
    assert not out.exists()
