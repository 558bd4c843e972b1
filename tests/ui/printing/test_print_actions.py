"""Print menu: selection → pre-flight → PDF off the GUI thread → preview; reprints ask."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QItemSelection, QItemSelectionModel
from pytestqt.qtbot import QtBot
from sqlalchemy import func, select, update

from app.db.models import Batch, Declaration, PrintLog
from ui.main_window import MainWindow


@pytest.fixture
def window(window: MainWindow) -> MainWindow:
    """The shared main window with every print dialog question replaced."""
    w = window
    actions = w.print_actions  # type: ignore[attr-defined]
    # No modal dialog may block a test: every question fails loudly unless replaced.
    actions.show_error = _unexpected
    actions.ask_batch = _unexpected
    actions.ask_reprint_reason = _unexpected
    actions.confirm_missing_glyphs = _unexpected
    actions.show_preview = _unexpected
    return w


def _unexpected(*args: object) -> None:
    raise AssertionError(f"unexpected dialog: {args[1:]}")


def _select_rows(w: MainWindow, qtbot: QtBot, rows: range) -> None:
    model = w.model
    qtbot.waitUntil(lambda: model.data(model.index(0, 2)) not in ("…", None))
    last = model.columnCount() - 1
    block = QItemSelection(model.index(rows.start, 0), model.index(rows.stop - 1, last))
    w.table.selectionModel().select(block, QItemSelectionModel.SelectionFlag.ClearAndSelect)
    assert len(w.selected_ids()) == len(rows)


def _logged(w: MainWindow) -> int:
    with w.ctx.transaction() as s:
        return int(s.scalar(select(func.count()).select_from(PrintLog)) or 0)


def test_print_menu_has_the_actions(window: MainWindow) -> None:
    texts = [a.text() for a in window.menus["print"].actions()]
    assert texts == ["Labels for selection…", "Labels for a batch…",
                     "CN22/CN23 for selection…", "Manifest for a batch…"]
    assert window.menus["print"].menuAction().isVisible()


def test_labels_for_the_selection_open_the_preview_and_reprint_asks(
    window: MainWindow, qtbot: QtBot
) -> None:
    actions = window.print_actions  # type: ignore[attr-defined]
    previews: list[str] = []
    reasons: list[int] = []
    actions.show_preview = lambda parent, path, title: previews.append(path)
    actions.confirm_missing_glyphs = lambda parent, missing: True
    actions.ask_reprint_reason = lambda parent, count: reasons.append(count) or "jam"
    _select_rows(window, qtbot, range(3))
    actions.action_labels.trigger()
    qtbot.waitUntil(lambda: len(previews) == 1, timeout=30000)
    assert Path(previews[0]).stat().st_size > 1000
    assert _logged(window) == 3 and reasons == []
    _select_rows(window, qtbot, range(3))  # the grid refreshed after printing
    actions.action_labels.trigger()
    qtbot.waitUntil(lambda: len(previews) == 2, timeout=30000)
    assert reasons == [3]
    assert _logged(window) == 6


def test_no_selection_says_so(window: MainWindow) -> None:
    actions = window.print_actions  # type: ignore[attr-defined]
    errors: list[str] = []
    actions.show_error = lambda parent, text: errors.append(text)
    actions.action_labels.trigger()
    assert errors == ["Select the parcels to print first."]


def test_manifest_for_a_batch(window: MainWindow, qtbot: QtBot) -> None:
    with window.ctx.transaction() as s:
        batch = Batch(batch_no="B-GUI", bill_no="999-1")
        s.add(batch)
        s.flush()
        first = s.scalars(select(Declaration.id).order_by(Declaration.id).limit(5)).all()
        s.execute(update(Declaration).where(Declaration.id.in_(first))
                  .values(batch_id=batch.id))
    actions = window.print_actions  # type: ignore[attr-defined]
    previews: list[tuple[str, str]] = []
    actions.show_preview = lambda parent, path, title: previews.append((path, title))
    actions.ask_batch = lambda parent, batches: "B-GUI" if "B-GUI" in batches else None
    actions.action_manifest.trigger()
    qtbot.waitUntil(lambda: len(previews) == 1, timeout=30000)
    assert previews[0][1] == "Manifest B-GUI"


def test_the_scan_station_hook_prints_one_label_per_scan(
    window: MainWindow, qtbot: QtBot
) -> None:
    with window.ctx.transaction() as s:
        first = s.scalars(select(Declaration.id).order_by(Declaration.id).limit(1)).one()
    actions = window.print_actions  # type: ignore[attr-defined]
    sent: list[str] = []
    actions.send_to_printer = lambda parent, path: sent.append(path) or True
    actions.confirm_missing_glyphs = lambda parent, missing: True
    window.print_label(first)  # type: ignore[attr-defined]
    qtbot.waitUntil(lambda: len(sent) == 1, timeout=30000)
    with window.ctx.transaction() as s:
        assert s.scalars(select(PrintLog.declaration_id)).all() == [first]
