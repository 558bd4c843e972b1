"""`cleardesk screenshot FILE`: the main window drawn offscreen into a PNG.

For support (a picture of what the clerk's ClearDesk shows, without a display) and for the
installed-package checks in CI: it starts the same Qt stack as the GUI (platform plugin,
bundled font, translations, the main window with every area) and saves the first full paint.
The caller (the CLI) has logged the user in already.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

from PySide6.QtCore import QEventLoop, QLocale, QTimer
from PySide6.QtWidgets import QApplication

from app.db.engine import APP_NAME
from app.domain.errors import UserFacingError
from app.security.context import Actor
from ui.fonts import register_bundled_font
from ui.i18n import Translators
from ui.main import open_database
from ui.main_window import MainWindow

TIMEOUT_MS = 60_000


def save_main_window(url: str, lang: str, actor: Actor, out: Path,
                     size: tuple[int, int] = (1280, 720)) -> float:
    """Draw the main window on `url` into `out`; returns the seconds until it was painted
    with its rows (from the QApplication's creation)."""
    app = QApplication.instance()
    if app is None:
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
        app = QApplication([sys.argv[0]])
        app.setApplicationName(APP_NAME)
        app.setOrganizationName(APP_NAME)
    assert isinstance(app, QApplication)
    started = time.perf_counter()
    register_bundled_font(app)
    locale = QLocale()
    translators = Translators(app)
    translators.install(lang)
    try:
        return _draw(url, lang, actor, out, size, started)
    finally:  # leave a running application (a test's, a caller's) in its own language
        for translator in translators.installed:
            app.removeTranslator(translator)
        QLocale.setDefault(locale)


def _draw(url: str, lang: str, actor: Actor, out: Path,
          size: tuple[int, int], started: float) -> float:
    opened = open_database(url)
    if isinstance(opened, UserFacingError):
        raise opened
    opened.actor = actor
    opened.lang = lang
    window = MainWindow(opened)
    try:
        window.resize(*size)
        window.show()
        _wait(lambda: window.model.ready)
        image = window.grab()
        seconds = time.perf_counter() - started
        out.parent.mkdir(parents=True, exist_ok=True)
        if not image.save(str(out), "PNG"):
            raise OSError(f"cannot write {out}")
        return seconds
    finally:
        window.close()
        window.deleteLater()
        opened.engine.dispose()


def _wait(done: object) -> None:
    assert callable(done)
    loop = QEventLoop()
    poll = QTimer()
    poll.setInterval(5)
    poll.timeout.connect(lambda: loop.quit() if done() else None)
    poll.start()
    QTimer.singleShot(TIMEOUT_MS, loop.quit)
    if not done():
        loop.exec()
    poll.stop()
    QApplication.processEvents()
