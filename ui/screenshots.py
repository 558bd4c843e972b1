"""Render the main screens offscreen into PNGs, in Chinese and English.

    python -m ui.screenshots docs/screenshots
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtWidgets import QApplication

from app.reference.store import reference_from_db
from app.services.demo import add_demo_declarations
from ui.fonts import register_bundled_font
from ui.i18n import Translators
from ui.main import open_database
from ui.main_window import MainWindow


def render(out_dir: Path) -> list[Path]:
    app = QApplication.instance() or QApplication([])
    assert isinstance(app, QApplication)
    register_bundled_font(app)
    translators = Translators(app)
    out_dir.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    with tempfile.TemporaryDirectory() as tmp:
        ctx = open_database(f"sqlite:///{Path(tmp) / 'shots.sqlite3'}")
        assert not isinstance(ctx, Exception)
        with ctx.transaction() as s:
            add_demo_declarations(s, ctx.actor, 3000, 7, reference_from_db(s), {})
        for lang in ("zh_CN", "en"):
            translators.install(lang)
            ctx.lang = lang
            window = MainWindow(ctx)
            window.resize(1280, 720)
            window.show()
            window.model.fetch_now(0)
            app.processEvents()
            path = out_dir / f"main-{lang}.png"
            tmp_png = path.with_suffix(".tmp.png")
            window.grab().save(str(tmp_png))
            tmp_png.replace(path)
            written.append(path)
            window.close()
        ctx.engine.dispose()
    return written


if __name__ == "__main__":
    for p in render(Path(sys.argv[1] if len(sys.argv) > 1 else "docs/screenshots")):
        print(p)
