"""A start in Chinese reads every catalogue before its first window: babel reads them once,
later starts load the kept result (no babel import), and a changed catalogue is read anew."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from app import i18n
from app.paths import resource_path

PROBE = ("import sys\nfrom app.i18n import translate\n"
         "print(translate('&File', 'zh_CN'))\nprint('babel' in sys.modules)\n")


def _start(cache: Path) -> list[str]:
    env = {**os.environ, "XDG_CACHE_HOME": str(cache)}
    run = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True,
                         cwd=Path(__file__).resolve().parents[2], timeout=60, check=True,
                         env=env)
    return run.stdout.split()


def test_the_first_chinese_start_reads_with_babel_and_later_ones_load_what_it_kept(
        tmp_path: Path) -> None:
    assert _start(tmp_path) == ["文件(&F)", "True"]
    kept = list(tmp_path.rglob("i18n-zh_CN-*.json"))
    assert len(kept) == 1
    assert _start(tmp_path) == ["文件(&F)", "False"]


def test_the_kept_catalogue_is_what_babel_reads_from_the_shipped_files(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    files = sorted(resource_path("i18n", "zh_CN").glob("*.po"))
    i18n.catalogue.cache_clear()
    try:
        first = dict(i18n.catalogue("zh_CN"))
        i18n.catalogue.cache_clear()
        again = dict(i18n.catalogue("zh_CN"))  # from the kept file
    finally:
        i18n.catalogue.cache_clear()
    assert first == again == i18n.read_catalogues(files, "zh_CN")
    assert len(first) > 1000


def _po(folder: Path, text: str) -> None:
    (folder / "area.po").write_text(
        'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=utf-8\\n"\n\n'
        f'msgid "Open"\nmsgstr "{text}"\n', "utf-8")


def test_a_changed_catalogue_is_read_anew_and_a_broken_kept_file_is_ignored(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    shipped = tmp_path / "i18n" / "zh_CN"
    shipped.mkdir(parents=True)
    monkeypatch.setattr(i18n, "resource_path", lambda *parts: tmp_path.joinpath(*parts))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))

    def load() -> str:
        i18n.catalogue.cache_clear()
        try:
            return i18n.catalogue("zh_CN")["Open"]
        finally:
            i18n.catalogue.cache_clear()

    _po(shipped, "打开")
    assert load() == "打开"
    _po(shipped, "打开文件夹")
    os.utime(shipped / "area.po", ns=(1, 1))
    assert load() == "打开文件夹"
    kept = list((tmp_path / "cache").rglob("i18n-zh_CN-*.json"))
    assert len(kept) == 1  # the older one is gone
    kept[0].write_text("{not json", "utf-8")
    assert load() == "打开文件夹"
