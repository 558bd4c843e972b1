"""The summary SQL compiles for PostgreSQL as well as SQLite (no live server needed)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite

from app.db.models import Declaration, InboundReceipt
from app.reports.sqlfuncs import beijing_day, seconds_between
from app.reports.summary_data import EMPTY


def _sql(stmt: object, dialect: object) -> str:
    return str(stmt.compile(dialect=dialect))  # type: ignore[attr-defined]


def test_day_and_seconds_per_dialect() -> None:
    day = beijing_day(Declaration.created_at)
    stmt = select(day).group_by(day)
    assert ("to_char(declarations.created_at + interval '8 hours', 'YYYY-MM-DD')"
            in _sql(stmt, postgresql.dialect()))
    assert ("strftime('%Y-%m-%d', declarations.created_at, '+8 hours')"
            in _sql(stmt, sqlite.dialect()))
    secs = select(seconds_between(Declaration.created_at, InboundReceipt.received_at))
    assert "EXTRACT(EPOCH FROM (inbound_receipts.received_at - declarations.created_at))" in \
        _sql(secs, postgresql.dialect())
    assert "julianday" in _sql(secs, sqlite.dialect())


def test_group_by_literal_is_inlined() -> None:
    from sqlalchemy import func

    key = func.coalesce(Declaration.ebpName, EMPTY)
    text = _sql(select(key).group_by(key), postgresql.dialect())
    assert text.count("coalesce(declarations.ebp_name, '')") == 2
