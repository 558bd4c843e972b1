"""Start of a GUI session (first-run administrator, login) and the security controls of the
main window (Admin menu entries by role, idle lock, current user in the status bar)."""

from __future__ import annotations

import dataclasses
import logging
import sqlite3
import weakref
from collections.abc import Callable
from datetime import date
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QTimer
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QInputDialog,
    QLabel,
    QMainWindow,
    QMenu,
    QMessageBox,
)

from app.db.engine import sqlite_file
from app.domain.errors import UserFacingError
from app.i18n import Message, render, translate
from app.jobs.base import CancelToken, Progress
from app.security.auth import LoginOutcome, login
from app.security.backup import latest_backup
from app.security.context import ROLE_LABELS, Actor, Permission
from app.security.demo_users import demo_accounts
from app.security.idle import IdlePolicy
from app.security.integrity import startup_problem
from app.security.maintenance import DEFAULT_RETENTION, MaintenanceService, backup_dir_for
from app.security.passwords import PasswordHasher
from app.security.pii import require_unmask
from app.security.users import UserService
from app.services.settings import all_settings
from ui.context import GuiContext
from ui.security.idle import IdleWatcher
from ui.security.login import (
    AdminSetupDialog,
    ChangePasswordDialog,
    DemoAccount,
    LoginDialog,
    UnlockDialog,
)
from ui.workers import run_job

if TYPE_CHECKING:
    from ui.main_window import MainWindow

log = logging.getLogger(__name__)

ExecDialog = Callable[[QDialog], int]


def _exec(dialog: QDialog) -> int:
    return dialog.exec()


def start_session(
    ctx: GuiContext,
    *,
    hasher: PasswordHasher | None = None,
    exec_dialog: ExecDialog = _exec,
) -> Actor | None:
    """Ask for the first administrator if there is none, then log in. None when cancelled."""
    hasher = hasher or PasswordHasher()
    with ctx.transaction() as session:
        bootstrap = UserService(session, hasher).needs_bootstrap()
        demo = [DemoAccount(a.name, a.password, translate(ROLE_LABELS[a.role], ctx.lang))
                for a in demo_accounts(session)]
    prefill = ""
    if bootstrap:
        def create(name: str, display: str | None, password: str) -> None:
            with ctx.transaction() as session:
                UserService(session, hasher).add(None, name, "admin", password,
                                                 display_name=display)

        setup = AdminSetupDialog(create, ctx.lang)
        if exec_dialog(setup) != QDialog.DialogCode.Accepted:
            return None
        prefill = setup.created_name or ""

    def attempt(name: str, password: str) -> LoginOutcome:
        return login(ctx.sessions, name, password, hasher=hasher)

    dialog = LoginDialog(attempt, ctx.lang, demo)
    dialog.user_edit.setText(prefill)
    if prefill:
        dialog.password_edit.setFocus()
    if exec_dialog(dialog) != QDialog.DialogCode.Accepted:
        return None
    actor = dialog.actor
    if actor is None or not actor.must_change_password:
        return actor
    old_password = dialog.password_edit.text()

    def change(new_password: str) -> None:
        with ctx.transaction() as session:
            UserService(session, hasher).change_password(actor, actor.name, new_password,
                                                         old_password=old_password)

    forced = ChangePasswordDialog(actor.name, change, ctx.lang)
    if exec_dialog(forced) != QDialog.DialogCode.Accepted:
        return None
    return dataclasses.replace(actor, must_change_password=False)


def hide_forbidden_actions(window: QMainWindow, actor: Actor) -> None:
    """Hide every action whose `permission` property names a permission the role lacks.

    Areas mark their actions with `action.setProperty("permission", Permission.X.value)`.
    """
    for action in window.findChildren(QAction):
        wanted = action.property("permission")
        if wanted:
            try:
                allowed = actor.can(Permission(str(wanted)))
            except ValueError:
                allowed = False
            action.setVisible(allowed)
            action.setEnabled(allowed)
    for menu in window.findChildren(QMenu):
        menu.menuAction().setVisible(any(a.isVisible() and not a.isSeparator()
                                         for a in menu.actions()))


class SecurityControls(QObject):
    """Adds the security actions to the main window and runs the idle lock."""

    def __init__(
        self,
        window: QMainWindow,
        ctx: GuiContext,
        menus: dict[str, QMenu],
        *,
        idle_minutes: int = 15,
        hasher: PasswordHasher | None = None,
    ) -> None:
        super().__init__(window)
        # Weak: the window keeps this object (a Qt child); a strong reference back would make
        # a cycle that keeps a closed window's models alive until the garbage collector runs.
        self._window = weakref.ref(window)
        self.ctx = ctx
        self.hasher = hasher or PasswordHasher()
        self.exec_dialog: ExecDialog = _exec
        self.action_users = self._action(menus["admin"], self.tr("&Users…"),
                                         Permission.USERS, self._on_action_users_triggered)
        self.action_audit = self._action(menus["admin"], self.tr("&Audit trail…"),
                                         Permission.AUDIT, self._on_action_audit_triggered)
        self.action_unmask = self._action(menus["declarations"],
                                          self.tr("Show full &personal data…"), Permission.UNMASK,
                                          self._on_action_unmask_triggered)
        self.action_unmask.setCheckable(True)
        self.ask_reason: Callable[[], str | None] = self._ask_reason
        self.action_lock = QAction(self.tr("Loc&k"), window)
        self.action_lock.setObjectName("action_lock")
        self.action_lock.setShortcut(QKeySequence("Ctrl+L"))
        self.action_lock.triggered.connect(self._on_action_lock_triggered)
        self.action_logout = QAction(self.tr("Log &out / switch user…"), window)
        self.action_logout.setObjectName("action_logout")
        self.action_logout.setShortcut(QKeySequence("Ctrl+Shift+L"))
        self.action_logout.triggered.connect(self._on_action_logout_triggered)
        file_actions = menus["file"].actions()
        menus["file"].insertActions(file_actions[0] if file_actions else None,  # type: ignore[arg-type]
                                    [self.action_lock, self.action_logout])
        self._manual_lock = False
        self.user_label = QLabel(
            f"{ctx.actor.name} ({translate(ROLE_LABELS[ctx.actor.role], ctx.lang)})"
        )
        self.user_label.setObjectName("user_label")
        window.statusBar().addPermanentWidget(self.user_label)
        self.idle = IdleWatcher(IdlePolicy(idle_minutes), parent=self)
        self.idle.idle_timed_out.connect(self._on_idle_idle_timed_out)
        # The application-wide filter (every event of every object through Python) starts
        # with the first page: the first event of one of Qt's own objects (the gesture
        # manager) made PySide6 build every class and enum of QtCore, QtGui and QtWidgets it
        # had not built yet to find that object's class (~40 ms before the first rows).
        after_first_page = getattr(window, "after_first_page", None)
        if after_first_page is not None:
            after_first_page(self._watch_input)
        else:
            self._watch_input()
        hide_forbidden_actions(window, ctx.actor)
        self.action_logout.setVisible(self.can_log_out)
        # Areas installed after this one add their actions later: check again once the
        # event loop runs (before the user can open any menu).
        QTimer.singleShot(0, self, self._on_installed)

    def _watch_input(self) -> None:
        app = QApplication.instance()
        if app is not None:
            app.installEventFilter(self.idle)

    def _on_installed(self) -> None:
        hide_forbidden_actions(self.window, self.ctx.actor)
        self.action_logout.setVisible(self.can_log_out)

    @property
    def window(self) -> QMainWindow:
        window = self._window()
        assert window is not None
        return window

    def _action(self, menu: QMenu, text: str, permission: Permission,
                slot: Callable[[], None]) -> QAction:
        action = QAction(text, self.window)
        action.setObjectName(f"action_{permission.value}")
        action.setProperty("permission", permission.value)
        action.triggered.connect(slot)
        menu.addAction(action)
        return action

    def _on_action_users_triggered(self) -> None:
        from ui.security.users_dialog import UsersDialog  # imported when opened

        self.exec_dialog(UsersDialog(self.ctx, self.hasher, self.window))

    def _on_action_audit_triggered(self) -> None:
        from ui.security.audit_browser import AuditBrowser  # imported when opened

        self.exec_dialog(AuditBrowser(self.ctx, self.window))

    def _on_action_unmask_triggered(self, checked: bool = False) -> None:
        """Supervisors: identity numbers and phones in full, after giving a reason (audited)."""
        model = getattr(self.window, "model", None)
        if not checked:
            if model is not None:
                model.set_personal_data_unmasked(False)
            return
        reason = self.ask_reason()
        if not reason:
            self.action_unmask.setChecked(False)
            return
        try:
            with self.ctx.transaction() as session:
                require_unmask(session, self.ctx.actor, purpose="grid", reason=reason)
        except UserFacingError as exc:
            self.action_unmask.setChecked(False)
            QMessageBox.warning(self.window, self.tr("Show full personal data"),
                                exc.text(self.ctx.lang))
            return
        if model is not None:
            model.set_personal_data_unmasked(True)

    def _ask_reason(self) -> str | None:
        text, ok = QInputDialog.getText(
            self.window, self.tr("Show full personal data"),
            self.tr("Why do you need the full identity numbers and phones? "
                    "(recorded in the audit trail)"),
        )
        return text.strip() if ok else None

    def _on_action_lock_triggered(self) -> None:
        self._manual_lock = True
        self.idle.lock_now()

    @property
    def can_log_out(self) -> bool:
        """Only a real login can end (not the system actor of a database without accounts)."""
        return self.ctx.on_logout is not None and self.ctx.actor.user_id is not None

    def _on_action_logout_triggered(self) -> None:
        if self.ctx.on_logout is not None:
            self.ctx.on_logout()

    def _on_idle_idle_timed_out(self) -> None:
        name = self.ctx.actor.name

        def attempt(password: str) -> LoginOutcome:
            return login(self.ctx.sessions, name, password, hasher=self.hasher)

        manual, self._manual_lock = self._manual_lock, False
        dialog = UnlockDialog(name, attempt, self.ctx.lang, self.window, manual=manual,
                              can_switch_user=self.can_log_out)
        # Nobody walking past may read the grid while the session is locked.
        central = self.window.centralWidget()
        if central is not None:
            central.setVisible(False)
        try:
            self.exec_dialog(dialog)
        finally:
            if central is not None:
                central.setVisible(True)
        if dialog.quit_requested:
            self.window.close()
            return
        self.idle.unlocked()
        if dialog.switch_requested and self.ctx.on_logout is not None:
            self.ctx.on_logout()


def startup_check(url: str, *, header_only: bool = False) -> Message | None:
    """Quick integrity check of a SQLite database (`header_only`: that it is one at all)."""
    path = sqlite_file(url)
    if path is None:
        return None
    return startup_problem(path, latest_backup(backup_dir_for(path)), header_only=header_only)


def stop_on_damage(window: QMainWindow, text: str) -> None:
    """The quick check failed after start-up: say what to do, then close the application."""
    QMessageBox.critical(window, QApplication.translate("main", "Cannot open the database"),
                         text)
    QApplication.exit(1)


def check_integrity_after_start(
    window: MainWindow, url: str, *,
    check: Callable[[str], Message | None] = startup_check,
    on_damage: Callable[[QMainWindow, str], None] = stop_on_damage,
) -> None:
    """The quick check of a SQLite file reads all of it (seconds at a million declarations),
    so it runs on a worker once the grid shows its first page, instead of before the window
    (the composition root checks before anything opens the file that it is a database at
    all). A damaged file then stops the application with the same message as before."""

    def job(progress: Progress, cancel: CancelToken) -> Message | None:
        return check(url)

    def found(problem: Message | None) -> None:
        if problem is not None and not window.closed:
            on_damage(window, render(problem, window.ctx.lang))

    def start() -> None:
        run_job(job, parent=window, on_finished=found)

    window.after_first_page(start)


def daily_backup(ctx: GuiContext, today: date | None = None) -> None:
    """Today's automatic backup, with the retention from the settings; never blocks start-up."""
    with ctx.transaction() as session:
        raw = all_settings(session).get("backupRetention", str(DEFAULT_RETENTION))
    retention = int(raw) if raw.isdigit() else DEFAULT_RETENTION
    try:
        made = MaintenanceService(ctx.url, ctx.engine, ctx.sessions).auto_backup(
            today or date.today(), retention
        )
    except (OSError, UserFacingError, sqlite3.Error):
        log.exception("automatic backup failed")
        return
    if made is not None:
        log.info("automatic backup written: %s", made)
