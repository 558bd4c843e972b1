from datetime import date

from hypothesis import given, settings
from hypothesis import strategies as st

from app.rules.contact import address_problem, phone_is_plausible
from app.rules.idcard import IdProblem, check_character, check_id_number
from app.rules.s10 import make_s10, s10_check_digit, s10_is_valid

TODAY = date(2026, 11, 26)


def test_known_id_numbers() -> None:
    # Widely published GB 11643 example with check character X.
    assert check_id_number("11010519491231002X", TODAY).ok
    assert check_id_number("11010519491231002x", TODAY).number.endswith("X")
    assert check_id_number("11010519491231002x", TODAY).ok
    wrong = check_id_number("110105194912310021", TODAY)
    assert wrong.problem is IdProblem.CHECKSUM and wrong.expected_check == "X"


def test_official_sample_id_is_rejected() -> None:
    # The CEB621 sample's ID has an impossible birth date (domain.md §2.3).
    assert check_id_number("130681136250023332", TODAY).problem is IdProblem.BIRTH_DATE


def test_future_birth_date_and_shapes() -> None:
    future = "11010520300101001"
    assert check_id_number(future + check_character(future), TODAY).problem is IdProblem.FUTURE
    assert check_id_number("110105491231002", TODAY).problem is IdProblem.LENGTH
    assert check_id_number("1101051949123100A1", TODAY).problem is IdProblem.CHARACTERS
    assert check_id_number("11010519490231002X", TODAY).problem is IdProblem.BIRTH_DATE


@settings(deadline=None)  # timings belong in bench/, not tests
@given(st.dates(min_value=date(1900, 1, 1), max_value=TODAY),
       st.from_regex(r"\A[1-6]\d{5}\Z"), st.from_regex(r"\A\d{3}\Z"))
def test_generated_ids_validate_and_single_digit_errors_are_caught(born: date, area: str,
                                                                   seq: str) -> None:
    first17 = f"{area}{born:%Y%m%d}{seq}"
    number = first17 + check_character(first17)
    assert check_id_number(number, TODAY).ok
    # Changing the sequence digit always breaks the check character (MOD 11-2 property).
    changed = first17[:16] + str((int(first17[16]) + 1) % 10)
    assert check_id_number(changed + number[17], TODAY).problem is IdProblem.CHECKSUM


def test_s10_worked_example() -> None:
    assert s10_check_digit("12345678") == 5
    assert s10_is_valid("RR123456785CN")
    assert not s10_is_valid("RR123456784CN")
    assert s10_is_valid(make_s10("EL", "00000010"))


@settings(deadline=None)  # timings belong in bench/, not tests
@given(st.from_regex(r"\A\d{8}\Z"))
def test_s10_made_numbers_are_valid(serial: str) -> None:
    number = make_s10("CP", serial)
    assert s10_is_valid(number)
    wrong = number[:10] + str((int(number[10]) + 1) % 10) + number[11:]
    assert not s10_is_valid(wrong)


def test_phone_plausibility() -> None:
    assert phone_is_plausible("13800138000")
    assert phone_is_plausible("+86 138-0013-8000")
    assert phone_is_plausible("010-88886666")
    assert not phone_is_plausible("12345")
    assert not phone_is_plausible("23800138000")


def test_address_plausibility() -> None:
    assert address_problem("浙江省杭州市西湖区文三路100号") is None
    assert address_problem("上海浦东新区世纪大道100号") is None
    assert address_problem("文三路100号") == "short"
    assert address_problem("西湖区文三路100号3幢") == "province"
    assert address_problem("浙江西湖区文三路100号3幢") == "city"


@given(st.text(alphabet="0123456789１２+-() \u0663", max_size=16)
       | st.from_regex(r"\A1[0-9]{10}\Z"))
def test_plain_mobile_shortcut_agrees_with_the_full_phone_check(value: str) -> None:
    from app.rules.contact import _plausible

    assert phone_is_plausible(value) == _plausible(value)


@given(st.text(alphabet="0123456789\u0663\u0967", min_size=17, max_size=17))
def test_check_character_of_ascii_and_other_decimal_digits(first17: str) -> None:
    """ASCII digits take a shortcut; every kind of decimal digit counts as its value."""
    digits = [int(c) for c in first17]
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    expected = "10X98765432"[sum(d * w for d, w in zip(digits, weights, strict=True)) % 11]
    assert check_character(first17) == expected
