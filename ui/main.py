"""GUI composition root: build the engine, migrate, translate, log in, open the main window."""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Callable
from functools import partial
from pathlib import Path

from platformdirs import user_log_dir
from PySide6.QtCore import QObject, QTimer
from PySide6.QtWidgets import QApplication, QMessageBox

from app.db.engine import APP_NAME, make_engine, make_session_factory
from app.db.migrate import ensure_schema
from app.domain.errors import UserFacingError
from app.i18n import render
from app.security.auth import record_logout
from app.security.checkpoints import save_checkpoint_quietly
from app.security.context import Actor, system_actor
from app.security.masking import install_redaction
from app.services.bootstrap import after_migration
from ui.context import GuiContext
from ui.crash import CrashHandler
from ui.fonts import register_bundled_font
from ui.i18n import Translators
from ui.language import LanguageSwitcher, saved_language
from ui.main_window import MainWindow
from ui.security.session import (
    check_integrity_after_start,
    daily_backup,
    start_session,
    startup_check,
)


def setup_logging() -> Path | None:
    try:
        folder = Path(user_log_dir(APP_NAME, appauthor=False))
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / "cleardesk.log"
        logging.basicConfig(
            filename=path, level=logging.INFO,
            format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        )
        # Logs never hold passwords or full identity numbers / phones (SECURITY.md).
        install_redaction()
        if os.name == "posix":
            path.chmod(0o600)
        return path
    except OSError:
        return None


def open_database(url: str) -> GuiContext | UserFacingError:
    """Engine + migrations; a user-fixable problem is returned to be shown, not raised."""
    engine = make_engine(url)
    try:
        ensure_schema(engine)
        after_migration(engine)
    except UserFacingError as exc:
        engine.dispose()
        return exc
    actor: Actor = system_actor()  # run_gui replaces it with the logged-in user
    return GuiContext(engine, make_session_factory(engine), actor, "en", url)


def run_gui(url: str, lang: str, *,
            login: Callable[[GuiContext], Actor | None] = start_session) -> int:
    """The desktop application until its last window closes. `login` asks who works (the
    first-run administrator, the login dialog); the cold-start bench answers it directly."""
    app = QApplication.instance() or QApplication(sys.argv)
    assert isinstance(app, QApplication)
    app.setApplicationName(APP_NAME)
    app.setOrganizationName(APP_NAME)
    log_path = setup_logging()
    register_bundled_font(app)
    translators = Translators(app)
    translators.install(lang)
    crash = CrashHandler(lang, log_path)
    crash.install()
    # Only the header here: the quick check of the whole file follows the first page.
    problem = startup_check(url, header_only=True)
    if problem is not None:
        QMessageBox.critical(None, app.translate("main", "Cannot open the database"),
                             render(problem, lang))
        return 1
    opened = open_database(url)
    if isinstance(opened, UserFacingError):
        QMessageBox.critical(None, app.translate("main", "Cannot open the database"),
                             opened.text(lang))
        return 1
    if "--lang" not in sys.argv and not os.environ.get("CLEARDESK_LANG"):
        lang = saved_language() or lang  # the language last chosen in the GUI
        translators.install(lang)
        crash.lang = lang
    opened.lang = lang
    daily_backup(opened)
    actor = login(opened)
    if actor is None:
        opened.engine.dispose()
        return 0
    gui = GuiSession(opened, translators, on_language=partial(setattr, crash, "lang"),
                     login=login)
    check_integrity_after_start(gui.open(actor), url)
    code = app.exec()
    del gui
    save_checkpoint_quietly(opened.url, opened.read_sessions)
    opened.engine.dispose()
    crash.uninstall()
    return int(code)


class GuiSession(QObject):
    """One user's main window after another: log out / switch user closes the window (which
    asks about unsaved edits first), records the logout and shows the login dialog again."""

    def __init__(self, ctx: GuiContext, translators: Translators, *,
                 on_language: Callable[[str], None] | None = None,
                 login: Callable[[GuiContext], Actor | None] = start_session) -> None:
        super().__init__()
        self.ctx = ctx
        self.translators = translators
        self.on_language = on_language
        self.login = login  # seam: tests answer the login dialog
        self.switcher: LanguageSwitcher | None = None
        ctx.on_logout = self.log_out

    @property
    def window(self) -> MainWindow | None:
        return self.switcher.window if self.switcher is not None else None

    def open(self, actor: Actor) -> MainWindow:
        self.ctx.actor = actor
        window = MainWindow(self.ctx)
        self.switcher = LanguageSwitcher(self.translators, self.ctx, window,
                                         on_language=self.on_language)
        window.show()
        return window

    def log_out(self) -> bool:
        """End the session; False when the user kept the window (cancelled a question)."""
        window = self.window
        app = QApplication.instance()
        assert isinstance(app, QApplication)
        quit_on_close = app.quitOnLastWindowClosed()
        app.setQuitOnLastWindowClosed(False)
        try:
            if window is not None and not window.close():
                return False
            with self.ctx.transaction() as session:
                record_logout(session, self.ctx.actor)
            if window is not None:
                QTimer.singleShot(0, window.deleteLater)
            actor = self.login(self.ctx)
            if actor is None:
                app.quit()
                return True
            self.open(actor)
            return True
        finally:
            app.setQuitOnLastWindowClosed(quit_on_close)
