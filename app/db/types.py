"""Column types that keep money, quantities and weights exact on every backend.

CEB numbers are N19,5. SQLite has no decimal type (SQLAlchemy's Numeric would round-trip
through float there), so Decimal5 stores the value as an integer count of 1/100000 units: exact,
sortable, and `SUM()` in SQL stays exact and returns a Decimal on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import BigInteger, DateTime, Dialect
from sqlalchemy.types import TypeDecorator

SCALE = 100_000
QUANTUM = Decimal("0.00001")


def to_scaled(value: Decimal | int | str | None) -> int | None:
    """Decimal → integer count of 1e-5 units (half-up rounding at the 6th decimal)."""
    if value is None:
        return None
    if isinstance(value, float):
        raise TypeError("float is not accepted for exact amounts; pass a Decimal")
    d = value if isinstance(value, Decimal) else Decimal(value)
    return int(d.scaleb(5).to_integral_value(ROUND_HALF_UP))


def from_scaled(value: int | None) -> Decimal | None:
    if value is None:
        return None
    return (Decimal(int(value)) / SCALE).quantize(QUANTUM)


class Decimal5(TypeDecorator[Decimal]):
    """N19,5 decimal stored as a scaled BIGINT."""

    impl = BigInteger
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> int | None:
        return to_scaled(value)

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        return from_scaled(value)

    @property
    def python_type(self) -> type[Decimal]:
        return Decimal


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC timestamps on every backend (SQLite drops the zone otherwise)."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if not isinstance(value, datetime):
            raise TypeError("datetime expected")
        if value.tzinfo is None:
            raise ValueError("naive datetime: pass an aware UTC datetime")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        stored: datetime = value
        return stored.replace(tzinfo=UTC) if stored.tzinfo is None else stored.astimezone(UTC)


def utcnow() -> datetime:
    return datetime.now(UTC)
