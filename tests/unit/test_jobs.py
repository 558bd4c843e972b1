"""The job helpers shared by the CLI and the GUI worker."""

from __future__ import annotations

import gc

from app.jobs.base import cyclic_gc_paused


def test_gc_pause_nests_and_restores_the_collector() -> None:
    assert gc.isenabled()
    with cyclic_gc_paused():
        assert not gc.isenabled()
        with cyclic_gc_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()  # the outer pause still runs
    assert gc.isenabled()


def test_gc_pause_leaves_a_collector_disabled_by_someone_else_disabled() -> None:
    gc.disable()
    try:
        with cyclic_gc_paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()
