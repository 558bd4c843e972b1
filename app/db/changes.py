"""Noticing other workstations' committed changes to declarations.

On PostgreSQL, migration 0010_sync19's statement trigger on `declarations` sends a NOTIFY on
`CHANNEL` (delivered at commit, once per transaction). On SQLite the watcher reads SQLite's own
change counter (`PRAGMA data_version`), which moves with any commit by another connection: no
write pays for it (a row trigger doubled the cost of a big import), at the price of also
noticing commits that did not touch declarations (a login) — a refresh keeps the screens'
place and costs one query. A `ChangeWatcher` holds its own connection (never one of the
pool's that the screens read with) and is used by one background thread: `wait()` blocks for
at most its timeout and says whether anything changed since the previous call.
"""

from __future__ import annotations

import threading
from typing import Any

from sqlalchemy import Engine

from app.db.engine import sqlite_data_version

CHANNEL = "cleardesk_changes"  # also in migrations/versions/0010_sync19_change_notify.py


class ChangeWatcher:
    """One thread's view of "did declarations change?". `stop` (set by the owner) ends any
    wait early on SQLite; on PostgreSQL a wait ends at its timeout at the latest."""

    def __init__(self, engine: Engine, stop: threading.Event | None = None) -> None:
        self._engine = engine
        self._stop = stop or threading.Event()
        self._listener: Any = None  # the psycopg connection LISTENing (PostgreSQL)
        self._last: int | None = None
        raw = engine.raw_connection()
        conn = raw.driver_connection
        raw.detach()  # ours alone: closed for real, never handed back to the pool
        assert conn is not None
        self._conn: Any = conn
        if engine.dialect.name == "postgresql":
            conn.rollback()
            conn.autocommit = True
            conn.execute(f"LISTEN {CHANNEL}")
            self._listener = conn
        else:
            self._last = sqlite_data_version(conn)

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
        now = sqlite_data_version(self._conn)
        changed, self._last = now != self._last, now
        return changed

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = self._listener = None
