"""The PDF preview: pages painted on white, printing through QPrinter, saving a copy."""

from __future__ import annotations

import datetime as dt
import subprocess
from decimal import Decimal
from pathlib import Path

import pytest
from PySide6.QtGui import QColor
from PySide6.QtPrintSupport import QPrinter
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
