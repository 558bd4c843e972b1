from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from app import __version__
from app.buildinfo import (
    BUILD_MODULE,
    SOURCE_ROOT,
    UNKNOWN,
    build_info,
    build_module_source,
    git_commit,
)
from app.cli import main
from app.db.migrate import head_revision


@pytest.fixture(autouse=True)
def _fresh_build_info() -> Iterator[None]:
    sys.modules.pop(BUILD_MODULE, None)
    build_info.cache_clear()
    yield None
    sys.modules.pop(BUILD_MODULE, None)
    build_info.cache_clear()


@pytest.fixture
def packaged(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A `cleardesk_build` module as `make dist` writes it, importable."""
    (tmp_path / f"{BUILD_MODULE}.py").write_text(
        build_module_source("0123456789ab", "2026-12-04 18:00 UTC", "0002"), encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    return tmp_path


def test_checkout_reports_version_schema_head_and_git_commit() -> None:
    info = build_info()
    assert info.version == __version__
    assert info.schema == head_revision()
    assert info.build_date == UNKNOWN
    assert not info.packaged
    if shutil.which("git") and (SOURCE_ROOT / ".git").exists():
        head = subprocess.run(["git", "-C", str(SOURCE_ROOT), "rev-parse", "HEAD"],
                              capture_output=True, text=True, check=True).stdout.strip()
        assert info.commit.rstrip("+") == head[:12]


def test_no_git_gives_unknown_commit(tmp_path: Path) -> None:
    assert git_commit(tmp_path) == UNKNOWN


def test_packaged_build_reads_the_written_module(packaged: Path) -> None:
    info = build_info()
    assert (info.commit, info.build_date, info.schema, info.packaged) == (
        "0123456789ab", "2026-12-04 18:00 UTC", "0002", True)


def test_version_command_prints_build_information(
        packaged: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--lang", "en", "--version"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines() == [
        f"ClearDesk {__version__}",
        "Commit: 0123456789ab",
        "Built: 2026-12-04 18:00 UTC",
        "Database schema: 0002",
    ]


def test_version_command_in_chinese_and_json(
        packaged: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--lang", "zh_CN", "--version"]) == 0
    out = capsys.readouterr().out
    assert "提交: 0123456789ab" in out
    assert "数据库结构: 0002" in out
    assert main(["--version", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data == {"version": __version__, "commit": "0123456789ab",
                    "buildDate": "2026-12-04 18:00 UTC", "schema": "0002", "packaged": True}


def test_checkout_version_says_unknown_build_date_in_chinese(
        capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--version", "--lang", "zh_CN"]) == 0
    assert "构建时间: 未知" in capsys.readouterr().out
