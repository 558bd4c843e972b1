from __future__ import annotations

import json
from pathlib import Path

import pytest

from app import __version__
from app.cli import main
from app.updates import machine_arch

ARCH = machine_arch() or "amd64"


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out + err


def test_update_check_reads_the_update_folder_setting(
        db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    usb = tmp_path / "usb"
    usb.mkdir()
    code, out = _run(capsys, "--db", db_url, "--lang", "en", "update-check")
    assert code == 0 and "No update folder is set" in out
    assert _run(capsys, "--db", db_url, "config", "set", "updateFolder", str(usb))[0] == 0
    code, out = _run(capsys, "--db", db_url, "--lang", "en", "update-check")
    assert code == 0 and f"ClearDesk {__version__} is the newest" in out
    (usb / f"cleardesk_99.0.0_{ARCH}.deb").write_bytes(b"")
    (usb / "ClearDesk-Setup-99.0.0.exe").write_bytes(b"")
    code, out = _run(capsys, "--db", db_url, "update-check", "--json")
    assert code == 0
    assert json.loads(out) == {"updateFolder": str(usb), "current": __version__,
                               "newer": "99.0.0", "file": str(usb / f"cleardesk_99.0.0_{ARCH}.deb")}
    code, out = _run(capsys, "--db", db_url, "--lang", "zh_CN", "update-check")
    assert "有新版本 ClearDesk 99.0.0 可以安装" in out


def test_update_check_of_an_unplugged_folder_exits_1(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out = _run(capsys, "--lang", "en", "update-check", "--folder", str(tmp_path / "gone"))
    assert code == 1 and "cannot be read" in out
