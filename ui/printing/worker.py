"""Runs a print job off the GUI thread, in its own session and transaction.

The job is `job(session, progress, cancel)`; its result arrives through `succeeded` on the
GUI thread, a user-fixable error through `failed` (translated text), a cancel silently
(`failed` with an empty text). The transaction commits only when the job returns.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QThread, Signal
from sqlalchemy.orm import Session, sessionmaker

from app.domain.errors import Cancelled, UserFacingError
from app.jobs.base import CancelToken

log = logging.getLogger(__name__)

Job = Callable[[Session, Callable[[int, int, str], None], CancelToken], Any]


class PrintWorker(QThread):
    progressed = Signal(int)
    succeeded = Signal(object)
    failed = Signal(str)

    def __init__(self, sessions: sessionmaker[Session], job: Job, parent: QObject | None = None,
                 lang: str = "en") -> None:
        super().__init__(parent)
        self._sessions = sessions
        self._job = job
        self._cancel = CancelToken()
        self._lang = lang

    def cancel(self) -> None:
        self._cancel.cancel()

    def run(self) -> None:
        try:
            with self._sessions() as session, session.begin():
                result = self._job(session, self._on_progress, self._cancel)
        except Cancelled:
            self.failed.emit("")
        except UserFacingError as exc:
            self.failed.emit(exc.text(self._lang))
        except Exception as exc:  # reported to the user; details go to the log
            log.exception("print job failed")
            self.failed.emit(str(exc))
        else:
            self.succeeded.emit(result)

    def _on_progress(self, done: int, _total: int, _message: str) -> None:
        self.progressed.emit(done)
