"""executemany straight to the DB-API driver, for bulk runs that write plain values.

SQLAlchemy's executemany runs its per-parameter machinery (type processors, parameter
dictionaries) once per row; for 100k rows of plain ints and strings that costs more than
the database does. Here the statement is compiled once for the connection's dialect (so the
SQL and its parameter style stay portable) and the rows go to the driver as they are.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Connection
from sqlalchemy.sql.expression import UpdateBase


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
