"""PySide6 6.12 drops a reference to None on every call of a method that returns nothing, and
to True on every emit. Without the workaround this test aborts the process (none_dealloc)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from PySide6.QtCore import QObject, QTimer, Signal

import ui  # noqa: F401  (installs the workaround, as the application does)


class _Emitter(QObject):
    changed = Signal()


def test_many_void_calls_and_emits_do_not_free_none_or_true() -> None:
    # More calls than None and True had references before the workaround, whatever that was.
    calls = 300_000
    timer = QTimer()
    emitter = _Emitter()
    for _ in range(calls):
        timer.start(60_000)
        emitter.changed.emit()
    timer.stop()
    assert sys.getrefcount(None) > calls and sys.getrefcount(True) > calls



SCAN_PROBE = """
import linecache
import sys
import app  # as a start does: the application, then the GUI package, then its modules
import ui
import ui.main
feature = sys.modules["shibokensupport.feature"]
ours = feature._mod_uses_pyside
pyside = getattr(ours, "pyside_original", ours)
print("READ", ",".join(n for n in linecache.cache if "/ui/" in n or "/app/" in n))
modules = [m for m in list(sys.modules.values())
           if str(getattr(m, "__file__", "")).endswith(".py")]
print("DIFFER", ",".join(m.__name__ for m in modules if ours(m) != pyside(m)))
print("USES", ",".join(sorted(m.__name__ for m in modules if ours(m))))
"""


def test_pyside_learns_which_modules_use_it_without_reading_them_through_inspect() -> None:
    # PySide6's import hook asks of every module imported after it whether it uses PySide6;
    # it read each one through inspect (~70 ms of a start). Same answers, from the bytes.
    run = subprocess.run([sys.executable, "-c", SCAN_PROBE], capture_output=True, text=True,
                         cwd=Path(__file__).resolve().parents[2], timeout=120,
                         env={**os.environ, "QT_QPA_PLATFORM": "offscreen"})
    assert run.returncode == 0, run.stderr
    lines = {key: rest for key, _, rest in (line.partition(" ")
                                             for line in run.stdout.splitlines())}
    assert lines["READ"] == ""  # no module of ours was read into linecache on import
    assert lines["DIFFER"] == ""  # PySide6's own answer for every module
    assert "ui.main" in lines["USES"].split(",")
