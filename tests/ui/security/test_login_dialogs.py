"""Login, first-run administrator and unlock dialogs against a real database."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtWidgets import QDialog, QLabel, QPushButton
from pytestqt.qtbot import QtBot
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from app.db.models import User
from app.security.auth import LoginOutcome, login
from app.security.context import Actor, Role
from app.security.demo_users import DEMO_ACCOUNTS, add_demo_users
from app.security.passwords import PasswordHasher
from app.security.users import UserService
from ui.context import GuiContext
from ui.main import open_database
from ui.security.login import AdminSetupDialog, ChangePasswordDialog, LoginDialog, UnlockDialog
from ui.security.session import start_session

from .conftest import PASSWORDS


@pytest.fixture
def ctx(db_url: str) -> Iterator[GuiContext]:
    opened = open_database(db_url)
    assert isinstance(opened, GuiContext)
    yield opened
    opened.engine.dispose()


def attempt_with(sessions: sessionmaker[Session], hasher: PasswordHasher):  # type: ignore[no-untyped-def]
    def attempt(name: str, password: str) -> LoginOutcome:
        return login(sessions, name, password, hasher=hasher)

    return attempt


def test_login_dialog_refuses_then_accepts(
    qtbot: QtBot, sessions: sessionmaker[Session], accounts: dict[str, Actor],
    hasher: PasswordHasher,
) -> None:
    dialog = LoginDialog(attempt_with(sessions, hasher), "zh_CN")
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.findChild(object, "demo_box") is None  # not a demo database
    dialog.user_edit.setText("clerk")
    dialog.password_edit.setText("wrong password")
    dialog.accept()
    assert dialog.isVisible() and dialog.result() != QDialog.DialogCode.Accepted
    assert dialog.error_label.text() == "用户名或密码错误。"
    assert dialog.password_edit.text() == ""
    dialog.password_edit.setText(PASSWORDS["clerk"])
    dialog.accept()
    assert dialog.result() == QDialog.DialogCode.Accepted
    assert dialog.actor is not None and dialog.actor.role is Role.CLERK


def test_demo_accounts_are_shown_only_for_a_demo_database(
    qtbot: QtBot, ctx: GuiContext, hasher: PasswordHasher
) -> None:
    shown: list[LoginDialog] = []

    def capture(dialog: QDialog) -> int:
        assert isinstance(dialog, LoginDialog)
        qtbot.addWidget(dialog)
        shown.append(dialog)
        return QDialog.DialogCode.Rejected

    with ctx.transaction() as session:
        add_demo_users(session, hasher)
    assert start_session(ctx, hasher=hasher, exec_dialog=capture) is None
    dialog = shown[0]
    buttons = {b.objectName(): b for b in dialog.findChildren(QPushButton)}
    for account in DEMO_ACCOUNTS:
        button = buttons[f"demo_{account.name}"]
        assert account.password in button.text()
    buttons["demo_supervisor"].click()
    assert dialog.user_edit.text() == "supervisor"
    dialog.accept()
    assert dialog.actor is not None and dialog.actor.role is Role.SUPERVISOR


def test_first_run_creates_the_admin_then_logs_in(
    qtbot: QtBot, ctx: GuiContext, hasher: PasswordHasher
) -> None:
    seen: list[str] = []

    def drive(dialog: QDialog) -> int:
        qtbot.addWidget(dialog)
        seen.append(type(dialog).__name__)
        if isinstance(dialog, AdminSetupDialog):
            dialog.name_edit.setText("boss")
            dialog.password_edit.setText("short")
            assert not dialog.ok_button.isEnabled()
            assert "at least 10" in dialog.hint_label.text()
            dialog.password_edit.setText("Quiet-river-88")
            dialog.confirm_edit.setText("Quiet-river-8")
            assert not dialog.ok_button.isEnabled()
            dialog.confirm_edit.setText("Quiet-river-88")
            assert dialog.ok_button.isEnabled()
            dialog.accept()
        else:
            assert isinstance(dialog, LoginDialog)
            assert dialog.user_edit.text() == "boss"
            dialog.password_edit.setText("Quiet-river-88")
            dialog.accept()
        return dialog.result()

    actor = start_session(ctx, hasher=hasher, exec_dialog=drive)
    assert seen == ["AdminSetupDialog", "LoginDialog"]
    assert actor is not None and (actor.name, actor.role) == ("boss", Role.ADMIN)
    with ctx.transaction() as session:
        assert session.execute(select(User.role).where(User.name == "boss")).scalar() == "admin"


def test_unlock_needs_the_same_users_password(
    qtbot: QtBot, sessions: sessionmaker[Session], accounts: dict[str, Actor],
    hasher: PasswordHasher,
) -> None:
    attempt = attempt_with(sessions, hasher)
    dialog = UnlockDialog("clerk", lambda pw: attempt("clerk", pw), "en")
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.reject()  # Escape does nothing
    assert dialog.isVisible()
    dialog.password_edit.setText("nope")
    dialog.accept()
    assert dialog.isVisible() and "Wrong" in dialog.error_label.text()
    dialog.password_edit.setText(PASSWORDS["clerk"])
    dialog.accept()
    assert dialog.result() == QDialog.DialogCode.Accepted


def test_reset_password_must_be_changed_before_anything_else(
    qtbot: QtBot, ctx: GuiContext, accounts: dict[str, Actor], hasher: PasswordHasher
) -> None:
    with ctx.transaction() as session:
        UserService(session, hasher).change_password(accounts["admin"], "clerk", "Temp-pass-123")
    seen: list[str] = []

    def drive(dialog: QDialog) -> int:
        qtbot.addWidget(dialog)
        seen.append(type(dialog).__name__)
        if isinstance(dialog, LoginDialog):
            dialog.user_edit.setText("clerk")
            dialog.password_edit.setText("Temp-pass-123")
            dialog.accept()
        else:
            assert isinstance(dialog, ChangePasswordDialog)
            assert "clerk" in dialog.findChild(QLabel).text()  # type: ignore[union-attr]
            assert not dialog.ok_button.isEnabled()
            dialog.password_edit.setText("Temp-pass-123")
            dialog.confirm_edit.setText("Temp-pass-123")
            dialog.accept()  # the administrator's password again: refused, dialog stays
            assert dialog.result() != QDialog.DialogCode.Accepted
            assert "different" in dialog.error_label.text()
            dialog.password_edit.setText("Own-secret-456")
            dialog.confirm_edit.setText("Own-secret-456")
            dialog.accept()
        return dialog.result()

    actor = start_session(ctx, hasher=hasher, exec_dialog=drive)
    assert seen == ["LoginDialog", "ChangePasswordDialog"]
    assert actor is not None and not actor.must_change_password
    assert login(ctx.sessions, "clerk", "Own-secret-456", hasher=hasher).actor is not None
    with ctx.transaction() as session:
        assert not session.execute(select(User.must_change_password)
                                   .where(User.name == "clerk")).scalar()


def test_cancelling_the_forced_change_ends_the_session(
    qtbot: QtBot, ctx: GuiContext, accounts: dict[str, Actor], hasher: PasswordHasher
) -> None:
    with ctx.transaction() as session:
        UserService(session, hasher).change_password(accounts["admin"], "clerk", "Temp-pass-123")

    def drive(dialog: QDialog) -> int:
        qtbot.addWidget(dialog)
        if isinstance(dialog, LoginDialog):
            dialog.user_edit.setText("clerk")
            dialog.password_edit.setText("Temp-pass-123")
            dialog.accept()
        else:
            dialog.reject()
        return dialog.result()

    assert start_session(ctx, hasher=hasher, exec_dialog=drive) is None
    with ctx.transaction() as session:
        assert session.execute(select(User.must_change_password)
                               .where(User.name == "clerk")).scalar()
