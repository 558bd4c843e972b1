"""Bulk reads and executemany straight to the DB-API driver, for runs over plain values.

SQLAlchemy's executemany runs its per-parameter machinery (type processors, parameter
dictionaries) once per row; for 100k rows of plain ints and strings that costs more than
the database does. Here the statement is compiled once for the connection's dialect (so the
SQL and its parameter style stay portable) and the rows go to the driver as they are.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from sqlalchemy import ColumnElement, Connection
from sqlalchemy.sql.expression import Select, UpdateBase


def executemany(conn: Connection, stmt: UpdateBase, rows: Sequence[Mapping[str, Any]]) -> None:
    """Run `stmt` once per row; values must already be what the driver stores (int, str,
    None), since no SQLAlchemy type processing happens."""
    if not rows:
        return
    compiled = stmt.compile(dialect=conn.dialect)
    order = compiled.positiontup
    if order:  # positional paramstyle (SQLite's qmark): tuples in the compiled order
        conn.exec_driver_sql(compiled.string, [tuple(row[k] for k in order) for row in rows])
    else:  # named paramstyle (psycopg's pyformat): the mappings as they are
        conn.exec_driver_sql(compiled.string, [dict(row) for row in rows])


def fetchall(conn: Connection, stmt: Select[Any]) -> list[Sequence[Any]]:
    """All rows of `stmt` as the driver's tuples: no Row objects, no result processing, so
    only for columns whose driver values are what the caller wants (ints, str, None)."""
    # render_postcompile: IN lists become plain parameters the driver understands.
    compiled = stmt.compile(dialect=conn.dialect, compile_kwargs={"render_postcompile": True})
    params = compiled.construct_params()
    order = compiled.positiontup
    cursor = conn.connection.cursor()
    try:
        cursor.execute(compiled.string, tuple(params[k] for k in order) if order else params)
        return list(cursor.fetchall())
    finally:
        cursor.close()


def binder(conn: Connection, column: ColumnElement[Any]) -> Callable[[Any], Any]:
    """What `column`'s type does to a value it stores on this connection's dialect (e.g. a
    UTC timestamp to SQLite's text form, a dict to JSON): for plain-value executemany."""
    process = column.type.dialect_impl(conn.dialect).bind_processor(conn.dialect)
    return _unchanged if process is None else process


def bind_value(conn: Connection, column: ColumnElement[Any], value: Any) -> Any:
    """`value` as `column`'s type stores it on this connection's dialect."""
    return binder(conn, column)(value)


def _unchanged(value: Any) -> Any:
    return value
