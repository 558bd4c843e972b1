"""Bench cases register here; `python -m bench` runs them."""

from __future__ import annotations

import importlib
import os
import resource
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")

# Modules under bench/cases/ that define cases (each calls `case(...)` at import).
CASE_MODULES: tuple[str, ...] = (
    "bench.cases.insert",
    "bench.cases.submission",
    "bench.cases.reports",
    "bench.cases.precheck",
    "bench.cases.recheck",
    "bench.cases.intake",
    "bench.cases.printing",
    "bench.cases.grid",
    "bench.cases.station",
    "bench.cases.reference",
    "bench.cases.lifecycle",
    "bench.cases.export_flow",
    "bench.cases.startup",
    "bench.cases.bundle",
    "bench.cases.office",
    "bench.cases.catalogue",
    "bench.cases.suggest",
    "bench.cases.dashboard",
    "bench.cases.autopilot",
)


@dataclass(frozen=True)
class Outcome:
    ours: float
    baseline: float | None
    notes: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Case:
    name: str
    target: float | None  # ratio ours/baseline must be ≤ target
    run: Callable[[bool], Outcome]  # run(quick) -> Outcome


CASES: dict[str, Case] = {}


def case(name: str, target: float | None) -> Callable[[Callable[[bool], Outcome]],
                                                       Callable[[bool], Outcome]]:
    def deco(fn: Callable[[bool], Outcome]) -> Callable[[bool], Outcome]:
        CASES[name] = Case(name, target, fn)
        return fn

    return deco


def load_cases() -> dict[str, Case]:
    for mod in CASE_MODULES:
        importlib.import_module(mod)
    return CASES


@contextmanager
def stopwatch() -> Iterator[Callable[[], float]]:
    start = time.perf_counter()
    end: list[float] = []
    yield lambda: (end[0] if end else time.perf_counter()) - start
    end.append(time.perf_counter())


def best_of(ours: Callable[[], T], bare: Callable[[], object], rounds: int = 3
            ) -> tuple[float, float, T]:
    """(best time of `ours`, best time of `bare`, the last result of `ours`) over `rounds`
    alternating runs: the one timing loop the build-and-validate cases share."""
    ours_times, bare_times = [], []
    result: T | None = None
    for _ in range(rounds):
        with stopwatch() as b:
            bare()
        bare_times.append(b())
        with stopwatch() as o:
            result = ours()
        ours_times.append(o())
    assert result is not None
    return min(ours_times), min(bare_times), result


@contextmanager
def cpu_clock() -> Iterator[Callable[[], float]]:
    """Like `stopwatch`, in CPU seconds of this process (all its threads). On this shared
    machine wall time swings with the neighbours' load; CPU time of work done in-process (the
    C libraries included) compares two sides more steadily. The CPU time of finished child
    processes counts too: spreadsheets are read in one (app/intake/sheetworker.py)."""

    def now() -> float:
        t = os.times()
        return time.process_time() + t.children_user + t.children_system

    start = now()
    end: list[float] = []
    yield lambda: (end[0] if end else now()) - start
    end.append(now())


@contextmanager
def scratch_dir() -> Iterator[Path]:
    base = os.environ.get("CLEARDESK_BENCH_DIR")
    with tempfile.TemporaryDirectory(dir=base) as d:
        yield Path(d)


def peak_rss_mb() -> float:
    """Peak resident set size of this process so far (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
