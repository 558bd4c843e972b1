"""Switch the interface language at run time.

Installs the translators (our catalogues and Qt's own, so standard dialogs follow) and
replaces the main window with a new one built in the new language, carrying over its
geometry, filter, sort, columns and selection. The choice is remembered in QSettings.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QSettings, QTimer

from app.i18n import LANGUAGES
from ui.context import GuiContext
from ui.i18n import Translators
from ui.main_window import MainWindow

LANGUAGE_KEY = "ui/language"


def saved_language(settings: QSettings | None = None) -> str | None:
    value = (settings or QSettings()).value(LANGUAGE_KEY)
    return str(value) if value in LANGUAGES else None


class LanguageSwitcher:
    def __init__(self, translators: Translators, ctx: GuiContext, window: MainWindow,
                 on_language: Callable[[str], None] | None = None) -> None:
        self.translators = translators
        self.ctx = ctx
        self.window = window
        self.on_language = on_language  # e.g. the crash handler's language
        window.language_switcher = self  # type: ignore[attr-defined]

    def switch(self, lang: str) -> MainWindow:
        old = self.window
        if lang == self.ctx.lang:
            return old
        self.translators.install(lang)
        self.ctx.lang = lang
        QSettings().setValue(LANGUAGE_KEY, lang)
        if self.on_language is not None:
            self.on_language(lang)
        view, selected = old.current_view(), old.selected_ids()
        old.columns.save()
        # Closed for good, as by its close button: its background work (the autopilot, the
        # grid's page loads) stops before the new window starts, and nothing queries any more.
        old.closed = True
        old.closing.emit()
        old.model.shutdown()
        new = MainWindow(self.ctx, old.ui_settings)
        new.restoreGeometry(old.saveGeometry())
        new.apply_view(view)
        if selected:
            new.select_ids(selected)
        new.show()
        self.window = new
        new.language_switcher = self  # type: ignore[attr-defined]
        old.hide()
        old.change_listener.stop()
        QTimer.singleShot(0, old.deleteLater)
        return new
