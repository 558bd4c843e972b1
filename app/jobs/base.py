"""The job contract shared by the CLI and the GUI worker: progress callback + cancel token."""

from __future__ import annotations

import contextlib
import gc
import threading
from collections.abc import Iterator
from typing import Protocol

from app.domain.errors import Cancelled


class Progress(Protocol):
    def __call__(self, done: int, total: int, message: str = "") -> None: ...


def no_progress(done: int, total: int, message: str = "") -> None:
    """A progress callback that ignores everything."""


class CancelToken:
    """Set from the GUI thread (Cancel button) or a signal handler; checked by the job."""

    def __init__(self) -> None:
        self._event = threading.Event()

    def cancel(self) -> None:
        self._event.set()

    @property
    def cancelled(self) -> bool:
        return self._event.is_set()

    def raise_if_cancelled(self) -> None:
        if self._event.is_set():
            raise Cancelled()


_gc_lock = threading.Lock()
_gc_pauses = 0
_gc_was_enabled = False


@contextlib.contextmanager
def cyclic_gc_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector while a bulk job builds many long-lived objects.

    A bulk import keeps tens of thousands of rows and groups alive at once while creating no
    reference cycles; the collector would otherwise walk all of them again and again (a sixth
    of an import's time). Reference counting still frees everything as usual. Nested and
    concurrent pauses are counted; the collector resumes when the last one ends.
    """
    global _gc_pauses, _gc_was_enabled
    with _gc_lock:
        if _gc_pauses == 0:
            _gc_was_enabled = gc.isenabled()
            gc.disable()
        _gc_pauses += 1
    try:
        yield
    finally:
        with _gc_lock:
            _gc_pauses -= 1
            if _gc_pauses == 0 and _gc_was_enabled:
                gc.enable()
