from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.db.types import Decimal5, from_scaled, to_scaled

N19_5 = st.decimals(min_value=Decimal("-99999999999999.99999"),
                    max_value=Decimal("99999999999999.99999"), places=5,
                    allow_nan=False, allow_infinity=False)


@given(N19_5)
def test_n19_5_round_trips_exactly(value: Decimal) -> None:
    assert from_scaled(to_scaled(value)) == value


def test_rounds_half_up_at_the_sixth_decimal() -> None:
    assert from_scaled(to_scaled(Decimal("0.000005"))) == Decimal("0.00001")
    assert from_scaled(to_scaled(Decimal("1.234564"))) == Decimal("1.23456")


def test_float_is_refused() -> None:
    with pytest.raises(TypeError):
        Decimal5().process_bind_param(0.1, None)  # type: ignore[arg-type]
