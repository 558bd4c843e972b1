"""The PySide6 face of ClearDesk."""

from ui.pyside_workarounds import cheap_feature_scan, protect_singleton_refcounts

protect_singleton_refcounts()  # before any Qt call (see the module's docstring)
cheap_feature_scan()  # before the GUI's modules are imported
