"""Register the bundled CJK font so Chinese renders on machines without system CJK fonts."""

from __future__ import annotations

from PySide6.QtGui import QFont, QFontDatabase
from PySide6.QtWidgets import QApplication

from app.paths import resource_path

BUNDLED_FONT = "wqy-microhei.ttc"


def register_bundled_font(app: QApplication) -> str | None:
    """Add the bundled font and make it the application's font. Returns its family."""
    font_id = QFontDatabase.addApplicationFont(str(resource_path("fonts", BUNDLED_FONT)))
    if font_id < 0:
        return None
    families = QFontDatabase.applicationFontFamilies(font_id)
    if not families:
        return None
    family = families[0]
    font = QFont(app.font())
    font.setFamilies([family])
    font.setPointSize(max(font.pointSize(), 10))
    app.setFont(font)
    return family
