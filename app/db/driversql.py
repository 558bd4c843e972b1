"""Bulk reads and executemany straight to the DB-API driver, for runs over plain values.

SQLAlchemy's executemany runs its per-parameter machinery (type processors, parameter
dictionaries) once per row; for 100k rows of plain ints and strings that costs more than
the database does. Here the statement is compiled once for the connection's dialect (so the
SQL and its parameter style stay portable) and the rows go to the driver as they are.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from operator import itemgetter
from typing import Any

from sqlalchemy import ColumnElement, Connection, Dialect
from sqlalchemy.sql.expression import Select, UpdateBase


def executemany(conn: Connection, stmt: UpdateBase, rows: Sequence[Mapping[str, Any]]) -> None:
    """Run `stmt` once per row; values must already be what the driver stores (int, str,
    None), since no SQLAlchemy type processing happens."""
    if not rows:
        return
    sql, order = _compiled(conn.dialect, stmt)
    conn.exec_driver_sql(sql, [tuple(row[k] for k in order) for row in rows])


class DriverStatement:
    """`stmt` for executemany with plain tuples: compiled once per dialect with positional
    parameters (psycopg's `%s` style standing in for its named default), each row a tuple of
    the values of `names` (the statement's bind names) in that order, as the driver stores
    them. Cheaper than `executemany` when the rows are built for it: no mapping per row."""

    def __init__(self, stmt: UpdateBase | Select[Any], names: Sequence[str]) -> None:
        self.stmt, self.names = stmt, tuple(names)
        self._plans: dict[_Kind, tuple[str, Callable[[Any], Any] | None]] = {}

    def executemany(self, conn: Connection, rows: Sequence[tuple[Any, ...]]) -> None:
        if not rows:
            return
        sql, pick = self._plan(conn)
        conn.exec_driver_sql(sql, rows if pick is None else list(map(pick, rows)))

    def fetchall(self, conn: Connection, values: tuple[Any, ...]) -> list[Sequence[Any]]:
        """All rows of the (SELECT) statement with these values as the driver's tuples, as
        `fetchall` reads them."""
        sql, pick = self._plan(conn)
        cursor = conn.connection.cursor()
        try:
            cursor.execute(sql, values if pick is None else pick(values))
            return list(cursor.fetchall())
        finally:
            cursor.close()

    def _plan(self, conn: Connection) -> tuple[str, Callable[[Any], Any] | None]:
        kind = (type(conn.dialect), conn.dialect.paramstyle)
        plan = self._plans.get(kind)
        if plan is None:
            sql, order = _compiled(conn.dialect, self.stmt)
            if not set(order) <= set(self.names):
                raise ValueError(f"bind names {order} are not among {self.names}")
            picks = [self.names.index(k) for k in order]
            # Rows already in the compiled order go as they are.
            pick: Callable[[Any], Any] | None = (
                None if picks == list(range(len(self.names))) else _picker(picks))
            plan = self._plans[kind] = (sql, pick)
        return plan


def _picker(picks: list[int]) -> Callable[[Any], Any]:
    """The values at `picks` of a tuple, as a tuple (itemgetter returns a bare value for one
    index)."""
    if len(picks) == 1:
        only = picks[0]
        return lambda row: (row[only],)
    return itemgetter(*picks)


# Keyed by the dialect's class and parameter style, not the instance: every engine (a test
# makes hundreds) has its own dialect object, all compiling these statements alike.
_Kind = tuple[type[Dialect], str]
_COMPILED: dict[tuple[_Kind, Any], tuple[str, tuple[str, ...]]] = {}


def _compiled(dialect: Dialect, stmt: UpdateBase | Select[Any]) -> tuple[str, tuple[str, ...]]:
    """(SQL with positional parameters, bind names in their order) of `stmt`, compiled once
    per dialect (the statements are module constants)."""
    key = ((type(dialect), dialect.paramstyle), stmt)
    found = _COMPILED.get(key)
    if found is None:
        # psycopg's pyformat takes `%s` and tuples as well
        positional = dialect if dialect.positional \
            else type(dialect)(paramstyle="format")  # type: ignore[call-arg]
        compiled = stmt.compile(dialect=positional)
        order = compiled.positiontup
        assert order is not None
        found = _COMPILED[key] = (compiled.string, tuple(order))
    return found


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
