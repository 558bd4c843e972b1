"""Noticing other workstations' committed changes to declarations.

Migration 0010_sync19 makes the database announce them: on PostgreSQL a statement trigger on
`declarations` sends a NOTIFY on `CHANNEL` (delivered at commit, once per transaction), on
SQLite row triggers move the one counter of `change_marks`. A `ChangeWatcher` holds its own
connection (never one of the pool's that the screens read with) and is used by one background
thread: `wait()` blocks for at most its timeout and says whether anything changed since the
previous call. Our own commits are announced too; screens refresh keeping their place, so an
extra refresh costs one query.
"""

from __future__ import annotations

import threading
from typing import Any

from sqlalchemy import Engine, text

CHANNEL = "cleardesk_changes"  # also in migrations/versions/0010_sync19_change_marks.py
_COUNTER = text("SELECT counter FROM change_marks WHERE id = 1")


class ChangeWatcher:
    """One thread's view of "did declarations change?". `stop` (set by the owner) ends any
    wait early on SQLite; on PostgreSQL a wait ends at its timeout at the latest."""

    def __init__(self, engine: Engine, stop: threading.Event | None = None) -> None:
        self._engine = engine
        self._stop = stop or threading.Event()
        self._listener: Any = None  # the psycopg connection LISTENing (PostgreSQL)
        self._last: int | None = None
        if engine.dialect.name == "postgresql":
            raw = engine.raw_connection()
            conn = raw.driver_connection
            raw.detach()  # ours alone: closed for real, never handed back to the pool
            assert conn is not None
            conn.rollback()
            conn.autocommit = True
            conn.execute(f"LISTEN {CHANNEL}")
            self._listener = conn
        else:
            self._last = self._counter()

    def wait(self, timeout: float) -> bool:
        """Block up to `timeout` seconds; True when declarations changed since the last call."""
        if self._listener is not None:
            conn = self._listener
            got = False
            for _note in conn.notifies(timeout=timeout, stop_after=1):
                got = True
            if got:  # a burst of commits is one change for the screens
                for _note in conn.notifies(timeout=0.0):
                    pass
            return got
        if self._stop.wait(timeout):
            return False
        now = self._counter()
        changed, self._last = now != self._last, now
        return changed

    def close(self) -> None:
        if self._listener is not None:
            self._listener.close()
            self._listener = None

    def _counter(self) -> int:
        with self._engine.connect() as conn:
            return int(conn.execute(_COUNTER).scalar() or 0)
