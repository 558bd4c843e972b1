"""Work around PySide6 6.12.0 dropping references to `True`, `False` and `None`.

`SignalInstance.emit()` returns `True` without taking a reference, and every method that
returns nothing (`QTimer.start()`, `QWidget.update()`, `beginResetModel()` …) returns `None`
without taking one: each call from Python decrements the refcount of that singleton. On
Python < 3.12 (where they are not immortal) the process aborts with "bool_dealloc: deallocating
True or False" or "none_dealloc: deallocating None" after some tens of thousands of calls — an
hour of a clerk's work, or one long import. We pre-pay a large number of references once (no
memory is used). Harmless where the bug is absent; remove when PySide6 is fixed.
"""

from __future__ import annotations

import ctypes
import sys

_EXTRA_REFERENCES = 1 << 40  # ~10^12 calls


def protect_singleton_refcounts() -> bool:
    """Add extra references to True, False and None on CPython < 3.12; True if it did."""
    if sys.implementation.name != "cpython" or sys.version_info >= (3, 12):
        return False
    for obj in (True, False, None):
        ctypes.c_ssize_t.from_address(id(obj)).value += _EXTRA_REFERENCES
    return True
