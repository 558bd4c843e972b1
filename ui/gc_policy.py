"""Python's cyclic garbage collector runs on the GUI thread, between events, never inside Qt.

Left to itself the collector runs in whichever thread allocates past its threshold: inside
`DeclarationTableModel.data()` while Qt paints the grid, or on a page loader's thread. A
collection frees every unreachable cycle at that moment, Qt wrappers included, and a Qt object
deleted in the middle of a paint (or off its thread) crashed the process now and then
("Fatal Python error: Segmentation fault … Garbage-collecting … model.py in data"). So the GUI
turns automatic collection off and runs the same generational collections from a timer of the
event loop, where no Qt call is on the stack. CLI processes keep Python's default.
"""

from __future__ import annotations

import gc

from PySide6.QtCore import QCoreApplication, QObject, QTimer

INTERVAL_MS = 200  # how often the GUI looks whether a collection is due (a few µs when not)


class GuiThreadCollector(QObject):
    """Collects like Python's automatic collector would (same thresholds and generations),
    from the event loop of the GUI thread."""

    def __init__(self, app: QCoreApplication, interval_ms: int = INTERVAL_MS) -> None:
        super().__init__(app)
        self.setObjectName("gui_thread_collector")
        self.collections = 0
        self._timer = QTimer(self)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self._on_timer_timeout)
        gc.disable()
        self._timer.start()

    def collect_if_due(self) -> int:
        """Run the generation Python would run now; the number of objects freed."""
        threshold0, threshold1, threshold2 = gc.get_threshold()
        count0, count1, count2 = gc.get_count()
        if count0 <= threshold0:
            return 0
        generation = 0
        if count1 > threshold1:
            generation = 2 if count2 > threshold2 else 1
        self.collections += 1
        return gc.collect(generation)

    def stop(self) -> None:
        """Hand collection back to Python (the application is going)."""
        self._timer.stop()
        gc.enable()

    def _on_timer_timeout(self) -> None:
        self.collect_if_due()


def collect_on_gui_thread() -> GuiThreadCollector | None:
    """Install the collector once per application (idempotent); None without one."""
    app = QCoreApplication.instance()
    if app is None:
        return None
    found = app.findChild(GuiThreadCollector, "gui_thread_collector")
    if isinstance(found, GuiThreadCollector):
        if not found._timer.isActive():
            gc.disable()
            found._timer.start()
        return found
    return GuiThreadCollector(app)
