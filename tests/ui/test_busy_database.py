"""Another workstation writing for long: the grid still loads, a write says so plainly."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot
from sqlalchemy import text

from app.db import engine as engine_module
from app.domain.errors import DatabaseBusyError
from app.services.queries import DeclarationFilter
from tests.ui.conftest import main_window
from tests.ui.test_crash import RecordingCrashHandler, _raise


def test_grid_reads_while_another_writes_and_a_write_is_refused_plainly(
        sqlite_only: None, demo_db: str, db_path: Path, qtbot: QtBot,
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(engine_module, "BUSY_TIMEOUT_MS", 50)
    monkeypatch.setattr(engine_module, "WRITER_QUEUE_SECONDS", 0.2)
    with main_window(demo_db, qtbot) as w:
        qtbot.waitUntil(lambda: w.model.ready)
        other = sqlite3.connect(db_path, isolation_level=None)  # another workstation's import
        other.execute("BEGIN IMMEDIATE")
        try:
            # Filtering the grid re-reads the database: it does not wait for the writer.
            w.model.set_filter(DeclarationFilter(statuses=("ready",)))
            qtbot.waitUntil(lambda: w.model.ready)
            assert 0 < w.model.rowCount() < 600
            with pytest.raises(DatabaseBusyError) as caught, w.ctx.transaction() as s:
                s.execute(text("UPDATE settings SET value = value"))
        finally:
            other.execute("ROLLBACK")
            other.close()
        handler = RecordingCrashHandler()  # what the clerk sees when a slot hits it
        handler.install()
        try:
            _raise(caught.value)
        finally:
            handler.uninstall()
        ((_, message, details),) = handler.dialogs
        assert message.startswith("另一台工作站或命令正在写入数据库") and details is None
