"""The one day parser behind every date box: 20261101, 2026/11/1, 2026-11-01."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.domain.dates import could_become_day, parse_day
from app.domain.errors import ValidationError

days = st.dates(min_value=date(1000, 1, 1), max_value=date(9999, 12, 31))


@given(days)
def test_compact_slashed_and_dashed_days_read_the_same(day: date) -> None:
    forms = (f"{day:%Y%m%d}", f"{day.year}/{day.month}/{day.day}", day.isoformat(),
             f"{day.year}-{day.month}-{day.day}", f"{day.year}.{day.month:02d}.{day.day}",
             f"{day.year}年{day.month}月{day.day}日", f"  {day:%Y/%m/%d} ")
    assert {parse_day(f) for f in forms} == {day}


@given(days)
def test_every_prefix_of_a_typed_day_lets_the_clerk_go_on(day: date) -> None:
    for typed in (f"{day:%Y%m%d}", f"{day.year}/{day.month}/{day.day}", day.isoformat()):
        assert all(could_become_day(typed[:n]) for n in range(len(typed) + 1))


@given(st.text())
def test_any_text_is_a_day_or_a_clear_refusal(text: str) -> None:
    try:
        day = parse_day(text)
    except ValidationError as exc:
        assert "20261101" in str(exc)
    else:
        assert day is None or isinstance(day, date)


@pytest.mark.parametrize("text", ["2026-02-30", "20261301", "2026/11", "1101", "next week",
                                  "2026-11-01x"])
def test_impossible_or_partial_days_are_refused(text: str) -> None:
    with pytest.raises(ValidationError):
        parse_day(text)


def test_blank_is_no_day() -> None:
    assert parse_day("  ") is None
    assert parse_day("２０２６１１０１") == date(2026, 11, 1)  # full-width digits
