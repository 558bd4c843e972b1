"""The main window as each role sees it; idle lock; users and audit dialogs."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QDialog, QLabel
from pytestqt.qtbot import QtBot
from sqlalchemy import text

from app.security.context import Actor, Role
from app.security.idle import IdlePolicy, IdleTracker
from app.security.passwords import PasswordHasher
from ui.context import GuiContext
from ui.main import open_database
from ui.main_window import MainWindow
from ui.security.audit_browser import AuditBrowser, HistoryPanel
from ui.security.login import UnlockDialog
from ui.security.session import SecurityControls
from ui.security.users_dialog import UsersDialog

from .conftest import PASSWORDS

WindowFactory = Callable[[str], MainWindow]


@pytest.fixture
def make_window(
    demo_db: str, qtbot: QtBot, accounts: dict[str, Actor]
) -> Iterator[WindowFactory]:
    opened: list[GuiContext] = []

    def make(role: str) -> MainWindow:
        ctx = open_database(demo_db)
        assert isinstance(ctx, GuiContext)
        ctx.actor = accounts[role]
        opened.append(ctx)
        window = MainWindow(ctx)
        qtbot.addWidget(window)
        window.show()
        return window

    yield make
    for ctx in opened:
        ctx.engine.dispose()


def controls(window: MainWindow) -> SecurityControls:
    found = window.security  # type: ignore[attr-defined]
    assert isinstance(found, SecurityControls)
    return found


@pytest.mark.parametrize(
    ("role", "users", "audit"),
    [("clerk", False, False), ("supervisor", False, True), ("admin", True, True)],
)
def test_the_window_hides_what_the_role_cannot_do(
    make_window: WindowFactory, role: str, users: bool, audit: bool
) -> None:
    window = make_window(role)
    sec = controls(window)
    assert sec.action_users.isVisible() is users
    assert sec.action_audit.isVisible() is audit
    assert window.menus["admin"].menuAction().isVisible() is (users or audit)
    assert role in sec.user_label.text()


def test_idle_lock_hides_the_grid_until_the_password_is_entered(
    make_window: WindowFactory, hasher: PasswordHasher
) -> None:
    window = make_window("clerk")
    sec = controls(window)
    sec.hasher = hasher
    clock = [0.0]
    sec.idle.tracker = IdleTracker(IdlePolicy(idle_minutes=15), lambda: clock[0])
    seen: list[bool] = []

    def unlock(dialog: QDialog) -> int:
        assert isinstance(dialog, UnlockDialog)
        seen.append(window.centralWidget().isVisible())
        dialog.password_edit.setText("wrong")
        dialog.accept()
        assert "Wrong" in dialog.error_label.text()
        dialog.password_edit.setText(PASSWORDS["clerk"])
        dialog.accept()
        return dialog.result()

    sec.exec_dialog = unlock
    clock[0] = 14 * 60.0
    sec.idle.check()
    assert seen == []
    clock[0] = 15 * 60.0 + 1
    sec.idle.check()
    assert seen == [False]  # the grid was hidden while locked
    assert window.centralWidget().isVisible()
    assert not sec.idle.tracker.locked


def test_typing_in_the_window_keeps_the_idle_lock_away(
    make_window: WindowFactory, qtbot: QtBot
) -> None:
    window = make_window("clerk")
    sec = controls(window)
    clock = [0.0]
    sec.idle.tracker = IdleTracker(IdlePolicy(idle_minutes=15), lambda: clock[0])
    locked: list[QDialog] = []
    sec.exec_dialog = lambda dialog: locked.append(dialog) or 0  # type: ignore[func-returns-value]
    shown: list[bool] = []
    window.after_first_page(lambda: shown.append(True))
    qtbot.waitUntil(lambda: bool(shown), timeout=20_000)  # the clerk sees the rows
    clock[0] = 10 * 60.0
    QTest.keyClicks(window.search_edit, "CP40")  # ten minutes later the clerk types
    clock[0] = 24 * 60.0  # 14 minutes after that: not idle for 15 minutes
    sec.idle.check()
    assert locked == []
    clock[0] = 25 * 60.0 + 1
    sec.idle.check()
    assert len(locked) == 1


def test_lock_action_and_quit_closes_the_window(make_window: WindowFactory) -> None:
    window = make_window("clerk")
    sec = controls(window)

    def quit_(dialog: QDialog) -> int:
        assert isinstance(dialog, UnlockDialog)
        dialog.quit_button.click()
        return dialog.result()

    sec.exec_dialog = quit_
    sec.action_lock.trigger()
    assert not window.isVisible()


def test_users_dialog_adds_disables_and_changes_roles(
    qtbot: QtBot, make_window: WindowFactory, hasher: PasswordHasher
) -> None:
    window = make_window("admin")
    dialog = UsersDialog(window.ctx, hasher)
    qtbot.addWidget(dialog)
    assert dialog.table.rowCount() == 3
    dialog.ask_new_user = lambda: ("wangfang", "王芳", Role.CLERK, "Amber-field-19")
    dialog.add_button.click()
    assert dialog.table.rowCount() == 4
    assert dialog.selected() is not None and dialog.selected().name == "wangfang"  # type: ignore[union-attr]
    assert dialog.selected().must_change_password  # type: ignore[union-attr]
    dialog.toggle_button.click()
    assert not dialog.selected().active  # type: ignore[union-attr]
    dialog.ask_role = lambda user: Role.SUPERVISOR
    dialog.role_button.click()
    assert dialog.selected().role is Role.SUPERVISOR  # type: ignore[union-attr]
    dialog.select_user("admin")
    dialog.toggle_button.click()  # cannot disable yourself
    assert "own account" in dialog.error_label.text()
    dialog.ask_new_user = lambda: ("li", None, Role.CLERK, "short")
    dialog.add_button.click()
    assert "at least 10" in dialog.error_label.text()


def test_audit_browser_filters_and_verifies(
    qtbot: QtBot, make_window: WindowFactory
) -> None:
    window = make_window("supervisor")
    browser = AuditBrowser(window.ctx)
    qtbot.addWidget(browser)
    assert browser.table.rowCount() > 0
    browser.action_combo.setCurrentIndex(browser.action_combo.findData("user_add"))
    browser.reload()
    assert browser.table.rowCount() == 3
    # The action in words, its identifier in the tooltip.
    assert {browser.table.item(r, 4).text() for r in range(3)} == {
        "User clerk added", "User supervisor added", "User admin added"}
    assert {browser.table.item(r, 4).toolTip() for r in range(3)} == {"user_add"}
    browser.verify_button.click()
    assert "intact" in browser.status_label.text()
    with window.ctx.transaction() as session:
        session.execute(text("UPDATE audit_events SET reason = 'x' WHERE id = 2"))
    browser.verify_button.click()
    assert "event 2 was changed" in browser.status_label.text()


def test_history_panel_shows_a_declarations_events_masked(
    qtbot: QtBot, make_window: WindowFactory
) -> None:
    from app.security.audit import record_event

    window = make_window("clerk")
    with window.ctx.transaction() as session:
        record_event(session, window.ctx.actor, "declaration.update", entity="declaration",
                     entity_id=7, declaration_id=7,
                     details={"changes": {"buyerTelephone": ["13812345678", "13987654321"]}})
    panel = HistoryPanel(window.ctx)
    qtbot.addWidget(panel)
    panel.set_declaration(7)
    texts = [panel.table.item(r, 6).text() for r in range(panel.table.rowCount())]
    assert any("138****5678" in t for t in texts)
    assert not any("13812345678" in t for t in texts)


def test_grid_masks_until_a_supervisor_unmasks_with_a_reason(
    make_window: WindowFactory, qtbot: QtBot
) -> None:
    from sqlalchemy import select

    from app.db.models import AuditEvent

    window = make_window("supervisor")
    model = window.model
    keys = [c.key for c in model.columns]
    id_col, phone_col = keys.index("buyerIdNumber"), keys.index("buyerTelephone")

    def cell(col: int) -> str:
        model.fetch_now(0)
        return str(model.data(model.index(0, col)))

    qtbot.waitUntil(lambda: model.rowCount() > 0)
    assert "**********" in cell(id_col) and len(cell(id_col)) == 18
    assert "****" in cell(phone_col)
    sec = controls(window)
    assert sec.action_unmask.isVisible()
    sec.ask_reason = lambda: None  # cancelled: stays masked, nothing audited
    sec.action_unmask.trigger()
    assert not sec.action_unmask.isChecked() and "*" in cell(id_col)
    sec.ask_reason = lambda: "customs asked for buyer 7"
    sec.action_unmask.trigger()
    assert sec.action_unmask.isChecked()
    assert "*" not in cell(id_col) and "*" not in cell(phone_col)
    with window.ctx.transaction() as session:
        event = session.execute(
            select(AuditEvent).where(AuditEvent.action == "unmask")
        ).scalar_one()
        assert (event.user_name, event.reason) == ("supervisor", "customs asked for buyer 7")
    sec.action_unmask.trigger()
    assert "*" in cell(id_col)


def test_clerks_have_no_unmask_action(make_window: WindowFactory) -> None:
    window = make_window("clerk")
    assert not controls(window).action_unmask.isVisible()


def test_a_manual_lock_says_who_locked_it_and_offers_to_switch_user(
    make_window: WindowFactory,
) -> None:
    window = make_window("clerk")
    sec = controls(window)
    switched: list[bool] = []
    window.ctx.on_logout = lambda: switched.append(True)
    texts: list[str] = []

    def answer(dialog: QDialog) -> int:
        assert isinstance(dialog, UnlockDialog)
        texts.append(dialog.findChild(QLabel, "lock_reason").text())
        assert dialog.switch_button.isVisibleTo(dialog)
        dialog.switch_button.click()
        return dialog.result()

    sec.exec_dialog = answer
    sec.action_lock.trigger()
    assert texts and "locked this session" in texts[0]
    assert "without activity" not in texts[0]
    assert switched == [True]


def test_log_out_asks_who_is_next_and_opens_their_window(
    demo_db: str, qtbot: QtBot, accounts: dict[str, Actor]
) -> None:
    from ui.i18n import Translators
    from ui.main import GuiSession

    ctx = open_database(demo_db)
    assert isinstance(ctx, GuiContext)
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    asked: list[str] = []

    def login(c: GuiContext) -> Actor | None:
        asked.append(c.actor.name)
        return accounts["supervisor"]

    gui = GuiSession(ctx, Translators(app), login=login)
    first = gui.open(accounts["clerk"])  # deleted by the log out, so not given to qtbot
    sec = controls(first)
    assert sec.action_logout.isVisible()
    sec.action_logout.trigger()
    assert asked == ["clerk"]
    second = gui.window
    assert second is not None and second is not first
    qtbot.addWidget(second)
    assert not first.isVisible() and second.isVisible()
    assert ctx.actor.name == "supervisor"
    assert "supervisor" in controls(second).user_label.text()
    with ctx.transaction() as s:
        logouts = s.execute(text(
            "SELECT user_name FROM audit_events WHERE action = 'logout'")).scalars().all()
    assert logouts == ["clerk"]
    ctx.engine.dispose()
