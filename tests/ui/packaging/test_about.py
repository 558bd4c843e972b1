from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from app.buildinfo import BUILD_MODULE, build_info, build_module_source
from app.db.migrate import head_revision
from tests.ui.conftest import main_window


@pytest.fixture(autouse=True)
def _fresh_build_info() -> Iterator[None]:
    sys.modules.pop(BUILD_MODULE, None)
    build_info.cache_clear()
    yield
    sys.modules.pop(BUILD_MODULE, None)
    build_info.cache_clear()


def _about_text(db_url: str, qtbot: QtBot) -> str:
    shown: list[str] = []
    with main_window(db_url, qtbot) as w:
        w.about_box = lambda parent, title, text: shown.append(text)
        w.action_about.trigger()
    assert len(shown) == 1
    return shown[0]


def test_about_shows_commit_build_date_and_schema_of_a_package(
        db_url: str, qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / f"{BUILD_MODULE}.py").write_text(
        build_module_source("feedc0ffee12", "2026-12-04 18:00 UTC", "0002"), encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    text = _about_text(db_url, qtbot)
    assert "Commit: feedc0ffee12" in text
    assert "Built: 2026-12-04 18:00 UTC" in text
    assert "Database schema: 0002" in text


def test_about_from_a_checkout_shows_the_schema_head(db_url: str, qtbot: QtBot) -> None:
    text = _about_text(db_url, qtbot)
    assert f"Database schema: {head_revision()}" in text
    assert "Built: unknown" in text
