"""Work around PySide6 6.12.0 dropping references to `True`, `False` and `None`, and make its
import hook cheap.

`SignalInstance.emit()` returns `True` without taking a reference, and every method that
returns nothing (`QTimer.start()`, `QWidget.update()`, `beginResetModel()` …) returns `None`
without taking one: each call from Python decrements the refcount of that singleton. On
Python < 3.12 (where they are not immortal) the process aborts with "bool_dealloc: deallocating
True or False" or "none_dealloc: deallocating None" after some tens of thousands of calls — an
hour of a clerk's work, or one long import. We pre-pay a large number of references once (no
memory is used). Harmless where the bug is absent; remove when PySide6 is fixed.

`cheap_feature_scan()`: once PySide6 is loaded, its `__feature__` support asks of every module
imported after it whether its source mentions "PySide6" (PYSIDE-2029), through
`inspect.getsource`: each module's file is read, decoded, split into lines and kept in
`linecache`. That was ~70 ms of CPU before the first page (~350 modules). The same question is
answered from the file's bytes.
"""

from __future__ import annotations

import ctypes
import sys
from types import ModuleType
from typing import Any

_EXTRA_REFERENCES = 1 << 40  # ~10^12 calls


def protect_singleton_refcounts() -> bool:
    """Add extra references to True, False and None on CPython < 3.12; True if it did."""
    if sys.implementation.name != "cpython" or sys.version_info >= (3, 12):
        return False
    for obj in (True, False, None):
        ctypes.c_ssize_t.from_address(id(obj)).value += _EXTRA_REFERENCES
    return True


def cheap_feature_scan() -> bool:
    """Answer PySide6's "does this module use PySide6?" from the source file's bytes instead
    of `inspect.getsource` (same answer: the text "PySide6" in the source); True if installed.
    Modules without a `.py` file get PySide6's own answer."""
    import shiboken6  # noqa: F401  (loads shibokensupport, whose hook this replaces)

    feature: Any = sys.modules.get("shibokensupport.feature")
    original = getattr(feature, "_mod_uses_pyside", None)
    if original is None or getattr(original, "pyside_original", None) is not None:
        return False

    def mod_uses_pyside(module: ModuleType) -> bool:
        path = getattr(module, "__file__", None)
        if isinstance(path, str) and path.endswith(".py"):
            try:
                with open(path, "rb") as source:
                    return b"PySide6" in source.read()
            except OSError:
                pass
        return bool(original(module))

    mod_uses_pyside.pyside_original = original  # type: ignore[attr-defined]
    feature._mod_uses_pyside = mod_uses_pyside
    return True
