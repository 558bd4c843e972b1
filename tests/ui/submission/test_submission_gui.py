"""Submission in the GUI: batch dialogs, submit with progress, receipts watcher, To fix."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import pytest
from PySide6.QtCore import QThreadPool
from PySide6.QtWidgets import QDialogButtonBox
from pytestqt.qtbot import QtBot
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from app.db.models import Declaration
from app.security.context import Actor
from app.services import settings as settings_service
from app.submission.exchange import ExchangeFolderTransport
from app.submission.simulator import CustomsSimulator
from tests.factories import make_declaration
from ui.context import GuiContext
from ui.main import open_database
from ui.main_window import MainWindow
from ui.submission.batch_dialogs import BatchesDialog, CreateBatchDialog
from ui.submission.fix_dialog import ToFixDialog
from ui.submission.watcher import ExchangeWatcher

BROKER = {"agentCode": "5141980XYZ", "agentName": "广州清关通报关有限公司",
          "copCode": "5141980XYZ", "copName": "广州清关通报关有限公司",
          "dxpId": "DXPENT0000012345"}


@pytest.fixture
def exchange(tmp_path: Path) -> ExchangeFolderTransport:
    (tmp_path / "exchange").mkdir()
    t = ExchangeFolderTransport(tmp_path / "exchange")
    t.available()
    return t


@pytest.fixture
def ctx(db_url: str, sessions: sessionmaker[Session], actor: Actor,
        exchange: ExchangeFolderTransport) -> Iterator[GuiContext]:
    with sessions() as s, s.begin():
        settings_service.set_settings(s, actor, {**BROKER, "exchangeDir": str(exchange.root)})
        for _ in range(6):
            make_declaration(s, status="ready")
        make_declaration(s, status="draft")
    opened = open_database(db_url)
    assert not isinstance(opened, Exception)
    yield opened
    QThreadPool.globalInstance().waitForDone(10_000)
    opened.engine.dispose()


def _statuses(ctx: GuiContext) -> set[str]:
    with ctx.transaction() as s:
        return set(s.execute(select(Declaration.status)).scalars())


def test_create_batch_blocked_then_ok(ctx: GuiContext, qtbot: QtBot) -> None:
    with ctx.transaction() as s:
        ids = list(s.execute(select(Declaration.id).order_by(Declaration.id)).scalars())
    blocked = CreateBatchDialog(ctx, ids)
    qtbot.addWidget(blocked)
    blocked.buttons.button(QDialogButtonBox.StandardButton.Ok).click()
    assert blocked.problems.isVisibleTo(blocked)
    assert "pre-check" in blocked.problems.toPlainText()
    dialog = CreateBatchDialog(ctx, None)
    qtbot.addWidget(dialog)
    dialog.edits["billNo"].setText("78412345675")
    dialog.edits["trafNo"].setText("CZ3102")
    with qtbot.waitSignal(dialog.created) as sig:
        dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).click()
    assert sig.args[0].declarations == 6
    assert "queued" in _statuses(ctx)


def test_create_batch_of_stale_declarations_shows_them_invalid(ctx: GuiContext,
                                                                qtbot: QtBot) -> None:
    with ctx.transaction() as s:
        stale = s.execute(select(Declaration.id).where(Declaration.status == "ready")
                          .limit(1)).scalar_one()
        # Broken behind the pre-check's back: the stored "ready" is stale.
        s.execute(update(Declaration).where(Declaration.id == stale)
                  .values(netWeight=Decimal("0")))
    dialog = CreateBatchDialog(ctx, [stale])
    qtbot.addWidget(dialog)
    with qtbot.waitSignal(dialog.rechecked):
        dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).click()
    assert f"#{stale}" in dialog.problems.toPlainText()
    assert "pre-check found errors" in dialog.problems.toPlainText()
    with ctx.transaction() as s:
        assert s.get(Declaration, stale).status == "invalid"  # type: ignore[union-attr]


def test_submit_then_receipts_then_to_fix(ctx: GuiContext, qtbot: QtBot,
                                          exchange: ExchangeFolderTransport) -> None:
    dialog = CreateBatchDialog(ctx, None)
    qtbot.addWidget(dialog)
    dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).click()
    batches = BatchesDialog(ctx)
    qtbot.addWidget(batches)
    assert batches.table.rowCount() == 1 and batches.submit_button.isEnabled()
    assert batches.table.item(0, 1).text() == "Import (I)"  # the direction in words, not "I"
    asked: list[str] = []
    batches.confirm = lambda q: asked.append(q) is not None  # "No": nothing leaves
    batches.submit_selected()
    assert "(6 parcels) to customs?" in asked[0]
    assert exchange.outbox_files() == [] and batches.table.item(0, 2).text() == "Open"
    batches.confirm = lambda q: True
    with qtbot.waitSignal(batches.changed, timeout=20_000):
        batches.submit_selected()
    assert len(exchange.outbox_files()) == 1
    assert batches.last_message == "1 message file handed to the exchange folder."
    assert batches.table.item(0, 2).text() == "Sent"
    assert not batches.dissolve_button.isEnabled()

    sim = CustomsSimulator(exchange, seed=3, reject_rate=1.0, now=datetime.now())
    sim.run_once()
    watcher = ExchangeWatcher(ctx)
    watcher.reload_settings()
    with qtbot.waitSignal(watcher.scanned, timeout=20_000) as sig:
        watcher.scan()
    state = sig.args[0]
    assert state.online and state.pending == 0 and state.receipts.applied >= 1
    with ctx.transaction() as s:
        rejected = s.execute(select(Declaration.id).where(Declaration.status == "rejected")
                             ).scalars().all()
    assert state.to_fix == len(rejected)

    fix = ToFixDialog(ctx)
    qtbot.addWidget(fix)
    assert fix.tree.topLevelItemCount() + fix.holds.rowCount() >= 1
    if fix.tree.topLevelItemCount():
        fix.tree.setCurrentItem(fix.tree.topLevelItem(0))
        with qtbot.waitSignal(fix.show_declarations) as shown:
            fix.show_button.click()
        assert shown.args[0]
        with qtbot.waitSignal(fix.changed):
            fix.redeclare_button.click()
        assert "re-declared" in fix.last_message
        with ctx.transaction() as s:
            still = s.execute(select(Declaration.id).where(
                Declaration.id.in_(shown.args[0]), Declaration.status == "rejected")).all()
        assert still == []


def test_main_window_has_submission_actions(ctx: GuiContext, qtbot: QtBot) -> None:
    window = MainWindow(ctx)
    qtbot.addWidget(window)
    texts = [a.text() for a in window.menus["batches"].actions()]
    assert "&Batches…" in texts and "&To fix…" in texts
    actions = window.submission  # type: ignore[attr-defined]
    qtbot.waitUntil(lambda: "Pending messages: 0" in actions.exchange_label.text(),
                    timeout=20_000)
    actions.watcher.stop()
    # "Show these parcels" in the To fix list narrows the grid to exactly those ids
    with ctx.transaction() as s:
        ids = list(s.execute(select(Declaration.id).limit(2)).scalars())
    actions._on_show_declarations(ids)
    qtbot.waitUntil(lambda: window.model.rowCount() == 2)


def test_training_database_is_prepared(tmp_path: Path) -> None:
    from ui.submission.training import is_training, prepare_training_database

    url = prepare_training_database(tmp_path)
    assert is_training(url)
    again = prepare_training_database(tmp_path)  # reused, not duplicated
    assert again == url
    opened = open_database(url)
    assert not isinstance(opened, Exception)
    with opened.transaction() as s:
        values = settings_service.all_settings(s)
        count = len(s.execute(select(Declaration.id)).scalars().all())
    opened.engine.dispose()
    assert values["exchangeDir"] == str(tmp_path / "exchange") and values["dxpId"]
    assert count == 300


def test_exchange_folder_set_in_settings_is_online_at_once(
        db_url: str, sessions: sessionmaker[Session], actor: Actor, tmp_path: Path,
        qtbot: QtBot) -> None:
    """"Exchange folder offline" goes away as soon as a working folder is saved (no F6)."""
    with sessions() as s, s.begin():
        settings_service.set_settings(s, actor, {**BROKER,
                                                 "exchangeDir": str(tmp_path / "missing")})
    opened = open_database(db_url)
    assert not isinstance(opened, Exception)
    try:
        window = MainWindow(opened)
        qtbot.addWidget(window)
        label = window.submission.exchange_label  # type: ignore[attr-defined]
        qtbot.waitUntil(lambda: "Exchange folder offline" in label.text(), timeout=20_000)
        (tmp_path / "exchange").mkdir()
        dialog = window.workspace.more.open_settings()  # type: ignore[attr-defined]
        qtbot.addWidget(dialog)
        dialog.edits["exchangeDir"].setText(str(tmp_path / "exchange"))
        assert dialog.save()
        qtbot.waitUntil(lambda: "Exchange folder offline" not in label.text()
                        and "Pending messages" in label.text(), timeout=20_000)
        window.submission.watcher.stop()  # type: ignore[attr-defined]
        window.close()
    finally:
        QThreadPool.globalInstance().waitForDone(10_000)
        opened.engine.dispose()


def test_new_batch_from_all_ready_follows_the_grid_filter_and_warns_of_mixed_carriers(
        ctx: GuiContext, qtbot: QtBot) -> None:
    with ctx.transaction() as s:
        ready = list(s.execute(select(Declaration.id).where(Declaration.status == "ready")
                               .order_by(Declaration.id)).scalars())
        s.execute(update(Declaration).where(Declaration.id.in_(ready[:2]))
                  .values(logisticsCode="4403980A01", logisticsName="顺丰速运"))
        batch_of = {r: s.get(Declaration, r).batch_id for r in ready}  # type: ignore[union-attr]
    assert set(batch_of.values()) == {None}
    window = MainWindow(ctx)
    qtbot.addWidget(window)
    actions = window.submission  # type: ignore[attr-defined]
    actions.watcher.stop()
    # The grid shows two of the six ready parcels: only those go into the batch.
    window.filter_overrides["ids"] = tuple(ready[1:3])
    actions.action_new_batch_ready.trigger()
    dialog = window.findChild(CreateBatchDialog)
    assert dialog is not None
    qtbot.addWidget(dialog)
    assert dialog.ids == ready[1:3]
    assert dialog.scope_label.text() == "2 ready declarations in the current view."
    # One of them is carried by 顺丰, the other by the default company: a warning, and the
    # batch is only made once the clerk confirms they share the master bill.
    assert dialog.logistics_label.isVisibleTo(dialog)
    assert "4403980A01 顺丰速运: 1" in dialog.logistics_label.text()
    dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).click()
    assert "Tick the box" in dialog.problems.toPlainText()
    with ctx.transaction() as s:
        assert s.execute(select(Declaration.id).where(Declaration.batch_id.is_not(None))
                         ).all() == []
    dialog.mixed_check.setChecked(True)
    with qtbot.waitSignal(dialog.created) as sig:
        dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).click()
    assert sig.args[0].declarations == 2
    with ctx.transaction() as s:
        batched = set(s.execute(select(Declaration.id).where(
            Declaration.batch_id.is_not(None))).scalars())
    assert batched == set(ready[1:3])
    window.close()


def test_receipts_summary_names_quarantined_files(ctx: GuiContext, qtbot: QtBot,
                                                  exchange: ExchangeFolderTransport) -> None:
    """A GBK receipt is applied beside a refused one; the status bar names the refused file
    and a half-written one is looked at again once it has settled."""
    from app.submission.receipt_builders import build_inventory_receipt

    with ctx.transaction() as s:
        make_declaration(s, status="sent", copNo="GBK0001")
    utf8 = build_inventory_receipt("CEB622", [{
        "guid": "A" * 36, "copNo": "GBK0001", "preNo": "B20261125000000001",
        "returnStatus": "2", "returnTime": "20261125100000000", "returnInfo": "海关已接收"}])
    gbk = utf8.decode("utf-8").replace("encoding='UTF-8'", "encoding='GBK'").encode("gbk")
    (exchange.inbox / "gbk.xml").write_bytes(gbk)
    (exchange.inbox / "klingon.xml").write_bytes(
        utf8.replace(b"encoding='UTF-8'", b"encoding='x-klingon'"))
    (exchange.inbox / "half.xml").write_bytes(utf8[:100])
    window = MainWindow(ctx)
    qtbot.addWidget(window)
    actions = window.submission  # type: ignore[attr-defined]
    qtbot.waitUntil(lambda: "klingon.xml (encoding)"
                    in window.statusBar().currentMessage(), timeout=20_000)
    assert "1 applied" in window.statusBar().currentMessage()
    assert actions.watcher.settle_timer.isActive()  # half.xml: looked at again later
    actions.watcher.stop()
    with ctx.transaction() as s:
        status = s.execute(select(Declaration.status)
                           .where(Declaration.copNo == "GBK0001")).scalar_one()
    assert status == "accepted"
    fix = ToFixDialog(ctx)
    qtbot.addWidget(fix)
    assert fix.errors.rowCount() == 1 and fix.errors.item(0, 1).text() == "klingon.xml"
    reason = fix.errors.item(0, 2).text()
    assert "x-klingon" in reason and "quarantine record" not in reason
    fix.errors.selectRow(0)
    fix.retry_button.click()
    assert fix.errors.rowCount() == 0
    assert (exchange.inbox / "klingon.xml").exists()


def test_a_linked_inbox_is_named_in_the_status_bar(ctx: GuiContext, qtbot: QtBot,
                                                   exchange: ExchangeFolderTransport,
                                                   tmp_path: Path) -> None:
    (tmp_path / "elsewhere").mkdir()
    exchange.inbox.rmdir()
    exchange.inbox.symlink_to(tmp_path / "elsewhere", target_is_directory=True)
    window = MainWindow(ctx)
    qtbot.addWidget(window)
    actions = window.submission  # type: ignore[attr-defined]
    qtbot.waitUntil(lambda: "inbox is a symbolic link"
                    in window.statusBar().currentMessage(), timeout=20_000)
    actions.watcher.stop()


def test_settings_dialog_refuses_an_unusable_exchange_file_mode(ctx: GuiContext,
                                                                qtbot: QtBot) -> None:
    from ui.workspace.settings_dialog import SettingsDialog

    dialog = SettingsDialog(ctx)
    qtbot.addWidget(dialog)
    dialog.edits["exchangeFileMode"].setText("0755")
    assert not dialog.save()
    assert "exchangeFileMode" in dialog.message.text()
    dialog.edits["exchangeFileMode"].setText("0640")
    assert dialog.save()
    with ctx.transaction() as s:
        assert settings_service.all_settings(s)["exchangeFileMode"] == "0640"


def test_blocked_ones_can_be_left_out_in_one_click(ctx: GuiContext, qtbot: QtBot) -> None:
    """Found walking the clerk's day: one invalid parcel among 24 selected refused the whole
    batch, and the clerk had to find and deselect it by hand."""
    with ctx.transaction() as s:
        ids = list(s.execute(select(Declaration.id).order_by(Declaration.id)).scalars())
        ready = set(s.execute(select(Declaration.id)
                              .where(Declaration.status == "ready")).scalars())
    assert ready and len(ready) < len(ids)
    dialog = CreateBatchDialog(ctx, ids)
    qtbot.addWidget(dialog)
    dialog.edits["billNo"].setText("78412345675")
    dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).click()
    assert dialog.leave_out_button.isVisibleTo(dialog)
    assert f"other {len(ready)}" in dialog.leave_out_button.text()
    with qtbot.waitSignal(dialog.created) as sig:
        dialog.leave_out_button.click()
    assert sig.args[0].declarations == len(ready)
    with ctx.transaction(write=False) as s:
        queued = set(s.execute(select(Declaration.id)
                               .where(Declaration.status == "queued")).scalars())
    assert queued == ready


def test_batch_times_are_shown_on_the_beijing_clock(ctx: GuiContext, qtbot: QtBot) -> None:
    """Found walking the clerk's day: batch B20261205-001 said it was created 2026-12-04
    20:37 (UTC) while the clerk's clock in Shanghai read 04:37 on the 5th."""
    from app.domain.clock import to_beijing
    from app.submission.batches import TransportData, create_batch
    with ctx.transaction() as s:
        summary = create_batch(s, ctx.actor, ids=None, status="ready",
                               transport=TransportData(billNo="78412345675"))
    dialog = BatchesDialog(ctx)
    qtbot.addWidget(dialog)
    col = dialog.COLUMNS.index("created_at")
    shown = dialog.table.item(0, col).text()
    assert summary.created_at is not None
    assert shown == to_beijing(summary.created_at).strftime("%Y-%m-%d %H:%M")
    assert shown != summary.created_at.strftime("%Y-%m-%d %H:%M")


def test_transport_mode_is_picked_by_name_and_a_wrong_code_batches_nothing(
        ctx: GuiContext, qtbot: QtBot) -> None:
    """The batch dialog completes the transport mode from the code table (航空 → 5); a code
    that is not in it is refused with the field named, and no declaration moves or changes."""
    ctx.lang = "zh_CN"
    dialog = CreateBatchDialog(ctx, None)
    qtbot.addWidget(dialog)
    completer = dialog.edits["trafMode"].completer()
    assert completer is not None
    completer.setCompletionPrefix("航空")
    assert completer.currentCompletion().startswith("5 ")
    dialog.edits["trafMode"].setText("Q")
    dialog.edits["billNo"].setText("78412345675")
    dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).click()
    assert dialog.problems.isVisibleTo(dialog)
    assert "Q" in dialog.problems.toPlainText()
    assert "运输方式代码表" in dialog.problems.toPlainText()
    assert _statuses(ctx) == {"ready", "draft"}
    with ctx.transaction() as s:
        batched = select(Declaration.id).where(Declaration.batch_id.is_not(None))
        assert s.execute(batched).first() is None
        assert "Q" not in set(s.execute(select(Declaration.trafMode)).scalars())
    dialog.edits["trafMode"].setText("5")
    with qtbot.waitSignal(dialog.created) as sig:
        dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).click()
    assert sig.args[0].traf_mode == "5"


def test_a_choice_of_import_and_export_parcels_asks_which_kind_the_batch_takes(
        ctx: GuiContext, qtbot: QtBot) -> None:
    """The grid's ready parcels are both import and export: the dialog offers the two kinds
    with their counts instead of a dead end; the batch takes the chosen kind, the others
    stay ready."""
    with ctx.transaction() as s:
        exports = [make_declaration(s, status="ready", ieFlag="E") for _ in range(2)]
        ids = list(s.execute(select(Declaration.id).where(Declaration.status == "ready")
                             .order_by(Declaration.id)).scalars())
    dialog = CreateBatchDialog(ctx, ids)
    qtbot.addWidget(dialog)
    combo = dialog.direction_combo
    assert dialog.direction_row.isVisibleTo(dialog)
    assert [combo.itemText(i) for i in range(combo.count())] == [
        "Import declarations (6)", "Export declarations (2)"]
    assert combo.currentData() == "I"
    with qtbot.waitSignal(dialog.created) as sig:
        dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).click()
    assert sig.args[0].declarations == 6 and sig.args[0].ie_flag == "I"
    with ctx.transaction() as s:
        assert set(s.execute(select(Declaration.status).where(
            Declaration.id.in_(exports))).scalars()) == {"ready"}
    only_exports = CreateBatchDialog(ctx, exports)
    qtbot.addWidget(only_exports)
    assert not only_exports.direction_row.isVisibleTo(only_exports)
