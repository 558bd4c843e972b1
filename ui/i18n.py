"""Qt side of translations: our PO catalogues behind a QTranslator, plus Qt's own dialogs."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QLibraryInfo, QLocale, QTranslator

from app.i18n import translate


def _is_qt_context(context: str) -> bool:
    """Qt's own classes (QPlatformTheme, QMessageBox, QFileDialog …). Our catalogues have no
    context, so our "OK" (a scan outcome, 正常) must not become every dialog's OK button."""
    return len(context) > 1 and context[0] == "Q" and context[1].isupper()


class CatalogueTranslator(QTranslator):
    """Serves `tr()` from resources/i18n/<lang>/*.po (the same catalogues the core uses)."""

    def __init__(self, lang: str, parent: QCoreApplication | None = None) -> None:
        super().__init__(parent)
        self.lang = lang

    def translate(  # type: ignore[override]
        self, context: str, source: str, disambiguation: str | None = None, n: int = -1
    ) -> str | None:
        if _is_qt_context(context):
            return None  # Qt's own buttons and dialogs: Qt's catalogue knows them in context
        text = translate(source, self.lang)
        # None becomes a null QString, which tells Qt "no translation here": it asks the next
        # translator (Qt's own qtbase catalogue), then falls back to the source text. An empty
        # string would be taken as the translation and blank the widget.
        return None if text == source else text

    def isEmpty(self) -> bool:
        return False


class Translators:
    """Installs and swaps the translators of one QApplication (language switch at run time)."""

    def __init__(self, app: QCoreApplication) -> None:
        self.app = app
        self.installed: list[QTranslator] = []
        self.lang = "en"

    def install(self, lang: str) -> None:
        for t in self.installed:
            self.app.removeTranslator(t)
        self.installed = []
        self.lang = lang
        if lang != "en":
            qt = QTranslator(self.app)
            path = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
            if qt.load(QLocale(lang), "qtbase", "_", path):
                self.app.installTranslator(qt)
                self.installed.append(qt)
        ours = CatalogueTranslator(lang, self.app)  # parented: lives as long as the app
        self.app.installTranslator(ours)
        self.installed.append(ours)
        QLocale.setDefault(QLocale(lang if lang != "en" else "en_US"))
