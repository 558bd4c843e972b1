"""Batches ▸ Batching rules…: a supervisor adds, edits and disables rules (each save approved
in their name and audited); a bad cut-off time is said at its field, in Chinese for a Chinese
desk; a clerk sees the rules read-only and the service refuses a save."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from app.db.models import AuditEvent, BatchRule
from app.security.context import Actor, Role
from tests.ui.conftest import main_window
from ui.autopilot.rules_window import RulesWindow
from ui.main_window import MainWindow

SUP = Actor("wang.sup", Role.SUPERVISOR, None, "desk-1")


@pytest.fixture
def window(db_url: str, qtbot: QtBot) -> Iterator[MainWindow]:
    with main_window(db_url, qtbot) as w:
        w.ctx.actor = SUP
        yield w


def open_rules(w: MainWindow, qtbot: QtBot) -> RulesWindow:
    rules = w.autopilot.open_rules()  # type: ignore[attr-defined]
    assert isinstance(rules, RulesWindow)
    qtbot.addWidget(rules)
    return rules


def rules_in_db(sessions: sessionmaker[Session]) -> dict[str, dict[str, object]]:
    with sessions() as s:
        return {r.name: {"bill": r.bill_no, "cutoffs": r.cutoffs, "size": r.size_limit,
                         "auto": r.auto_submit, "enabled": r.enabled, "by": r.approved_by,
                         "customs": r.customs_code}
                for r in s.execute(select(BatchRule)).scalars()}


def test_a_supervisor_saves_a_rule_approved_and_audited(
        window: MainWindow, sessions: sessionmaker[Session], qtbot: QtBot) -> None:
    rules = open_rules(window, qtbot)
    assert rules.save_button.isEnabled()
    rules.name_edit.setText("下午航班 CZ3456")  # typed through an input method
    qtbot.keyClicks(rules.edits["customs_code"], "5141")
    rules.cutoffs_edit.setText("10:30，16:00")  # a Chinese comma is fine
    rules.size_spin.setValue(300)
    rules.auto_submit_box.setChecked(False)
    assert rules.bill_hint.isVisible()  # no master bill: the rule will wait for one
    qtbot.mouseClick(rules.save_button, Qt.MouseButton.LeftButton)
    assert rules_in_db(sessions) == {"下午航班 CZ3456": {
        "bill": None, "cutoffs": "10:30,16:00", "size": 300, "auto": False, "enabled": True,
        "by": "wang.sup", "customs": "5141"}}
    assert rules.table.rowCount() == 1
    assert rules.table.item(0, 4).text() == "none: waits for one"
    assert rules.table.item(0, 8).text() == "wang.sup"
    assert rules.message.text() == "Rule 下午航班 CZ3456 saved and approved by wang.sup."
    # Edit: the master bill arrives; then disable the rule.
    rules.table.selectRow(0)
    assert rules.name_edit.isReadOnly() and rules.cutoffs_edit.text() == "10:30, 16:00"
    qtbot.keyClicks(rules.edits["bill_no"], "78412345675")
    assert not rules.bill_hint.isVisible()
    rules.save_button.click()
    rules.table.selectRow(0)
    rules.enabled_box.setChecked(False)
    rules.save_button.click()
    saved = rules_in_db(sessions)["下午航班 CZ3456"]
    assert saved["bill"] == "78412345675" and saved["enabled"] is False
    assert rules.table.item(0, 0).text() == "下午航班 CZ3456 (disabled)"
    with sessions() as s:
        events = s.execute(select(AuditEvent.user_name, AuditEvent.details)
                           .where(AuditEvent.action == "autopilot.rule_save")
                           .order_by(AuditEvent.id)).all()
    assert [e.user_name for e in events] == ["wang.sup"] * 3
    assert events[1].details["changes"]["bill_no"] == [None, "78412345675"]
    assert events[2].details["changes"]["enabled"] == [True, False]


def test_a_bad_cutoff_is_said_at_its_field_in_chinese(
        window: MainWindow, sessions: sessionmaker[Session], qtbot: QtBot) -> None:
    window.ctx.lang = "zh_CN"
    rules = open_rules(window, qtbot)
    rules.name_edit.setText("早班")
    qtbot.keyClicks(rules.cutoffs_edit, "10:30, 25:00")
    assert not rules.save()
    error = rules.errors["cutoffs"]
    assert error.isVisible() and "25:00" in error.text() and "截" in error.text()
    assert rules_in_db(sessions) == {}
    rules.name_edit.clear()
    rules.cutoffs_edit.setText("16:00")
    assert not rules.save()
    assert rules.errors["name"].isVisible() and not rules.errors["cutoffs"].isVisible()
    assert rules_in_db(sessions) == {}


def test_a_clerk_sees_the_rules_read_only_and_cannot_save(
        window: MainWindow, sessions: sessionmaker[Session], qtbot: QtBot) -> None:
    rules = open_rules(window, qtbot)
    rules.name_edit.setText("r1")
    assert rules.save()
    window.ctx.actor = Actor("li", Role.CLERK, None, "desk-1")
    clerk = RulesWindow(window.ctx, window)
    qtbot.addWidget(clerk)
    assert clerk.table.rowCount() == 1  # clerks may look
    assert not clerk.save_button.isEnabled() and not clerk.name_edit.isEnabled()
    assert not clerk.cutoffs_edit.isEnabled() and not clerk.enabled_box.isEnabled()
    assert "Only a supervisor" in clerk.note.text()
    clerk.table.selectRow(0)
    clerk.name_edit.setReadOnly(False)
    clerk.size_spin.setValue(7)
    assert not clerk.save()  # even a save forced past the greyed button: the service refuses
    assert "not allowed" in clerk.message.text()
    assert rules_in_db(sessions)["r1"]["size"] == 500


def test_the_transport_mode_is_a_code_a_name_becomes_its_code(
        window: MainWindow, sessions: sessionmaker[Session], qtbot: QtBot) -> None:
    """Every message of the rule's batches carries the transport mode: it must be a code of
    the customs table (a name or alias is turned into its code), said at the field if not."""
    window.ctx.lang = "zh_CN"
    rules = open_rules(window, qtbot)
    rules.name_edit.setText("空运")
    rules.edits["traf_mode"].setText("飞机")
    assert not rules.save()
    error = rules.errors["traf_mode"]
    assert error.isVisible() and "飞机" in error.text() and "运输方式" in error.text()
    assert rules_in_db(sessions) == {}
    rules.edits["traf_mode"].setText("航空运输")
    assert rules.save()
    with sessions() as s:
        assert s.execute(select(BatchRule.traf_mode)).scalar_one() == "5"
