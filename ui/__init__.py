"""The PySide6 face of ClearDesk."""

from ui.pyside_workarounds import protect_singleton_refcounts

protect_singleton_refcounts()  # before any Qt call (see the module's docstring)
