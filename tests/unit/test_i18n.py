from __future__ import annotations

from app.i18n import Message, detect_language, render, translate
from tools.i18n import extract, missing


def test_every_translatable_string_has_a_chinese_translation() -> None:
    gaps = missing("zh_CN")
    assert gaps == {}, "run `python -m tools.i18n` and translate these"


def test_extraction_finds_strings_of_every_kind() -> None:
    found = extract()
    assert "Check failed" in found  # N_() in app/domain/status.py
    assert "&File" in found  # self.tr() in the main window
    assert any(m.startswith("This database was created by a newer") for m in found)  # error


def test_render_translates_and_fills_parameters() -> None:
    msg = Message("{key} set to {value}.", {"key": "agentCode", "value": "5141980XYZ"})
    assert render(msg, "en") == "agentCode set to 5141980XYZ."
    assert render(msg, "zh_CN") == "agentCode 已设为 5141980XYZ。"


def test_untranslated_text_falls_back_to_english() -> None:
    assert translate("no such message", "zh_CN") == "no such message"


def test_language_detection() -> None:
    assert detect_language({"CLEARDESK_LANG": "zh"}) == "zh_CN"
    assert detect_language({"LANG": "zh_CN.UTF-8"}) == "zh_CN"
    assert detect_language({"LANG": "de_DE.UTF-8"}) == "en"
