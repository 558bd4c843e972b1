from __future__ import annotations

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QApplication

from ui.i18n import Translators


def test_untranslated_text_falls_through_to_qt_and_source(qapp: QApplication) -> None:
    translators = Translators(qapp)
    try:
        translators.install("en")
        assert QCoreApplication.translate("x", "&File") == "&File"
        translators.install("zh_CN")
        assert QCoreApplication.translate("x", "&File") == "文件(&F)"  # our catalogue
        assert QCoreApplication.translate("x", "not in any catalogue") == "not in any catalogue"
        # Qt's own strings still come from Qt's zh_CN catalogue.
        assert QCoreApplication.translate("QPlatformTheme", "Discard") == "丢弃"
        # Found walking the clerk's day: our "OK" (a scan outcome: 正常) labelled every
        # message box's OK button. Qt's own classes keep Qt's words.
        assert QCoreApplication.translate("QPlatformTheme", "OK") == "确定"
        assert QCoreApplication.translate("ScanStation", "OK") == "正常"
    finally:
        translators.install("en")
