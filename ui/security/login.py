"""Login dialog, first-run administrator dialog and the unlock dialog of the idle lock.

The dialogs only collect input: the work is a callable handed in by the composition root
(`attempt(name, password) -> LoginOutcome`, `create(name, display, password)`), so tests can
drive them with real services or with stand-ins.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.domain.errors import UserFacingError
from app.i18n import render
from app.security.auth import LoginOutcome
from app.security.context import Actor
from app.security.passwords import PasswordPolicy

LoginAttempt = Callable[[str, str], LoginOutcome]
CreateAdmin = Callable[[str, str | None, str], Any]


@dataclass(frozen=True)
class DemoAccount:
    name: str
    password: str
    role_label: str


def _error_label() -> QLabel:
    label = QLabel()
    label.setObjectName("error_label")
    label.setWordWrap(True)
    label.setStyleSheet("color: #b00020;")
    label.setVisible(False)
    return label


def _password_edit() -> QLineEdit:
    edit = QLineEdit()
    edit.setEchoMode(QLineEdit.EchoMode.Password)
    edit.setMaxLength(1024)
    return edit


class LoginDialog(QDialog):
    """User name and password; shows the demo accounts only for a demo database."""

    def __init__(
        self,
        attempt: LoginAttempt,
        lang: str,
        demo_accounts: Sequence[DemoAccount] = (),
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._attempt = attempt
        self._lang = lang
        self._demo_accounts = tuple(demo_accounts)
        self.actor: Actor | None = None
        self.must_change_password = False
        self._build_ui()
        self._connect_signals()

    def _build_ui(self) -> None:
        self.setWindowTitle(self.tr("ClearDesk — Log in"))
        self.setMinimumWidth(380)
        layout = QVBoxLayout(self)
        form = QFormLayout()
        self.user_edit = QLineEdit()
        self.user_edit.setObjectName("user_edit")
        self.user_edit.setMaxLength(60)
        self.password_edit = _password_edit()
        self.password_edit.setObjectName("password_edit")
        form.addRow(self.tr("User name:"), self.user_edit)
        form.addRow(self.tr("Password:"), self.password_edit)
        layout.addLayout(form)
        self.error_label = _error_label()
        layout.addWidget(self.error_label)
        if self._demo_accounts:
            box = QGroupBox(self.tr("Demo database — sample accounts"))
            box.setObjectName("demo_box")
            box_layout = QVBoxLayout(box)
            for account in self._demo_accounts:
                button = QPushButton(
                    f"{account.name} / {account.password}   ({account.role_label})"
                )
                button.setObjectName(f"demo_{account.name}")
                button.setFlat(True)
                button.clicked.connect(self._demo_filler(account))
                box_layout.addWidget(button)
            layout.addWidget(box)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.setText(self.tr("Log in"))
        ok.setObjectName("login_button")
        layout.addWidget(self.buttons)

    def _connect_signals(self) -> None:
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)

    def _demo_filler(self, account: DemoAccount) -> Callable[[], None]:
        def fill() -> None:
            self.user_edit.setText(account.name)
            self.password_edit.setText(account.password)
            self.password_edit.setFocus()

        return fill

    def show_error(self, text: str) -> None:
        self.error_label.setText(text)
        self.error_label.setVisible(True)

    def accept(self) -> None:
        name = self.user_edit.text().strip()
        if not name:
            self.show_error(self.tr("Enter your user name."))
            self.user_edit.setFocus()
            return
        outcome = self._attempt(name, self.password_edit.text())
        if outcome.error is not None or outcome.actor is None:
            text = outcome.error.text(self._lang) if outcome.error else ""
            self.show_error(text)
            self.password_edit.clear()
            self.password_edit.setFocus()
            return
        self.actor = outcome.actor
        self.must_change_password = outcome.must_change_password
        super().accept()


class _NewPasswordDialog(QDialog):
    """A dialog that sets a password: password and repeat fields, the policy's hints as they
    type, OK enabled only when the policy is met. Subclasses add their own rows and action."""

    def __init__(self, lang: str, policy: PasswordPolicy | None, parent: QWidget | None) -> None:
        super().__init__(parent)
        self._lang = lang
        self._policy = policy or PasswordPolicy()
        self.setMinimumWidth(440)
        self.password_edit = _password_edit()
        self.password_edit.setObjectName("password_edit")
        self.confirm_edit = _password_edit()
        self.confirm_edit.setObjectName("confirm_edit")
        self.hint_label = QLabel()
        self.hint_label.setObjectName("hint_label")
        self.hint_label.setWordWrap(True)
        self.error_label = _error_label()
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)

    def _finish_layout(self, layout: QVBoxLayout) -> None:
        layout.addWidget(self.hint_label)
        layout.addWidget(self.error_label)
        layout.addWidget(self.buttons)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self.password_edit.textChanged.connect(self._on_password_edit_text_changed)
        self.confirm_edit.textChanged.connect(self._on_password_edit_text_changed)
        self._update_hints()

    def _user_name(self) -> str:
        raise NotImplementedError

    def _on_password_edit_text_changed(self, _text: str) -> None:
        self._update_hints()

    def _update_hints(self) -> None:
        password = self.password_edit.text()
        problems = self._policy.problems(password, username=self._user_name())
        lines = [render(p, self._lang) for p in problems]
        if password and self.confirm_edit.text() != password:
            lines.append(self.tr("The two passwords differ."))
        self.hint_label.setText("\n".join(lines))
        self.ok_button.setEnabled(not lines and bool(password) and bool(self._user_name()))

    def _show_error(self, exc: UserFacingError) -> None:
        self.error_label.setText(exc.text(self._lang))
        self.error_label.setVisible(True)


class AdminSetupDialog(_NewPasswordDialog):
    """First run: the database has no accounts yet, so the first administrator is created."""

    def __init__(
        self,
        create: CreateAdmin,
        lang: str,
        policy: PasswordPolicy | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(lang, policy, parent)
        self._create = create
        self.created_name: str | None = None
        self._build_ui()

    def _build_ui(self) -> None:
        self.setWindowTitle(self.tr("ClearDesk — Create the administrator"))
        layout = QVBoxLayout(self)
        intro = QLabel(self.tr(
            "This database has no user accounts yet. Create the administrator account: it "
            "manages users, settings and backups. Clerks and supervisors are added afterwards "
            "under Admin ▸ Users."
        ))
        intro.setWordWrap(True)
        layout.addWidget(intro)
        form = QFormLayout()
        self.name_edit = QLineEdit("admin")
        self.name_edit.setObjectName("name_edit")
        self.display_edit = QLineEdit()
        self.display_edit.setObjectName("display_edit")
        form.addRow(self.tr("User name:"), self.name_edit)
        form.addRow(self.tr("Full name:"), self.display_edit)
        form.addRow(self.tr("Password:"), self.password_edit)
        form.addRow(self.tr("Repeat password:"), self.confirm_edit)
        layout.addLayout(form)
        self.ok_button.setText(self.tr("Create administrator"))
        self.ok_button.setObjectName("create_button")
        self.name_edit.textChanged.connect(self._on_password_edit_text_changed)
        self._finish_layout(layout)

    def _user_name(self) -> str:
        return self.name_edit.text().strip()

    def accept(self) -> None:
        name = self._user_name()
        try:
            self._create(name, self.display_edit.text().strip() or None,
                         self.password_edit.text())
        except UserFacingError as exc:
            self._show_error(exc)
            return
        self.created_name = name
        super().accept()


class UnlockDialog(QDialog):
    """Shown by the idle lock: the same user re-enters the password, or quits."""

    def __init__(
        self,
        user_name: str,
        attempt: Callable[[str], LoginOutcome],
        lang: str,
        parent: QWidget | None = None,
        *,
        manual: bool = False,
        can_switch_user: bool = False,
    ) -> None:
        super().__init__(parent)
        self._attempt = attempt
        self._lang = lang
        self._user_name = user_name
        self._manual = manual
        self._can_switch_user = can_switch_user
        self.quit_requested = False
        self.switch_requested = False
        self._build_ui()
        self._connect_signals()

    def _build_ui(self) -> None:
        self.setWindowTitle(self.tr("ClearDesk — Locked"))
        self.setWindowFlag(Qt.WindowType.WindowCloseButtonHint, False)
        layout = QVBoxLayout(self)
        if self._manual:
            text = self.tr("{name} locked this session. Enter the password to continue.")
        else:
            text = self.tr(
                "The session of {name} was locked after a period without activity. Enter the "
                "password to continue.")
        label = QLabel(text.replace("{name}", self._user_name))
        label.setObjectName("lock_reason")
        label.setWordWrap(True)
        layout.addWidget(label)
        self.password_edit = _password_edit()
        self.password_edit.setObjectName("password_edit")
        layout.addWidget(self.password_edit)
        self.error_label = _error_label()
        layout.addWidget(self.error_label)
        self.buttons = QDialogButtonBox()
        self.unlock_button = self.buttons.addButton(
            self.tr("Unlock"), QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.unlock_button.setObjectName("unlock_button")
        self.quit_button = self.buttons.addButton(
            self.tr("Quit ClearDesk"), QDialogButtonBox.ButtonRole.DestructiveRole
        )
        self.quit_button.setObjectName("quit_button")
        self.switch_button = self.buttons.addButton(
            self.tr("Switch user…"), QDialogButtonBox.ButtonRole.ResetRole
        )
        self.switch_button.setObjectName("switch_button")
        self.switch_button.setVisible(self._can_switch_user)
        layout.addWidget(self.buttons)

    def _connect_signals(self) -> None:
        self.unlock_button.clicked.connect(self.accept)
        self.quit_button.clicked.connect(self._on_quit_button_clicked)
        self.switch_button.clicked.connect(self._on_switch_button_clicked)

    def _on_quit_button_clicked(self) -> None:
        self.quit_requested = True
        super().reject()

    def _on_switch_button_clicked(self) -> None:
        self.switch_requested = True
        super().reject()

    def reject(self) -> None:
        """Escape does not dismiss the lock."""

    def accept(self) -> None:
        outcome = self._attempt(self.password_edit.text())
        self.password_edit.clear()
        if outcome.actor is None or outcome.actor.name != self._user_name:
            text = outcome.error.text(self._lang) if outcome.error else ""
            self.error_label.setText(text)
            self.error_label.setVisible(True)
            return
        super().accept()


class ChangePasswordDialog(_NewPasswordDialog):
    """After an administrator's reset: the user chooses a new password before anything else.
    Cancel ends the session (nothing else is allowed until the password is changed)."""

    def __init__(
        self,
        user_name: str,
        change: Callable[[str], Any],
        lang: str,
        policy: PasswordPolicy | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(lang, policy, parent)
        self._name = user_name
        self._change = change
        self._build_ui()

    def _build_ui(self) -> None:
        self.setWindowTitle(self.tr("ClearDesk — Choose a new password"))
        layout = QVBoxLayout(self)
        intro = QLabel(self.tr(
            "An administrator has reset the password of {name}. Choose a new password that "
            "only you know before you continue."
        ).replace("{name}", self._name))
        intro.setWordWrap(True)
        layout.addWidget(intro)
        form = QFormLayout()
        form.addRow(self.tr("New password:"), self.password_edit)
        form.addRow(self.tr("Repeat password:"), self.confirm_edit)
        layout.addLayout(form)
        self.ok_button.setText(self.tr("Change password"))
        self.ok_button.setObjectName("change_button")
        self._finish_layout(layout)

    def _user_name(self) -> str:
        return self._name

    def accept(self) -> None:
        try:
            self._change(self.password_edit.text())
        except UserFacingError as exc:
            self._show_error(exc)
            return
        super().accept()
