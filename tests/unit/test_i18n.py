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


def test_no_msgid_is_translated_two_ways() -> None:
    """Each area has its own PO file; the same English text must not mean two things."""
    from babel.messages.pofile import read_po

    from app.paths import resource_path

    seen: dict[str, tuple[str, str]] = {}
    clashes = []
    for po in sorted(resource_path("i18n", "zh_CN").glob("*.po")):
        with po.open("rb") as fh:
            for msg in read_po(fh):
                if not msg.id or not msg.string:
                    continue
                if msg.id in seen and seen[msg.id][1] != msg.string:
                    clashes.append((msg.id, seen[msg.id], (po.name, msg.string)))
                seen.setdefault(msg.id, (po.name, str(msg.string)))
    assert clashes == []
