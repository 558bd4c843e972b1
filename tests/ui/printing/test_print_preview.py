"""The PDF preview: pages painted on white, printing through QPrinter, saving a copy."""

from __future__ import annotations

import datetime as dt
import subprocess
from decimal import Decimal
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QColor, QWheelEvent
from PySide6.QtPrintSupport import QPrinter
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from app.documents.labels import write_labels
from app.documents.models import LabelData, Party
from app.documents.profiles import THERMAL_100X150

pytest.importorskip("PySide6.QtPdf")
from ui.printing.preview import PdfPreviewDialog


def _labels(tmp_path: Path, count: int) -> Path:
    target = tmp_path / "labels.pdf"
    sender = Party("深圳清关报关有限公司", "0755-88886666", "深圳市南山区")
    write_labels(
        (
            LabelData(str(i), f"YT{1000 + i}", f"ORD-{i}", sender,
                      Party("王小明", "13812345678", "杭州市西湖区文三路478号"), "奶粉",
                      Decimal(1), Decimal("1.2"), Decimal("99"), dt.date(2026, 11, 26))
            for i in range(count)
        ),
        target,
        THERMAL_100X150,
    )
    return target


def test_preview_paints_pages_on_white(qtbot: QtBot, tmp_path: Path) -> None:
    dialog = PdfPreviewDialog(_labels(tmp_path, 3), "Labels")
    qtbot.addWidget(dialog)
    assert dialog.page_count == 3
    image = dialog.current_image()
    assert image.pixelColor(2, 2) == QColor("white")
    assert image.hasAlphaChannel() is False
    dialog.grab().save(str(tmp_path / "preview.png"))


def test_print_sends_every_page_to_the_printer(qtbot: QtBot, tmp_path: Path) -> None:
    dialog = PdfPreviewDialog(_labels(tmp_path, 3), "Labels")
    qtbot.addWidget(dialog)
    printer = dialog.make_printer()
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    out = tmp_path / "printed.pdf"
    printer.setOutputFileName(str(out))
    printer.setResolution(150)
    dialog.ask_print = lambda printer_, parent: True
    with qtbot.waitSignal(dialog.printed, timeout=20000):
        dialog.print_to(printer)
    info = subprocess.run(["pdfinfo", str(out)], capture_output=True, text=True).stdout
    assert "Pages:           3" in info
    assert "283.46 x 425.2" in info or "283 x 425" in info


def test_save_as_copies_the_pdf(qtbot: QtBot, tmp_path: Path) -> None:
    source = _labels(tmp_path, 1)
    dialog = PdfPreviewDialog(source, "Labels")
    qtbot.addWidget(dialog)
    target = tmp_path / "copy.pdf"
    dialog.ask_save_path = lambda parent, suggested: str(target)
    with qtbot.waitSignal(dialog.saved):
        dialog._save_button.click()
    assert target.read_bytes() == source.read_bytes()


def test_preview_zooms_with_buttons_ctrl_wheel_keys_and_fits(
    qtbot: QtBot, tmp_path: Path
) -> None:
    dialog = PdfPreviewDialog(_labels(tmp_path, 2), "Labels")
    qtbot.addWidget(dialog)
    dialog.resize(700, 800)
    dialog.show()
    qtbot.waitExposed(dialog)
    dialog.fit_page()
    fitted = dialog.current_image().width()
    view = dialog._scroll.viewport()
    assert dialog.current_image().height() <= view.height()  # the whole page is visible

    qtbot.mouseClick(dialog.zoom_in_button, Qt.MouseButton.LeftButton)
    assert dialog.current_image().width() == pytest.approx(fitted * 1.25, abs=2)
    label = dialog.zoom_label.text()
    qtbot.mouseClick(dialog.zoom_out_button, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(dialog.zoom_out_button, Qt.MouseButton.LeftButton)
    assert dialog.current_image().width() == pytest.approx(fitted / 1.25, abs=2)
    assert dialog.zoom_label.text() != label

    before = dialog.current_image().width()
    wheel = QWheelEvent(QPointF(50, 50), QPointF(view.mapToGlobal(QPoint(50, 50))),
                        QPoint(0, 0), QPoint(0, 120), Qt.MouseButton.NoButton,
                        Qt.KeyboardModifier.ControlModifier, Qt.ScrollPhase.NoScrollPhase,
                        False)
    QApplication.sendEvent(view, wheel)
    assert dialog.current_image().width() == pytest.approx(before * 1.25, abs=2)

    before = dialog.current_image().width()
    dialog.activateWindow()
    qtbot.waitUntil(dialog.isActiveWindow)
    qtbot.keyClick(dialog, Qt.Key.Key_Minus, Qt.KeyboardModifier.ControlModifier)
    assert dialog.current_image().width() == pytest.approx(before / 1.25, abs=2)
    qtbot.keyClick(dialog, Qt.Key.Key_Plus, Qt.KeyboardModifier.ControlModifier)
    assert dialog.current_image().width() == pytest.approx(before, abs=2)

    qtbot.mouseClick(dialog.fit_width_button, Qt.MouseButton.LeftButton)
    wide = dialog.current_image().width()
    assert view.width() - 60 <= wide <= view.width()
    assert dialog.current_image().height() > view.height()  # a tall label: scroll to see
    qtbot.mouseClick(dialog.fit_page_button, Qt.MouseButton.LeftButton)
    assert dialog.current_image().width() == fitted
