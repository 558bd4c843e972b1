"""Code completers: the HS list is wide enough to read, whatever the width of the code field."""

from __future__ import annotations

from PySide6.QtWidgets import QLineEdit
from pytestqt.qtbot import QtBot

from app.reference.tables import shipped_reference_tables
from ui.declarations.completers import POPUP_MAX_WIDTH, CodeCompleter, code_model


def test_hs_popup_is_wider_than_the_narrow_code_field(qtbot: QtBot) -> None:
    edit = QLineEdit()
    qtbot.addWidget(edit)
    edit.setFixedWidth(110)  # as wide as a ten-digit code
    completer = CodeCompleter(code_model(shipped_reference_tables(), "hs", "zh_CN", edit), edit)
    completer.attach(edit)
    edit.show()
    model = completer.model()
    texts = [str(model.index(r, 0).data()) for r in range(model.rowCount())]
    metrics = completer.popup().fontMetrics()
    typical = sorted(metrics.horizontalAdvance(t) for t in texts)[len(texts) // 2]
    edit.setText("手机")
    completer.setCompletionPrefix("手机")
    completer.complete()
    qtbot.waitUntil(lambda: completer.popup().isVisible())
    width = completer.popup().width()
    assert width > 3 * edit.width()
    assert width >= min(typical, POPUP_MAX_WIDTH)  # a typical description fits unclipped
    assert width <= POPUP_MAX_WIDTH + 40


def test_hs_completion_shows_legal_units_and_the_positive_list_note(qtbot: QtBot) -> None:
    from dataclasses import replace

    refs = replace(shipped_reference_tables(), positive_list={"19011010": "仅限网购保税商品"})
    model = code_model(refs, "hs", "zh_CN")
    texts = {str(model.index(r, 0).data()).split()[0]: str(model.index(r, 0).data())
             for r in range(model.rowCount())}
    assert texts["1901101000"].endswith("[千克]  仅限网购保税商品")
    assert texts["6404110000"].endswith("[双/千克]")  # not on the list: no note
