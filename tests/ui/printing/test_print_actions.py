"""Print menu: selection → pre-flight → PDF off the GUI thread → preview; reprints ask."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QItemSelection, QItemSelectionModel, Qt
from pytestqt.qtbot import QtBot
from sqlalchemy import func, select, update

from app.db.models import Batch, Declaration, PrintLog
from app.services.printing import LABEL, Selection
from ui.main_window import MainWindow
from ui.printing.routes import RoutesDialog


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
    actions.confirm_held = _unexpected
    actions.confirm_unknown_destinations = _unexpected
    actions.show_preview = _unexpected
    actions.show_routes = _unexpected
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
    assert window.print_actions.action_routes.isVisible()  # type: ignore[attr-defined]
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
    actions.confirm_held = lambda parent, counts: "all"  # demo parcels are in every status
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
    actions.confirm_held = lambda parent, counts: "all"
    window.print_label(first)  # type: ignore[attr-defined]
    qtbot.waitUntil(lambda: len(sent) == 1, timeout=30000)
    with window.ctx.transaction() as s:
        assert s.scalars(select(PrintLog.declaration_id)).all() == [first]


def _set_statuses(w: MainWindow, qtbot: QtBot, statuses: list[str]) -> list[int]:
    """The first rows of the grid get `statuses`; returns their ids in grid order."""
    model = w.model
    qtbot.waitUntil(lambda: model.data(model.index(0, 2)) not in ("…", None))
    _select_rows(w, qtbot, range(len(statuses)))
    ids = list(w.selected_ids())
    with w.ctx.transaction() as s:
        for decl_id, status in zip(ids, statuses, strict=True):
            s.execute(update(Declaration).where(Declaration.id == decl_id)
                      .values(status=status))
    return ids


def test_held_parcels_ask_first_and_only_the_others_are_printed(
    window: MainWindow, qtbot: QtBot
) -> None:
    actions = window.print_actions  # type: ignore[attr-defined]
    ids = _set_statuses(window, qtbot, ["accepted", "rejected", "cancelled", "ready",
                                        "released"])
    asked: list[dict[str, int]] = []
    previews: list[str] = []
    actions.confirm_missing_glyphs = lambda parent, missing: True
    actions.confirm_held = lambda parent, counts: asked.append(counts) or "others"
    actions.show_preview = lambda parent, path, title: previews.append(path)
    actions.print_parcels(Selection(ids=tuple(ids)), LABEL)
    qtbot.waitUntil(lambda: len(previews) == 1, timeout=30000)
    assert asked == [{"rejected": 1, "cancelled": 1, "ready": 1}]
    with window.ctx.transaction() as s:
        assert sorted(s.scalars(select(PrintLog.declaration_id))) == sorted([ids[0], ids[4]])


def test_held_parcels_cancel_prints_nothing(window: MainWindow, qtbot: QtBot) -> None:
    actions = window.print_actions  # type: ignore[attr-defined]
    ids = _set_statuses(window, qtbot, ["accepted", "rejected"])
    asked: list[dict[str, int]] = []
    actions.confirm_missing_glyphs = lambda parent, missing: True
    actions.confirm_held = lambda parent, counts: asked.append(counts) or "cancel"
    actions.print_parcels(Selection(ids=tuple(ids)), LABEL)
    qtbot.waitUntil(lambda: len(asked) == 1, timeout=30000)
    assert _logged(window) == 0


def test_unreadable_addresses_are_warned_about(window: MainWindow, qtbot: QtBot) -> None:
    actions = window.print_actions  # type: ignore[attr-defined]
    ids = _set_statuses(window, qtbot, ["accepted", "accepted"])
    with window.ctx.transaction() as s:
        s.execute(update(Declaration).where(Declaration.id == ids[1])
                  .values(consigneeAddress="某某路1号", consigneeDistrict=None))
    warned: list[int] = []
    actions.confirm_missing_glyphs = lambda parent, missing: True
    actions.confirm_unknown_destinations = lambda parent, count: warned.append(count) or False
    actions.print_parcels(Selection(ids=tuple(ids)), LABEL)
    qtbot.waitUntil(lambda: warned == [1], timeout=30000)
    assert _logged(window) == 0


def test_route_table_dialog_imports_and_shows_the_table(
    window: MainWindow, qtbot: QtBot, tmp_path: Path
) -> None:
    actions = window.print_actions  # type: ignore[attr-defined]
    dialogs: list[RoutesDialog] = []
    actions.show_routes = dialogs.append
    actions.action_routes.trigger()
    dialog = dialogs[0]
    qtbot.addWidget(dialog)
    assert dialog.table.rowCount() == 0 and dialog.import_button.isEnabled()
    routes = tmp_path / "routes.csv"
    routes.write_text("省,市,区县,分拣码\n广东省,深圳市,南山区,SZ-305\n北京市,,,BJ\n",
                      encoding="utf-8")
    messages: list[str] = []
    dialog.ask_route_file = lambda parent: str(routes)
    dialog.show_message = lambda parent, title, text: messages.append(text)
    qtbot.mouseClick(dialog.import_button, Qt.MouseButton.LeftButton)
    assert messages == ["Imported 2 route(s)."]
    assert [dialog.table.item(r, 0).text() for r in range(2)] == ["BJ", "SZ-305"]
    assert dialog.table.item(1, 1).text() == "广东省深圳市南山区"
    routes.write_text("省,分拣码\n火星,X\n", encoding="utf-8")
    qtbot.mouseClick(dialog.import_button, Qt.MouseButton.LeftButton)
    assert "Row 2: “火星” is not a province" in messages[-1]
    assert dialog.table.rowCount() == 2


def test_printed_pdfs_leave_with_the_window(demo_db: str, qtbot: QtBot,
                                            tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                                            ) -> None:
    """Labels carry names, addresses and telephones: the PDFs a window printed are deleted
    when it closes, and a window that printed nothing leaves no folder behind."""
    import tempfile

    from tests.ui.conftest import main_window

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    with main_window(demo_db, qtbot) as w:
        qtbot.waitUntil(lambda: w.model.ready)
        assert list(tmp_path.glob("cleardesk-print-*")) == []
        actions = w.print_actions  # type: ignore[attr-defined]
        previews: list[str] = []
        actions.show_preview = lambda parent, path, title: previews.append(path)
        actions.confirm_missing_glyphs = lambda parent, missing: True
        actions.confirm_held = lambda parent, counts: "all"
        _select_rows(w, qtbot, range(2))
        actions.action_labels.trigger()
        qtbot.waitUntil(lambda: len(previews) == 1, timeout=30000)
        printed = Path(previews[0])
        assert printed.exists() and printed.parent.parent == tmp_path
        w.close()
        assert not printed.parent.exists()
