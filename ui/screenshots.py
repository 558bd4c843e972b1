"""Render the main screens offscreen into PNGs, in Chinese and English.

    python -m ui.screenshots docs/screenshots      (or: make screenshots)

Writes main-<lang>.png (grid), editor-<lang>.png, bulk-edit-<lang>.png, scan-<lang>.png,
settings-<lang>.png, wizard-defaults-<lang>.png (the import wizard's values for missing
columns), label-<lang>.png (a label in the print preview: destination and sort code),
unsaved-<lang>.png (the editor's unsaved-changes question), context-menu-<lang>.png
(the grid's right-click menu) and station-<lang>.png (the sorting-centre station after
four scans, one held) on a fresh demo database.
"""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QEventLoop, QSettings, QTimer
from PySide6.QtGui import QPainter
from PySide6.QtWidgets import QApplication, QWidget
from sqlalchemy import select

from app.db.models import Declaration
from app.reference.store import reference_from_db
from app.services.demo import add_demo_declarations
from ui.context import GuiContext
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


def _label_shot(app: QApplication, ctx: GuiContext, path: Path) -> Path:
    """One demo parcel's label, with a route table, as the print preview shows it."""
    from app.services.printing import Selection, print_labels
    from app.services.routes import import_routes
    from ui.printing.preview import PdfPreviewDialog

    folder = path.parent / f".{path.stem}.tmp"
    folder.mkdir(exist_ok=True)
    routes = folder / "routes.csv"
    routes.write_text("province,city,district,code\n" + "\n".join(
        f"{name},,,{code}" for name, code in (
            ("北京市", "BJ-010"), ("上海市", "SH-021"), ("广东省", "GD-020"), ("浙江省", "ZJ-571"),
            ("江苏省", "JS-025"), ("四川省", "SC-028"))) + "\n", encoding="utf-8")
    with ctx.transaction() as s:
        import_routes(s, ctx.actor, routes)
        first = s.execute(select(Declaration.id).order_by(Declaration.id).limit(1)).scalar_one()
        outcome = print_labels(s, ctx.actor, Selection(ids=(first,)), folder / "label.pdf",
                               force=True, reprint_reason="screenshot")
    preview = PdfPreviewDialog(outcome.file, "Labels")
    preview.resize(560, 820)
    preview.show()
    _wait(app, lambda: True, 200)
    saved = _save(preview, path)
    preview.close()
    for leftover in folder.iterdir():
        leftover.unlink()
    folder.rmdir()
    return saved


def _unsaved_prompt(app: QApplication, actions: Any, decl_id: int, path: Path) -> Path:
    """The editor with an unsaved edit and the Save / Discard / Cancel question over it."""
    from PySide6.QtCore import QPoint
    from PySide6.QtGui import QColor, QPainter

    from ui.declarations.unsaved import unsaved_changes_box

    editor = actions.open_editor(decl_id)
    editor.resize(1200, 760)
    editor.edits["voyageNo"].setText("CA1234")
    box = unsaved_changes_box(editor)
    box.show()
    _wait(app, lambda: True, 200)
    shot = editor.grab()
    question = box.grab()
    painter = QPainter(shot)
    at = QPoint((shot.width() - question.width()) // 2, (shot.height() - question.height()) // 3)
    painter.drawPixmap(at, question)
    painter.setPen(QColor("#607d8b"))  # offscreen windows have no frame: draw its edge
    painter.drawRect(question.rect().translated(at).adjusted(-1, -1, 0, 0))
    painter.end()
    tmp_png = path.with_name(f".{path.stem}.tmp.png")
    shot.save(str(tmp_png))
    tmp_png.replace(path)
    box.close()
    editor.revert()
    editor.close()


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


def _station_shot(app: QApplication, ctx: GuiContext, path: Path, offset: int) -> Path:
    """The sorting-centre station after a few scans (no scale configured: weight typed)."""
    from ui.station.window import StationWindow

    with ctx.sessions() as s:
        rows = s.execute(select(Declaration.logisticsNo, Declaration.grossWeight)
                         .where(Declaration.status == "released").order_by(Declaration.id)
                         .offset(offset).limit(4)).all()
    station = StationWindow(ctx)
    station.play = lambda _outcome: None
    for n, (code, weight) in enumerate(rows):
        kg = Decimal(weight or 1) * (2 if n == 2 else 1)  # the third is overweight: held
        station.weight_edit.setText(f"{kg.normalize():f}")
        station.scan(code)
        # the cycle runs on the station's worker: the next weight is typed after it
        _wait(app, lambda n=n: sum(station.tally.values()) > n)
    saved = _save(station, path)
    station.done(0)
    return saved


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
            written.append(_unsaved_prompt(app, actions, invalid, out_dir / f"unsaved-{lang}.png"))

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

            written.append(_wizard_defaults(app, window, out_dir, lang, Path(tmp)))

            settings = actions.more.open_settings()
            _wait(app, lambda: True, 200)
            written.append(_save(settings, out_dir / f"settings-{lang}.png"))
            settings.close()
            written.append(_label_shot(app, ctx, out_dir / f"label-{lang}.png"))
            written.append(_station_shot(app, ctx, out_dir / f"station-{lang}.png",
                                         0 if lang == "zh_CN" else 4))
            window.close()
            window.deleteLater()
            app.processEvents()
        translators.install("en")
        ctx.engine.dispose()
    return written


def _wizard_defaults(app: QApplication, window: MainWindow, out_dir: Path, lang: str,
                     tmp: Path) -> Path:
    """The import wizard's mapping page with values for the columns a platform file lacks."""
    import openpyxl

    path = tmp / "jd-orders.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["订单编号", "物流运单编号", "订购人姓名", "订购人证件号码", "订购人电话", "收件地址",
               "商品名称", "商品编码", "数量", "计量单位", "单价", "毛重", "净重"])
    buyer = ["JD2001", "EA200100014CN", "张伟", "110101199003071234", "13812345678",
             "广东省广州市天河区天河路385号"]
    ws.append([*buyer, "智能手机", "8517130000", 1, "台", 899, 0.45, 0.4])
    ws.append([*buyer, "笔记本电脑", "8471300000", 1, "台", 1999, 1.6, 1.5])
    wb.save(path)
    wizard = window.import_actions.open_wizard(path)  # type: ignore[attr-defined]
    wizard.resize(1100, 680)
    _wait(app, lambda: not wizard.busy and wizard.file_page.isComplete())
    wizard.next()
    _wait(app, lambda: wizard.currentPage() is wizard.mapping_page)
    edits = wizard.mapping_page.defaults.edits
    for target, value in (("ebpCode", "1105910159"), ("ebpName", "京东国际"),
                          ("ebcCode", "1105W6B002"), ("ebcName", "京东全球购(香港)贸易有限公司"),
                          ("freight", "0"), ("insuredFee", "0"), ("country", "116")):
        edits[target].setText(value)
    _wait(app, lambda: True, 200)
    shot = _save(wizard, out_dir / f"wizard-defaults-{lang}.png")
    wizard.reject()
    return shot


if __name__ == "__main__":
    for p in render(Path(sys.argv[1] if len(sys.argv) > 1 else "docs/screenshots")):
        print(p)
