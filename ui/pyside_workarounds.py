"""Work around PySide6 6.12.0 dropping a reference to `True` on every `Signal.emit()`.

`SignalInstance.emit()` returns `True` without taking a reference, so each emit from Python
decrements the refcount of `True`. On Python < 3.12 (where `True` is not immortal) the
process aborts with "bool_dealloc: deallocating True or False" after some thousands of
emits — a few minutes of scrolling or one import. We pre-pay a large number of references
once (no memory is used). Harmless where the bug is absent; remove when PySide6 is fixed.
"""

from __future__ import annotations

import ctypes
import sys

_EXTRA_REFERENCES = 1 << 40  # ~10^12 emits


def protect_bool_refcounts() -> bool:
    """Add extra references to True and False on CPython < 3.12; True if it did."""
    if sys.implementation.name != "cpython" or sys.version_info >= (3, 12):
        return False
    for obj in (True, False):
        ctypes.c_ssize_t.from_address(id(obj)).value += _EXTRA_REFERENCES
    return True
