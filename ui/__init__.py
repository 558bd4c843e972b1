"""The PySide6 face of ClearDesk."""

from ui.pyside_workarounds import protect_bool_refcounts

protect_bool_refcounts()  # before any signal is emitted (see the module's docstring)
