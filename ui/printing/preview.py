"""In-app preview of a generated PDF, then print it (system print dialog) or save it.

QPdfDocument renders pages with a transparent background: every page is painted onto white
before it is shown or sent to the printer, otherwise viewers and printers show black or
garbage where the paper should be.

Zoom: zoom in/out buttons, Ctrl+wheel and Ctrl++ / Ctrl+- step the zoom; Fit width and Fit
page size the page to the view (the dialog opens at Fit page and keeps fitting as it resizes
until the clerk zooms by hand).

Printing runs one page per event-loop turn (a zero-delay timer chain), so a 1,000-label job
keeps the window responsive and can be cancelled, without processEvents() loops.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QEvent, QObject, QSize, QSizeF, Qt, QTimer, Signal
from PySide6.QtGui import (
    QColor,
    QImage,
    QKeySequence,
    QPageLayout,
    QPageSize,
    QPainter,
    QPixmap,
    QResizeEvent,
    QShortcut,
    QWheelEvent,
)
from PySide6.QtPdf import QPdfDocument
from PySide6.QtPrintSupport import QPrintDialog, QPrinter
from PySide6.QtWidgets import (
    QDialog,
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
from ui import file_dialogs

PREVIEW_WIDTH = 520
PREVIEW_HEIGHT = 680
ZOOM_STEP = 1.25
MIN_ZOOM = 0.1  # pixels per PDF point
MAX_ZOOM = 8.0
FIT_PAGE, FIT_WIDTH, MANUAL = "page", "width", "manual"
PAGE_PADDING = 24  # the grey margin around the page (12 px each side)


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
    return file_dialogs.save_file(parent, parent.tr("Save PDF"), suggested, "PDF (*.pdf)",
                                  "pdf")


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
        self._page = 0
        self.zoom = 1.0  # pixels per PDF point
        self.fit_mode = FIT_PAGE
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
        self._scroll = scroll = QScrollArea()
        scroll.setWidget(self._page_label)
        scroll.setWidgetResizable(True)
        scroll.viewport().installEventFilter(self)
        self.zoom_out_button = QPushButton("−")
        self.zoom_out_button.setToolTip(self.tr("Zoom out (Ctrl+-)"))
        self.zoom_in_button = QPushButton("+")
        self.zoom_in_button.setToolTip(self.tr("Zoom in (Ctrl++)"))
        self.zoom_label = QLabel()
        self.fit_width_button = QPushButton(self.tr("Fit width"))
        self.fit_page_button = QPushButton(self.tr("Fit page"))
        for button in (self.zoom_out_button, self.zoom_in_button):
            button.setFixedWidth(32)
        self._shortcuts = [
            (QShortcut(QKeySequence(QKeySequence.StandardKey.ZoomIn), self), self.zoom_in),
            (QShortcut(QKeySequence("Ctrl+="), self), self.zoom_in),
            (QShortcut(QKeySequence(QKeySequence.StandardKey.ZoomOut), self), self.zoom_out),
        ]
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
        for widget in (self.zoom_out_button, self.zoom_label, self.zoom_in_button,
                       self.fit_width_button, self.fit_page_button):
            buttons.addWidget(widget)
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
        self.zoom_in_button.clicked.connect(self.zoom_in)
        self.zoom_out_button.clicked.connect(self.zoom_out)
        self.fit_width_button.clicked.connect(self.fit_width)
        self.fit_page_button.clicked.connect(self.fit_page)
        for shortcut, slot in self._shortcuts:
            shortcut.activated.connect(slot)

    def _on_page_spin_value_changed(self, value: int) -> None:
        self._show_page(value - 1)

    # --- zoom ------------------------------------------------------------------------
    def zoom_in(self) -> None:
        self.set_zoom(self.zoom * ZOOM_STEP)

    def zoom_out(self) -> None:
        self.set_zoom(self.zoom / ZOOM_STEP)

    def set_zoom(self, zoom: float) -> None:
        """Show the page at `zoom` pixels per PDF point; stops fitting the window."""
        self.fit_mode = MANUAL
        self._apply_zoom(zoom)

    def fit_width(self) -> None:
        self.fit_mode = FIT_WIDTH
        self._refit()

    def fit_page(self) -> None:
        self.fit_mode = FIT_PAGE
        self._refit()

    def _refit(self) -> None:
        if self.page_count == 0:
            return
        points = self._document.pagePointSize(self._page)
        view = self._scroll.viewport().size()
        if view.width() < 50 or view.height() < 50 or not self.isVisible():
            view = QSize(PREVIEW_WIDTH, PREVIEW_HEIGHT)  # not laid out yet
        room_w = max(1, view.width() - PAGE_PADDING)
        room_h = max(1, view.height() - PAGE_PADDING)
        by_width = room_w / points.width()
        if self.fit_mode == FIT_WIDTH:
            # Leave room for the vertical scroll bar the taller page brings.
            bar = self._scroll.verticalScrollBar().sizeHint().width()
            self._apply_zoom(max(1, room_w - bar) / points.width())
        else:
            self._apply_zoom(min(by_width, room_h / points.height()))

    def _apply_zoom(self, zoom: float) -> None:
        self.zoom = max(MIN_ZOOM, min(MAX_ZOOM, zoom))
        self.zoom_label.setText(f"{round(self.zoom * 100 * 72 / 96)}%")
        self.zoom_in_button.setEnabled(self.zoom < MAX_ZOOM)
        self.zoom_out_button.setEnabled(self.zoom > MIN_ZOOM)
        self._render()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (event.type() == QEvent.Type.Wheel and isinstance(event, QWheelEvent)
                and event.modifiers() & Qt.KeyboardModifier.ControlModifier):
            delta = event.angleDelta().y()
            if delta > 0:
                self.zoom_in()
            elif delta < 0:
                self.zoom_out()
            return True
        return super().eventFilter(watched, event)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if self.fit_mode != MANUAL:
            self._refit()

    # --- pages -----------------------------------------------------------------------
    def _show_page(self, index: int) -> None:
        if self.page_count == 0:
            self._page_label.setText(self.tr("The PDF could not be opened."))
            return
        self._page = index
        if self.fit_mode == MANUAL:
            self._render()
        else:
            self._refit()

    def _render(self) -> None:
        if self.page_count == 0:
            return
        points = self._document.pagePointSize(self._page)
        size = QSize(max(1, round(points.width() * self.zoom)),
                     max(1, round(points.height() * self.zoom)))
        image = render_on_white(self._document, self._page, size)
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
