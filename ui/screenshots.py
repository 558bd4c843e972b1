"""Render the main screens offscreen into PNGs, in Chinese and English.

    python -m ui.screenshots docs/screenshots      (or: make screenshots)

Writes main-<lang>.png (grid), editor-<lang>.png, bulk-edit-<lang>.png, scan-<lang>.png and
settings-<lang>.png and context-menu-<lang>.png on a fresh demo database.
"""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QEventLoop, QSettings, QTimer
from PySide6.QtGui import QPainter
from PySide6.QtWidgets import QApplication, QWidget
from sqlalchemy import select

from app.db.models import Declaration
from app.reference.store import reference_from_db
from app.services.demo import add_demo_declarations
from ui.fonts import register_bundled_font
from ui.i18n import Translators
from ui.main import open_database
from ui.main_window import MainWindow


def _wait(app: QApplication, done: Callable[[], bool], timeout_ms: int = 30_000) -> None:
    loop = QEventLoop()
    poll = QTimer()
    poll.setInterval(10)
    poll.timeout.connect(lambda: loop.quit() if done() else None)
    poll.start()
    QTimer.singleShot(timeout_ms, loop.quit)
    loop.exec()
    poll.stop()
    for _ in range(5):
        app.processEvents()


def _save(widget: QWidget, path: Path) -> Path:
    tmp_png = path.with_name(f".{path.stem}.tmp.png")
    widget.grab().save(str(tmp_png))
    tmp_png.replace(path)
    return path


def _context_menu(app: QApplication, window: MainWindow, path: Path) -> Path:
    """The grid's right-click menu over the window, on the buyer cell of the third row."""
    column = [c.key for c in window.model.columns].index("buyerName")
    index = window.model.index(2, column)
    window.table.selectRow(2)
    menu = window.grid_actions.context_menu(index)  # type: ignore[attr-defined]
    spot = window.table.visualRect(index).center()
    menu.popup(window.table.viewport().mapToGlobal(spot))
    _wait(app, lambda: menu.isVisible(), 2_000)
    shot = window.grab()
    painter = QPainter(shot)
    painter.drawPixmap(window.mapFromGlobal(menu.pos()), menu.grab())
    painter.end()
    menu.close()
    tmp_png = path.with_name(f".{path.stem}.tmp.png")
    shot.save(str(tmp_png))
    tmp_png.replace(path)
    return path


def render(out_dir: Path) -> list[Path]:
    app = QApplication.instance() or QApplication([])
    assert isinstance(app, QApplication)
    register_bundled_font(app)
    translators = Translators(app)
    out_dir.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    with tempfile.TemporaryDirectory() as tmp:
        QSettings.setDefaultFormat(QSettings.Format.IniFormat)
        QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, tmp)
        ctx = open_database(f"sqlite:///{Path(tmp) / 'shots.sqlite3'}")
        assert not isinstance(ctx, Exception)
        with ctx.transaction() as s:
            add_demo_declarations(s, ctx.actor, 3000, 7, reference_from_db(s), {})
            invalid = s.execute(select(Declaration.id).where(Declaration.status == "invalid")
                                .order_by(Declaration.id.desc()).limit(1)).scalar_one()
            waybills = list(s.execute(select(Declaration.logisticsNo)
                                      .order_by(Declaration.id.desc()).limit(3)).scalars())
        for lang in ("zh_CN", "en"):
            translators.install(lang)
            ctx.lang = lang
            window = MainWindow(ctx)
            window.resize(1280, 720)
            window.show()
            _wait(app, lambda w=window: w.model.ready and w.status_panel.count_of("") > 0)
            window.table.selectRow(2)
            window.table.selectRow(2)
            written.append(_save(window, out_dir / f"main-{lang}.png"))
            written.append(_context_menu(app, window, out_dir / f"context-menu-{lang}.png"))

            actions = window.workspace  # type: ignore[attr-defined]
            editor = actions.open_editor(invalid)
            editor.resize(1200, 760)
            _wait(app, lambda: True, 200)
            written.append(_save(editor, out_dir / f"editor-{lang}.png"))
            editor.close()

            window.table.selectAll()
            bulk = actions.more.open_bulk_edit()
            bulk.field_combo.setCurrentIndex(bulk.field_combo.findData("voyageNo"))
            bulk.value_edit.setText("CA1234")
            bulk.run_preview()
            _wait(app, lambda: True, 200)
            written.append(_save(bulk, out_dir / f"bulk-edit-{lang}.png"))
            bulk.close()

            station = actions.more.open_scan_station()
            station.play = lambda _outcome: None
            for code in (waybills[0], waybills[1], waybills[1], "XX000000000CN", waybills[2]):
                station.scan(code)
            _wait(app, lambda: True, 200)
            written.append(_save(station, out_dir / f"scan-{lang}.png"))
            station.close()
            actions.more.scan_station = None

            settings = actions.more.open_settings()
            _wait(app, lambda: True, 200)
            written.append(_save(settings, out_dir / f"settings-{lang}.png"))
            settings.close()
            window.close()
            window.deleteLater()
            app.processEvents()
        translators.install("en")
        ctx.engine.dispose()
    return written


if __name__ == "__main__":
    for p in render(Path(sys.argv[1] if len(sys.argv) > 1 else "docs/screenshots")):
        print(p)
