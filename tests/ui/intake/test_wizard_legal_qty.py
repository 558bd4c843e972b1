"""The import wizard, in Chinese, on a platform file without legal quantities or insurance
fees: the mapping page does not ask for the insurance fee, the summary says what was filled."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from app.services.settings import all_settings
from tests.db.test_intake_legal_qty import make_file
from tests.ui.conftest import main_window
from tests.ui.intake.test_import_wizard import _next, _start
from ui.i18n import Translators
from ui.intake.summary import ImportSummaryDialog
from ui.main_window import MainWindow
from ui.workspace.settings_dialog import SettingsDialog


@pytest.fixture
def window(db_url: str, qtbot: QtBot, qapp: QApplication) -> Iterator[MainWindow]:
    translators = Translators(qapp)
    translators.install("zh_CN")
    try:
        with main_window(db_url, qtbot, show=False) as w:
            w.ctx.lang = "zh_CN"
            yield w
    finally:
        translators.install("en")


def test_summary_shows_defaults_and_derived_legal_quantities(window: MainWindow, qtbot: QtBot,
                                                            tmp_path: Path) -> None:
    wizard = _start(window, qtbot, make_file("xlsx", tmp_path))
    wizard.lang = "zh_CN"
    _next(wizard, qtbot)
    missing = wizard.mapping_page.missing_label.text()
    assert "电商平台代码" in missing and "保费" not in missing
    _next(wizard, qtbot)
    with qtbot.waitSignal(wizard.imported, timeout=20_000):
        wizard.accept()
    qtbot.waitUntil(lambda: wizard.summary_dialog is not None, timeout=20_000)
    dialog = wizard.summary_dialog
    assert isinstance(dialog, ImportSummaryDialog)
    qtbot.addWidget(dialog)
    text = dialog.counts_label.text()
    assert "文件中没有保费（insuredFee）列：4 票申报单按 0 填写。" in text
    assert ("自动推算法定数量 4 个（计量单位相同 1 个，按净重 1 个，按规格型号 2 个）。"
            in text)


def test_settings_import_tab_sets_the_fee_defaults(window: MainWindow, qtbot: QtBot) -> None:
    dialog = SettingsDialog(window.ctx, window)
    qtbot.addWidget(dialog)
    titles = [dialog.tabs.tabText(i) for i in range(dialog.tabs.count())]
    page = dialog.tabs.widget(titles.index("导入"))
    assert dialog.edits["defaultFreight"].parent() is page
    assert dialog.edits["defaultInsuredFee"].text() == "0"
    dialog.edits["defaultInsuredFee"].setText("1.5")
    assert dialog.save()
    with window.ctx.transaction(write=False) as s:
        assert all_settings(s)["defaultInsuredFee"] == "1.5"
