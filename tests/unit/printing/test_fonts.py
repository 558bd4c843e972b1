from app.documents.fonts import FONT_NAME, can_draw, missing_chars, preflight, register_cjk_font
from app.documents.models import Party

from .samples import make_label


def test_the_bundled_font_draws_common_chinese_latin_and_digits() -> None:
    assert register_cjk_font() == FONT_NAME
    assert missing_chars("王小明 浙江省杭州市西湖区文三路478号 Aptamil ×2；") == []


def test_rare_characters_and_emoji_are_not_drawable() -> None:
    assert not can_draw("䶮")  # as in the name 刘䶮
    assert not can_draw("😀")
    assert can_draw(" ")


def test_preflight_names_the_record_and_the_character() -> None:
    labels = [
        make_label(1),
        make_label(2, consignee=Party("刘䶮", "13812345678", "广州市越秀区")),
        make_label(3, goods_summary="生日礼物🎁🎁"),
    ]
    found = preflight((label.record_id, label.texts()) for label in labels)
    assert [(m.record_id, m.field, m.char) for m in found] == [
        ("2", "buyerName", "䶮"),
        ("3", "goodsSummary", "🎁"),
    ]
    assert found[0].codepoint == "U+4DAE"
