"""Formula injection (CWE-1236) neutralisation and masking, without a database."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from app.reports import cells
from app.reports.pii import masker
from app.security.masking import DEFAULT_MASKED_KINDS


def test_dangerous_starts_get_an_apostrophe() -> None:
    for text in ("=1+1", "+86 138", "-2+3", "@SUM(A1)", "\tx", "\rx", "＝1+1"):
        assert cells.neutralise(text) == "'" + text
        assert cells.xlsx_text(text) == "'" + text
    for text in ("", "张伟", "1+1", " =x", "'=x"):
        assert cells.neutralise(text) == text


@given(st.text())
def test_no_output_starts_like_a_formula(text: str) -> None:
    for out in (cells.neutralise(text), cells.xlsx_text(text), cells.csv_value(text)):
        assert out[:1] not in cells.FORMULA_STARTS
    assert "\x00" not in cells.xlsx_text(text)


def test_csv_values() -> None:
    assert cells.csv_value(Decimal("12.50000")) == "12.50000"
    assert cells.csv_value(None) == ""
    assert cells.csv_value(datetime(2026, 11, 20, 9, tzinfo=UTC)) == "2026-11-20 17:00:00"
    assert cells.code_value("-621005") == -621005
    assert cells.code_value("CEB900") == "CEB900"


def test_export_masker() -> None:
    mask_id = masker("buyerIdNumber", DEFAULT_MASKED_KINDS)
    mask_phone = masker("buyerTelephone", DEFAULT_MASKED_KINDS)
    assert mask_id is not None and mask_phone is not None
    assert mask_id("44010619900101123X") == "4401**********123X"
    assert mask_phone("13812345678") == "138****5678"
    assert mask_phone(None) is None
    assert masker("buyerName", DEFAULT_MASKED_KINDS) is None  # names stay readable
    assert masker("buyerIdNumber", frozenset()) is None  # an audited unmask
