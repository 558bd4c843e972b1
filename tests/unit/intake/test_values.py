from decimal import Decimal

import pytest

from app.intake.values import (
    BadValue,
    clean_code,
    clean_text,
    parse_date8,
    parse_decimal,
    parse_int,
    parse_time14,
)


@pytest.mark.parametrize(("raw", "expected"), [
    ("¥1,234.50", Decimal("1234.50")),
    ("￥88", Decimal("88")),
    ("12.5元", Decimal("12.5")),
    ("RMB 30", Decimal("30")),
    ("３０．５", Decimal("30.5")),
    (" 7 ", Decimal("7")),
    (2.0, Decimal("2.0")),
    (0.1 + 0.2, Decimal("0.30000")),
    (5, Decimal("5")),
    ("-3.25", Decimal("-3.25")),
    ("", None),
    (None, None),
])
def test_decimals_are_parsed_exactly(raw: object, expected: Decimal | None) -> None:
    assert parse_decimal(raw) == expected


def test_grams_become_kilograms_from_cell_or_column_unit() -> None:
    assert parse_decimal("500g", "kg") == Decimal("0.5")
    assert parse_decimal("1.5kg", "kg") == Decimal("1.5")
    assert parse_decimal("1500", "kg", "g") == Decimal("1.5")
    assert parse_decimal(1250, "kg", "g") == Decimal("1.25")
    assert parse_decimal("12345", "yuan", "fen") == Decimal("123.45")


@pytest.mark.parametrize("raw", ["abc", "1.2.3", "12,5", "1e5", True, "1.123456", "NaN",
                                 float("nan"), "∞", "1" * 20])
def test_bad_numbers_are_refused(raw: object) -> None:
    with pytest.raises(BadValue):
        parse_decimal(raw)


def test_whole_numbers() -> None:
    assert parse_int("3") == 3
    assert parse_int(2.0) == 2
    with pytest.raises(BadValue):
        parse_int("2.5")


@pytest.mark.parametrize("raw", ["2024-05-01", "2024/5/1", "2024.05.01", "20240501",
                                 "2024年5月1日", 45413, 20240501, "2024-05-01 13:45:00"])
def test_dates_in_usual_forms(raw: object) -> None:
    assert parse_date8(raw) == "20240501"


def test_times_and_bad_dates() -> None:
    assert parse_time14("2024-05-01 13:45:06") == "20240501134506"
    assert parse_time14("2024/5/1 13:45") == "20240501134500"
    with pytest.raises(BadValue):
        parse_date8("next tuesday")
    with pytest.raises(BadValue):
        parse_date8("2024-02-30")


def test_codes_are_nfkc_without_spaces() -> None:
    assert clean_code("ＳＯ１００１") == "SO1001"
    assert clean_code(" 1101 0119 9003 071234 ") == "110101199003071234"
    assert clean_code(3304990000.0) == "3304990000"
    assert clean_code("3304990000.0") == "3304990000"


@pytest.mark.parametrize("raw", [1.30681199001011e17, "1.30681E+17", "1.30681e+17",
                                 9.8765432109876e15])
def test_excel_mangled_ids_are_refused(raw: object) -> None:
    with pytest.raises(BadValue) as info:
        clean_code(raw)
    assert info.value.message.msgid


def test_free_text_keeps_full_width_punctuation() -> None:
    assert clean_text("  婴儿奶粉（900克）\n 2段 ") == "婴儿奶粉（900克） 2段"
