"""In-app preview of a generated PDF, then print it (system print dialog) or save it.

QPdfDocument renders pages with a transparent background: every page is painted onto white
before it is shown or sent to the printer, otherwise viewers and printers show black or
garbage where the paper should be.

Printing runs one page per event-loop turn (a zero-delay timer chain), so a 1,000-label job
keeps the window responsive and can be cancelled, without processEvents() loops.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject, QSize, QSizeF, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QImage, QPageLayout, QPageSize, QPainter, QPixmap
from PySide6.QtPdf import QPdfDocument
from PySide6.QtPrintSupport import QPrintDialog, QPrinter
from PySide6.QtWidgets import (
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QProgressDialog,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from app.security.files import create_private_output

PREVIEW_WIDTH = 520
PREVIEW_HEIGHT = 680


def render_on_white(document: QPdfDocument, page: int, size: QSize) -> QImage:
    """Page `page` of `document` rendered at `size` pixels on an opaque white background."""
    rendered = document.render(page, size)
    image = QImage(size, QImage.Format.Format_RGB32)
    image.fill(QColor(Qt.GlobalColor.white))
    painter = QPainter(image)
    painter.drawImage(0, 0, rendered)
    painter.end()
    return image


def ask_print(printer: QPrinter, parent: QWidget) -> bool:
    """The system print dialog; tests replace this seam."""
    return QPrintDialog(printer, parent).exec() == QDialog.DialogCode.Accepted


def ask_save_path(parent: QWidget, suggested: str) -> str:
    """The save dialog; tests replace this seam. Empty string = cancelled."""
    path, _filter = QFileDialog.getSaveFileName(parent, parent.tr("Save PDF"), suggested,
                                                "PDF (*.pdf)")
    return path


class PrintRun(QObject):
    """Sends the pages of a document to a printer, one page per event-loop turn."""

    progressed = Signal(int)
    finished = Signal(bool)  # True when every page was printed

    def __init__(self, document: QPdfDocument, printer: QPrinter,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._document = document
        self._printer = printer
        self._painter: QPainter | None = None
        self._page = 0
        self._cancelled = False

    def start(self) -> None:
        self._painter = QPainter()
        if not self._painter.begin(self._printer):
            self.finished.emit(False)
            return
        QTimer.singleShot(0, self._print_next)

    def cancel(self) -> None:
        self._cancelled = True

    def _print_next(self) -> None:
        painter = self._painter
        assert painter is not None
        if self._cancelled:
            painter.end()
            self.finished.emit(False)
            return
        if self._page:
            self._printer.newPage()
        target = painter.viewport()
        dpi = self._printer.resolution()
        points = self._document.pagePointSize(self._page)
        size = QSize(round(points.width() / 72 * dpi), round(points.height() / 72 * dpi))
        image = render_on_white(self._document, self._page, size)
        painter.drawImage(target, image)
        self._page += 1
        self.progressed.emit(self._page)
        if self._page >= self._document.pageCount():
            painter.end()
            self.finished.emit(True)
        else:
            QTimer.singleShot(0, self._print_next)


class PdfPreviewDialog(QDialog):
    """Shows one page at a time of a PDF with Print… and Save as… buttons."""

    printed = Signal()
    saved = Signal(str)

    def __init__(self, pdf_path: str | os.PathLike[str], title: str,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._path = Path(pdf_path)
        self._document = QPdfDocument(self)
        self._document.load(str(self._path))
        self._run: PrintRun | None = None
        self.ask_print: Callable[[QPrinter, QWidget], bool] = ask_print
        self.ask_save_path: Callable[[QWidget, str], str] = ask_save_path
        self.setWindowTitle(title)
        self._build_ui()
        self._connect_signals()
        self._show_page(0)

    @property
    def page_count(self) -> int:
        return int(self._document.pageCount())

    def current_image(self) -> QImage:
        return self._page_label.pixmap().toImage()

    def _build_ui(self) -> None:
        self._page_label = QLabel()
        self._page_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self._page_label.setStyleSheet("background: #808080; padding: 12px;")
        scroll = QScrollArea()
        scroll.setWidget(self._page_label)
        scroll.setWidgetResizable(True)
        self._page_spin = QSpinBox()
        self._page_spin.setRange(1, max(1, self.page_count))
        self._page_spin.setPrefix(self.tr("Page "))
        self._page_spin.setSuffix(self.tr(" of {count}").format(count=self.page_count))
        self._print_button = QPushButton(self.tr("Print…"))
        self._print_button.setDefault(True)
        self._save_button = QPushButton(self.tr("Save as…"))
        self._close_button = QPushButton(self.tr("Close"))
        buttons = QHBoxLayout()
        buttons.addWidget(self._page_spin)
        buttons.addStretch(1)
        for button in (self._print_button, self._save_button, self._close_button):
            buttons.addWidget(button)
        layout = QVBoxLayout(self)
        layout.addWidget(scroll, 1)
        layout.addLayout(buttons)
        self.resize(PREVIEW_WIDTH + 80, PREVIEW_HEIGHT + 90)

    def _connect_signals(self) -> None:
        self._page_spin.valueChanged.connect(self._on_page_spin_value_changed)
        self._print_button.clicked.connect(self._on_print_button_clicked)
        self._save_button.clicked.connect(self._on_save_button_clicked)
        self._close_button.clicked.connect(self.reject)

    def _on_page_spin_value_changed(self, value: int) -> None:
        self._show_page(value - 1)

    def _show_page(self, index: int) -> None:
        if self.page_count == 0:
            self._page_label.setText(self.tr("The PDF could not be opened."))
            return
        points = self._document.pagePointSize(index)
        # Tall pages (labels, A4) fit the height; wide ones the width.
        width = min(PREVIEW_WIDTH, round(PREVIEW_HEIGHT * points.width() / points.height()))
        height = round(width * points.height() / points.width())
        image = render_on_white(self._document, index, QSize(width, height))
        self._page_label.setPixmap(QPixmap.fromImage(image))

    def make_printer(self) -> QPrinter:
        """A printer set to the PDF's own page size with no margins (thermal labels)."""
        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        points = self._document.pagePointSize(0)
        printer.setPageSize(QPageSize(QSizeF(points), QPageSize.Unit.Point))
        printer.setPageOrientation(QPageLayout.Orientation.Portrait)
        printer.setFullPage(True)
        printer.setDocName(self._path.stem)
        return printer

    def _on_print_button_clicked(self) -> None:
        printer = self.make_printer()
        if not self.ask_print(printer, self):
            return
        self.print_to(printer)

    def print_to(self, printer: QPrinter) -> None:
        """Send every page to `printer` with a cancellable progress dialog."""
        progress = QProgressDialog(self.tr("Printing…"), self.tr("Cancel"), 0,
                                   self.page_count, self)
        progress.setWindowModality(Qt.WindowModality.WindowModal)
        progress.setMinimumDuration(500)
        run = PrintRun(self._document, printer, self)
        run.progressed.connect(progress.setValue)
        progress.canceled.connect(run.cancel)
        run.finished.connect(self._on_run_finished)
        run.finished.connect(progress.close)
        self._run = run
        run.start()

    def _on_run_finished(self, complete: bool) -> None:
        self._run = None
        if complete:
            self.printed.emit()

    def _on_save_button_clicked(self) -> None:
        target = self.ask_save_path(self, self._path.name)
        if not target:
            return
        destination = Path(target)
        temp = destination.with_name(f".{destination.name}.part")
        temp.unlink(missing_ok=True)
        create_private_output(temp)  # a label PDF holds personal data: 0600, as printed
        shutil.copyfile(self._path, temp)
        os.replace(temp, destination)
        self.saved.emit(str(destination))
