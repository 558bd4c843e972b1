from decimal import Decimal

import pytest

from app.documents.cn22 import hs6, is_s10, needs_cn23, s10_check_digit, value_in_sdr

from .samples import customs


def test_s10_check_digit_matches_the_upu_worked_example() -> None:
    assert s10_check_digit("12345678") == 5
    assert is_s10("RR123456785CN")


@pytest.mark.parametrize("waybill", ["RR123456784CN", "R123456785CN", "rr123456785cn",
                                     "YT1000000000001", ""])
def test_malformed_or_wrong_check_digit_is_not_s10(waybill: str) -> None:
    assert not is_s10(waybill)


def test_check_digit_edge_cases_10_and_11() -> None:
    # Σ mod 11 == 1 → 10 → 0 ; Σ mod 11 == 0 → 11 → 5
    assert s10_check_digit("00000000") == 5
    assert s10_check_digit("00000008") == 0  # 8×7 = 56, 56 mod 11 = 1


def test_cn22_up_to_300_sdr_cn23_above_with_the_rate_as_a_parameter() -> None:
    rate = Decimal("9.60")
    assert value_in_sdr(customs("2880.00"), rate) == Decimal(300)
    assert not needs_cn23(customs("2880.00"), rate)
    assert needs_cn23(customs("2880.01"), rate)
    # a different rate moves the threshold
    assert not needs_cn23(customs("2880.01"), Decimal("10"))


def test_a_rate_of_zero_is_refused() -> None:
    with pytest.raises(ValueError):
        needs_cn23(customs(), Decimal(0))


def test_hs_code_is_printed_with_six_digits() -> None:
    assert hs6("1901101000") == "190110"
    assert hs6("1901.10") == "190110"
