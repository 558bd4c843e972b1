"""Other workstations' changes reach the screens: a background thread waits on a
`ChangeWatcher` (LISTEN on PostgreSQL, the change counter on SQLite) and the GUI thread gets
one `changed` signal per burst of commits, never blocking on the database."""

from __future__ import annotations

import logging
import threading

from PySide6.QtCore import QObject, QTimer, Signal
from sqlalchemy import Engine

from app.db.changes import ChangeWatcher

log = logging.getLogger(__name__)

WAIT_SECONDS = 0.5  # longest wait of one round: also how soon the thread sees a stop
RETRY_SECONDS = 5.0  # after the database went away (a server restart)
SETTLE_MS = 300  # a burst of commits (another's import) refreshes the screens once


class ChangeListener(QObject):
    changed = Signal()  # on the GUI thread, after others (or we) committed declaration changes
    _noticed = Signal()  # from the watcher thread (queued to the GUI thread)

    def __init__(self, engine: Engine, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._engine = engine
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._settle = QTimer(self)
        self._settle.setSingleShot(True)
        self._settle.setInterval(SETTLE_MS)
        self._settle.timeout.connect(self.changed)
        self._noticed.connect(self._on_noticed)

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="change-listener",
                                            daemon=True)
            self._thread.start()

    def stop(self) -> None:
        """Ends the thread (within WAIT_SECONDS) and drops a pending refresh."""
        self._stop.set()
        self._settle.stop()
        if self._thread is not None:
            self._thread.join(WAIT_SECONDS * 4)
            self._thread = None

    def _on_noticed(self) -> None:
        if not self._stop.is_set() and not self._settle.isActive():
            self._settle.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                watcher = ChangeWatcher(self._engine, self._stop)
            except Exception:
                log.warning("Cannot watch for other workstations' changes", exc_info=True)
                self._stop.wait(RETRY_SECONDS)
                continue
            try:
                while not self._stop.is_set():
                    if watcher.wait(WAIT_SECONDS) and not self._stop.is_set():
                        self._noticed.emit()
            except Exception:
                log.warning("Lost the watch for other workstations' changes", exc_info=True)
                self._stop.wait(RETRY_SECONDS)
            finally:
                watcher.close()
