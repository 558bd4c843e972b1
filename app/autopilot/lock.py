"""One autopilot per office: a lock every autopilot takes on the database it drives.

PostgreSQL: a session-level advisory lock held by a connection of its own for the whole run
(released by the server if the process dies). SQLite: an exclusive `flock` on a file beside
the database (released by the kernel if the process dies); only processes on the machine that
holds the file can run it, which is where SQLite lives.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, text

from app.domain.errors import ConflictError
from app.i18n import N_

# Any constant the rest of ClearDesk does not use for pg advisory locks ("autopilt").
PG_LOCK_KEY = 0x6175746F70696C74


class AutopilotBusyError(ConflictError):
    def __init__(self) -> None:
        super().__init__(N_("Another autopilot is already running on this office's database; "
                            "only one may run at a time."))


@contextmanager
def office_lock(engine: Engine) -> Iterator[None]:
    """Hold the office's autopilot lock, or raise AutopilotBusyError at once."""
    if engine.dialect.name == "postgresql":
        with engine.connect() as conn:
            got = conn.execute(text("SELECT pg_try_advisory_lock(:k)"),
                               {"k": PG_LOCK_KEY}).scalar_one()
            conn.commit()
            if not got:
                raise AutopilotBusyError()
            try:
                yield
            finally:
                conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": PG_LOCK_KEY})
                conn.commit()
        return
    database = engine.url.database
    if not database or database == ":memory:":
        yield
        return
    path = Path(database).with_name(Path(database).name + ".autopilot.lock")
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        if not _try_lock(fd):
            raise AutopilotBusyError()
        os.ftruncate(fd, 0)
        os.write(fd, str(os.getpid()).encode())
        yield
    finally:
        os.close(fd)


def _try_lock(fd: int) -> bool:
    """An exclusive lock on the open file, without waiting (every window imports this module:
    fcntl exists only on POSIX, so Windows takes msvcrt's byte lock instead)."""
    if sys.platform == "win32":
        import msvcrt

        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True
    import fcntl

    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True
