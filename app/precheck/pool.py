"""Rules on a worker pool for big runs: chunks of records go to worker processes, results come
back in order to the one writer (the caller's session). Small runs — an editor's save, an
import of a few files — stay in-process.

Workers are started with "spawn" (no fork of a process that may hold Qt threads or database
connections); each receives the run's CheckContext once, at start. `CLEARDESK_CHECK_WORKERS`
sets the number of workers for runs of at least POOL_MIN declarations; unset or 0, every
check runs in-process.

Off by default: sending built records to the workers costs the writer more than the rules
it hands off (check-100k quick, 2 workers on a loaded 2-core machine: the main process's CPU
went from 3.0 s to 6.0 s). The next step is workers that read their own chunks (id ranges)
and send back only problems and tax; see docs/precheck.md.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Sequence
from concurrent.futures import Future, ProcessPoolExecutor

from app.rules.context import CheckContext, Record
from app.rules.engine import CheckResult, check_records

POOL_MIN = 20_000  # declarations in a run before a pool pays for its start-up
_context: CheckContext | None = None


def workers_for(count: int) -> int:
    """Worker processes for a run over `count` declarations (0: check in-process)."""
    configured = os.environ.get("CLEARDESK_CHECK_WORKERS", "").strip()
    if not configured.isdigit() or count < POOL_MIN:
        return 0
    return min(int(configured), os.cpu_count() or 1, 16)


def _start(ctx: CheckContext) -> None:
    global _context
    _context = ctx


def _check(records: Sequence[Record]) -> list[CheckResult]:
    assert _context is not None
    return check_records(records, _context)


class RulePool:
    """`submit(records)` → a future of `check_records(records, ctx)` on a worker."""

    def __init__(self, ctx: CheckContext, workers: int) -> None:
        self.workers = workers
        self._executor = ProcessPoolExecutor(
            max_workers=workers, mp_context=multiprocessing.get_context("spawn"),
            initializer=_start, initargs=(ctx,))

    def submit(self, records: Sequence[Record]) -> Future[list[CheckResult]]:
        return self._executor.submit(_check, records)

    def close(self) -> None:
        self._executor.shutdown(wait=True, cancel_futures=True)
