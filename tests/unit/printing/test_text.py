from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st
from reportlab.pdfbase.pdfmetrics import stringWidth

from app.documents.fonts import register_cjk_font
from app.documents.text import ELLIPSIS, fit, mask_name, mask_phone, money, quantity, weight, wrap

FONT = register_cjk_font()


def test_mobile_numbers_keep_first_three_and_last_four_digits() -> None:
    assert mask_phone("13812345678") == "138****5678"
    assert mask_phone(" 8613812345678 ") == "861******5678"
    assert mask_phone("12345") == "***45"
    assert mask_phone("") == ""


def test_names_are_masked_for_the_manifest() -> None:
    assert mask_name("张三") == "张*"
    assert mask_name("欧阳娜娜") == "欧**娜"
    assert mask_name("王小明") == "王*明"
    assert mask_name("Li Wei") == "L*****"


def test_fit_cuts_with_an_ellipsis_only_when_needed() -> None:
    assert fit("王小明", FONT, 10, 100) == "王小明"
    cut = fit("浙江省杭州市西湖区文三路478号华星时代广场", FONT, 10, 60)
    assert cut.endswith(ELLIPSIS)
    assert stringWidth(cut, FONT, 10) <= 60


def test_wrap_breaks_chinese_anywhere_and_keeps_latin_words() -> None:
    lines = wrap("Aptamil Pronutra 婴儿奶粉三段八百克装", FONT, 10, 80, 5)
    assert lines[0].startswith("Aptamil")
    assert "".join(lines).replace(" ", "") == "AptamilPronutra婴儿奶粉三段八百克装"
    assert all(stringWidth(line, FONT, 10) <= 80 for line in lines)


def test_wrap_ends_with_an_ellipsis_when_text_is_left_over() -> None:
    lines = wrap("浙江省杭州市西湖区文三路478号华星时代广场A座1201室" * 3, FONT, 10, 80, 2)
    assert len(lines) == 2
    assert lines[-1].endswith(ELLIPSIS)


@given(st.text(alphabet="王小明ab c号1", max_size=60), st.integers(1, 4))
def test_wrapped_lines_never_exceed_the_width(text: str, max_lines: int) -> None:
    lines = wrap(text, FONT, 10, 50, max_lines)
    assert len(lines) <= max_lines
    assert all(stringWidth(line, FONT, 10) <= 50 for line in lines)


def test_numbers_are_formatted_for_print() -> None:
    assert money(Decimal("1234.5")) == "1,234.50"
    assert weight(Decimal("1.2")) == "1.200"
    assert quantity(Decimal("2.000")) == "2"
    assert quantity(Decimal("1.50")) == "1.5"


def test_a_line_never_starts_with_closing_punctuation() -> None:
    text = "本人保证所填各项内容属实邮件内未装寄任何危险物品。"
    width = stringWidth(text[:-1], FONT, 10)  # the full stop alone would spill over
    lines = wrap(text, FONT, 10, width, 3)
    assert len(lines) == 2
    assert lines[1] == "品。"
