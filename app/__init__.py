"""ClearDesk core: everything a clerk can do, without Qt."""

import gc

__version__ = "0.1.0"

# Start-up: importing the application (SQLAlchemy and its ORM, PySide6, our models) makes a
# few hundred thousand objects that live as long as the process. With the collector's default
# first threshold (700 new objects) it ran ~165 times over them before the GUI's first page
# (~50 ms of CPU, more than the first page's query); with 20,000 a handful of times. A young
# generation of 20,000 objects takes well under a millisecond to scan, so the threshold stays
# for the process's life (the GUI also freezes its start-up heap: see ui.main_window).
START_UP_GC_THRESHOLD = 20_000
if gc.get_threshold()[0] < START_UP_GC_THRESHOLD:
    gc.set_threshold(START_UP_GC_THRESHOLD, *gc.get_threshold()[1:])


def start_up_begins() -> None:
    """A process of the application starts (`cleardesk`, its window): it makes a few hundred
    thousand objects that live as long as it (SQLAlchemy, the ORM, our models, Qt's
    wrappers) and a few hundred garbage ones. Collecting while they are made only scans them
    (~25 ms of `cleardesk list`, ~45 ms before the window's first page): no collection until
    start_up_done(), or until the window's own collector takes over (ui.gc_policy)."""
    gc.disable()


def start_up_done() -> None:
    """The start-up's objects leave the collector's generations (never scanned again) and
    collection resumes for what follows."""
    gc.freeze()
    gc.enable()
