from __future__ import annotations

import sys
from pathlib import Path

import pytest

from app.paths import migrations_path, resource_path, self_command
from app.updates import check_folder, find_update, is_newer, version_key


@pytest.mark.parametrize(("newer", "older"), [
    ("0.2.0", "0.1.0"),
    ("0.10", "0.9.9"),
    ("1.0", "1.0~rc2"),
    ("1.0rc2", "1.0rc1"),
    ("1.0+1", "1.0"),
    ("1.0.1", "1.0+5"),
])
def test_versions_compare_like_a_person_reads_them(newer: str, older: str) -> None:
    assert is_newer(newer, older)
    assert not is_newer(older, newer)


def test_trailing_zeros_are_the_same_version() -> None:
    assert version_key("1.0") == version_key("1.0.0")
    assert not is_newer("1.0.0", "1.0")


def _touch(folder: Path, *names: str) -> None:
    for name in names:
        (folder / name).write_bytes(b"")


def test_the_newest_package_for_this_machine_is_offered(tmp_path: Path) -> None:
    _touch(tmp_path, "cleardesk_0.1.0_amd64.deb", "cleardesk_0.3.0_amd64.deb",
           "cleardesk_0.2.5_amd64.deb", "cleardesk_0.9.0_arm64.deb",
           "ClearDesk-Setup-0.8.0.exe", "notes.txt", "cleardesk_0.7.0_amd64.deb.part")
    offer = find_update(tmp_path, "0.1.0", kind="deb", arch="amd64")
    assert offer is not None
    assert (offer.version, offer.path.name) == ("0.3.0", "cleardesk_0.3.0_amd64.deb")
    exe = find_update(tmp_path, "0.1.0", kind="exe")
    assert exe is not None and exe.path.name == "ClearDesk-Setup-0.8.0.exe"


def test_nothing_newer_means_no_offer(tmp_path: Path) -> None:
    _touch(tmp_path, "cleardesk_0.1.0_amd64.deb", "cleardesk_0.0.9_amd64.deb")
    check = check_folder(str(tmp_path), "0.1.0", kind="deb", arch="amd64")
    assert check.offer is None and check.problem is None
    assert "is the newest" in check.message().text("en")


def test_a_missing_usb_stick_is_said_not_raised(tmp_path: Path) -> None:
    check = check_folder(str(tmp_path / "E-drive"), "0.1.0")
    assert check.offer is None
    assert check.problem is not None
    assert "cannot be read" in check.message().text("en")
    assert "无法读取更新文件夹" in check.message().text("zh_CN")


def test_frozen_build_reads_its_bundled_folders(tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(sys, "_MEIPASS", str(tmp_path), raising=False)
    monkeypatch.setattr(sys, "executable", str(tmp_path.parent / "cleardesk"))
    font = resource_path("fonts", "wqy-microhei.ttc")
    assert font == tmp_path / "resources" / "fonts" / "wqy-microhei.ttc"
    assert migrations_path() == tmp_path / "migrations"
    assert self_command() == [str(tmp_path.parent / "cleardesk")]


def test_from_python_the_module_is_started() -> None:
    assert self_command() == [sys.executable, "-m", "app"]
    assert (migrations_path() / "env.py").is_file()
