"""The job contract shared by the CLI and the GUI worker: progress callback + cancel token."""

from __future__ import annotations

import threading
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
