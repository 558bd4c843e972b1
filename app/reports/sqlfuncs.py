"""SQL expressions the summary and the dashboard need whose spelling differs between SQLite
and PostgreSQL.

They compile per dialect (SQLAlchemy `@compiles`), so the queries that use them stay portable;
the default spelling is PostgreSQL's.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Float, Integer, String
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement

from app.domain.clock import BEIJING_OFFSET_HOURS


class beijing_day(FunctionElement[str]):
    """`YYYY-MM-DD` of the Beijing day (app.domain.clock) of a UTC timestamp column."""

    type = String()
    inherit_cache = True
    name = "beijing_day"


@compiles(beijing_day)
def _beijing_day_pg(element: beijing_day, compiler: SQLCompiler, **kw: Any) -> str:
    return (f"to_char({compiler.process(element.clauses, **kw)} + interval "
            f"'{BEIJING_OFFSET_HOURS} hours', 'YYYY-MM-DD')")


@compiles(beijing_day, "sqlite")
def _beijing_day_sqlite(element: beijing_day, compiler: SQLCompiler, **kw: Any) -> str:
    return (f"strftime('%Y-%m-%d', {compiler.process(element.clauses, **kw)}, "
            f"'+{BEIJING_OFFSET_HOURS} hours')")


class seconds_between(FunctionElement[float]):
    """Seconds from the first timestamp to the second."""

    type = Float()
    inherit_cache = True
    name = "seconds_between"


@compiles(seconds_between)
def _seconds_pg(element: seconds_between, compiler: SQLCompiler, **kw: Any) -> str:
    start, end = list(element.clauses)
    return (f"EXTRACT(EPOCH FROM ({compiler.process(end, **kw)} - "
            f"{compiler.process(start, **kw)}))")


@compiles(seconds_between, "sqlite")
def _seconds_sqlite(element: seconds_between, compiler: SQLCompiler, **kw: Any) -> str:
    start, end = list(element.clauses)
    return (f"((julianday({compiler.process(end, **kw)}) - "
            f"julianday({compiler.process(start, **kw)})) * 86400.0)")


class beijing_hour(FunctionElement[int]):
    """The hour (0–23) on the Beijing clock of a UTC timestamp column. Literal SQL, no bound
    parameter: PostgreSQL accepts the same expression in SELECT and GROUP BY."""

    type = Integer()
    inherit_cache = True
    name = "beijing_hour"


@compiles(beijing_hour)
def _beijing_hour_pg(element: beijing_hour, compiler: SQLCompiler, **kw: Any) -> str:
    return (f"CAST(EXTRACT(HOUR FROM {compiler.process(element.clauses, **kw)} + interval "
            f"'{BEIJING_OFFSET_HOURS} hours') AS INTEGER)")


@compiles(beijing_hour, "sqlite")
def _beijing_hour_sqlite(element: beijing_hour, compiler: SQLCompiler, **kw: Any) -> str:
    # SQLite keeps UTC timestamps as text, 'YYYY-MM-DD HH:MM:SS.ffffff': the hour is characters
    # 12-13 and Beijing has no daylight saving, so no date parsing per row (half the time of
    # strftime over 100k rows).
    return (f"((CAST(substr({compiler.process(element.clauses, **kw)}, 12, 2) AS INTEGER) "
            f"+ {BEIJING_OFFSET_HOURS}) % 24)")
