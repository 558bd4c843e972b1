"""Rules on a worker pool for big runs. Each worker process reads its own chunks (id ranges or
id lists) through its own database connection, builds the records, runs the rules and sends
back only what the one writer stores (app.precheck.worker): counts, problems, tax, goods
value, fingerprints, legal quantities to fill. Nothing built travels to a worker. Small runs —
an editor's save, a fix-queue move — stay in-process.

Workers are started with "spawn" (no fork of a process that may hold Qt threads or database
connections) when a run starts; their start-up overlaps the writer's cross-record SQL.

How many: `CLEARDESK_CHECK_WORKERS` when set (0: always in-process), else one per core but
the writer's on a machine with at least MIN_CORES (two: one worker beside the writer took a
big check from 7.1x to 4.3x the bare read on a quiet machine, docs/precheck.md); only for
runs of at least POOL_MIN declarations left to check, only on a SQLite file or a PostgreSQL
server, and only when the caller's transaction has written nothing yet: workers read what is
committed, so a transaction holding its own uncommitted rows is checked in-process, where they
are visible.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from datetime import date
from types import TracebackType
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from app.db.engine import sqlite_file, uncommitted_writes
from app.domain.errors import UserFacingError
from app.i18n import N_
from app.reference.tables import ReferenceTables

POOL_MIN = 20_000  # declarations in a run before a pool pays for its start-up
# Two cores are enough: with the writer checking spans itself while its one worker is busy
# (app.precheck.parallel), check-100k on a quiet 2-core machine took 8.8 s with a worker
# against 14.5 s in-process (4.32x vs 7.12x the bare read, docs/precheck.md). On a machine
# busy with other work the worker gains nothing (it came out 10-25 % slower at load 3-5):
# CLEARDESK_CHECK_WORKERS=0 keeps every check in-process there.
MIN_CORES = 2
MAX_WORKERS = 16
# The function a worker runs per task (a seam: tests put one there that crashes).
CHUNK_TASK: Callable[[Any], Any] | None = None


class CheckWorkerError(UserFacingError):
    """A worker process of a big check stopped; the caller's transaction is rolled back."""

    def __init__(self) -> None:
        super().__init__(N_("A pre-check worker process stopped unexpectedly, so nothing was "
                            "stored. Try again; if it happens again, set "
                            "CLEARDESK_CHECK_WORKERS=0 to check in one process."))


def configured_workers() -> int:
    """Worker processes for a big run: `CLEARDESK_CHECK_WORKERS`, else one per core but the
    writer's own on a machine with at least MIN_CORES (fewer: in-process)."""
    configured = os.environ.get("CLEARDESK_CHECK_WORKERS", "").strip()
    cores = os.cpu_count() or 1
    if configured.isdigit():
        return min(int(configured), MAX_WORKERS)
    return min(cores - 1, MAX_WORKERS) if cores >= MIN_CORES else 0


def workers_for(count: int) -> int:
    """Worker processes for a run over `count` declarations (0: check in-process)."""
    return configured_workers() if count >= POOL_MIN else 0


def worker_url(session: Session) -> str | None:
    """The URL a worker opens its own connection with: a SQLite file or a PostgreSQL
    server (an in-memory database or another backend: None, check in-process)."""
    bind = session.get_bind()
    engine = bind if isinstance(bind, Engine) else bind.engine
    url = engine.url
    if url.get_backend_name() == "postgresql":
        return url.render_as_string(hide_password=False)
    if url.get_backend_name() == "sqlite" and sqlite_file(str(url)) is not None:
        return str(url)
    return None


def workers_for_run(session: Session, count: int) -> int:
    """Worker processes for checking `count` declarations in `session`: 0 for a small run,
    when configured off, for a database a worker cannot open, and when the session's
    transaction holds uncommitted writes (the workers would not see them)."""
    workers = workers_for(count)
    if not workers or worker_url(session) is None:
        return 0
    session.flush()
    if uncommitted_writes(session.connection()):
        return 0
    return workers


class WorkerPool:
    """Spawned worker processes, each with its own read-only connection to `url`, that run
    `app.precheck.worker.check_task` on the tasks submitted. Use as a context manager."""

    def __init__(self, url: str, workers: int, *, ref: ReferenceTables | None,
                 today: date) -> None:
        from app.precheck import worker

        self.workers = workers
        self._task = CHUNK_TASK or worker.check_task
        self._executor = ProcessPoolExecutor(
            max_workers=workers, mp_context=multiprocessing.get_context("spawn"),
            initializer=worker.start, initargs=(url, ref, today))
        # Start every worker now (a process is spawned per submit while none is idle): their
        # imports and reference loading overlap the writer's cross-record SQL.
        for _ in range(workers):
            self._executor.submit(worker.ready)

    def submit(self, task: Any) -> Future[Any]:
        return self._executor.submit(self._task, task)

    def close(self) -> None:
        self._executor.shutdown(wait=True, cancel_futures=True)

    def __enter__(self) -> WorkerPool:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()


def result_of(future: Future[Any]) -> Any:
    """A task's result; a worker that died (killed, out of memory, crashed) becomes a
    CheckWorkerError."""
    try:
        return future.result()
    except BrokenProcessPool as exc:
        raise CheckWorkerError() from exc
