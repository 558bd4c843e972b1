"""Grid and editor: "Request cancellation…" and "Register return…" with a reason."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QThreadPool
from pytestqt.qtbot import QtBot
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from app.db.models import Declaration, LifecycleRequest
from app.security.context import Actor
from app.services import settings as settings_service
from tests.factories import make_declaration
from tests.ui.submission.test_submission_gui import BROKER
from ui.context import GuiContext
from ui.main import open_database
from ui.main_window import MainWindow


@pytest.fixture
def ctx(db_url: str, sessions: sessionmaker[Session], actor: Actor,
        tmp_path: Path) -> Iterator[GuiContext]:
    (tmp_path / "exchange").mkdir()
    with sessions() as s, s.begin():
        settings_service.set_settings(s, actor, {**BROKER,
                                                 "exchangeDir": str(tmp_path / "exchange")})
        make_declaration(s, status="accepted", copNo="GUI0001", invtNo="51412026I000000001",
                         preNo="B20261125000000001")
        make_declaration(s, status="released", copNo="GUI0002", invtNo="51412026I000000002",
                         preNo="B20261125000000002")
    opened = open_database(db_url)
    assert not isinstance(opened, Exception)
    yield opened
    QThreadPool.globalInstance().waitForDone(10_000)
    opened.engine.dispose()


def _status(ctx: GuiContext, cop_no: str) -> str:
    with ctx.transaction() as s:
        return str(s.execute(select(Declaration.status)
                             .where(Declaration.copNo == cop_no)).scalar_one())


def _id(ctx: GuiContext, cop_no: str) -> int:
    with ctx.transaction() as s:
        return int(s.execute(select(Declaration.id)
                             .where(Declaration.copNo == cop_no)).scalar_one())


def test_grid_cancel_with_a_reason_and_editor_return(ctx: GuiContext, qtbot: QtBot) -> None:
    window = MainWindow(ctx)
    qtbot.addWidget(window)
    lc = window.lifecycle  # type: ignore[attr-defined]
    texts = [a.text() for a in window.menus["declarations"].actions()]
    assert "Request cancellation…" in texts and "Register return…" in texts
    # The grid's right-click menu offers them to a role that may use them (supervisor here).
    grid = window.grid_actions  # type: ignore[attr-defined]
    offered = [a.text() for a in grid.context_menu(window.model.index(0, 0)).actions()]
    assert "Request cancellation…" in offered and "Register return…" in offered
    asked: list[str] = []
    errors: list[str] = []
    lc.ask_reason = lambda title, prompt: asked.append(prompt) or "包裹丢失"
    lc.show_error = errors.append
    qtbot.waitUntil(lambda: window.model.rowCount() == 2)
    window.select_ids([_id(ctx, "GUI0001")])
    qtbot.waitUntil(lambda: window.selected_ids() == [_id(ctx, "GUI0001")])
    lc.action_cancel.trigger()
    assert asked and "1 declarations" in asked[0]
    assert _status(ctx, "GUI0001") == "cancel_requested"
    with ctx.transaction() as s:
        assert s.execute(select(LifecycleRequest.reason)).scalar_one() == "包裹丢失"

    # The editor of the released parcel: "Request cancellation…" is refused with the reason,
    # "Register return…" records the return.
    editor = window.workspace.open_editor(_id(ctx, "GUI0002"))  # type: ignore[attr-defined]
    assert editor is not None
    qtbot.addWidget(editor)
    cancel_button = editor.findChild(type(editor.save_button), "editor_request_cancellation")
    return_button = editor.findChild(type(editor.save_button), "editor_register_return")
    assert cancel_button is not None and return_button is not None
    cancel_button.click()
    assert errors and "register a return" in errors[0]
    assert _status(ctx, "GUI0002") == "released"
    return_button.click()
    assert _status(ctx, "GUI0002") == "return_requested"
    assert editor.snapshot is not None and editor.snapshot.status == "return_requested"
    window.submission.watcher.stop()  # type: ignore[attr-defined]


def test_no_reason_no_request(ctx: GuiContext, qtbot: QtBot) -> None:
    window = MainWindow(ctx)
    qtbot.addWidget(window)
    lc = window.lifecycle  # type: ignore[attr-defined]
    lc.ask_reason = lambda title, prompt: None
    assert lc.request("cancel", [_id(ctx, "GUI0001")]) is None
    assert _status(ctx, "GUI0001") == "accepted"
    # No waybill sent by this office: "Report signed for" explains instead of sending.
    errors: list[str] = []
    lc.show_error = errors.append
    lc.action_signed.setEnabled(True)
    assert lc.report_signed([_id(ctx, "GUI0002")]) is None
    assert errors and "no waybill" in errors[0]
    window.submission.watcher.stop()  # type: ignore[attr-defined]


def test_settings_dialog_sets_send_waybills(ctx: GuiContext, qtbot: QtBot) -> None:
    from app.services import settings as settings_service
    from ui.workspace.settings_dialog import SettingsDialog

    dialog = SettingsDialog(ctx)
    qtbot.addWidget(dialog)
    assert dialog.edits["sendWaybills"].text() == "no"
    dialog.edits["sendWaybills"].setText("maybe")
    assert not dialog.save()
    assert "sendWaybills" in dialog.message.text()
    dialog.edits["sendWaybills"].setText("yes")
    assert dialog.save()
    with ctx.transaction() as s:
        assert settings_service.all_settings(s)["sendWaybills"] == "yes"
