"""100×150 mm parcel labels (one per page on thermal printers, or 4-up on A4).

Layout, from the top: sort code / batch / bag / piece band; the destination in large bold type
(大头笔: 粤 深圳 南山, shrunk to fit, never cut; an address that could not be read says so in its
place, one whose district could not be read says that after province and city); the waybill as
a Code 128 with its human-readable number; consignee (name, masked phone, full address) beside
a QR code with waybill, order and batch; sender from the broker settings; contents, quantity,
weight and value; for postal items the CN22 block (or a CN23 notice above 300 SDR).

What repeats on every label (rules, captions, the sender block) is drawn once per document as
a PDF form and placed by reference; only the variable data is drawn per label.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from decimal import Decimal
from pathlib import Path

from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from app.documents import cn22
from app.documents.barcodes import (
    code128_bars,
    code128_module_width,
    draw_code128,
    draw_qr,
    qr_matrix,
)
from app.documents.fonts import MissingGlyph, preflight
from app.documents.models import DocumentResult, LabelData, Party
from app.documents.output import atomic_canvas
from app.documents.pen import Pen
from app.documents.profiles import LABEL_HEIGHT_MM, LABEL_WIDTH_MM, PrinterProfile
from app.documents.text import mask_phone, money, quantity, weight, wrap

W = LABEL_WIDTH_MM
H = LABEL_HEIGHT_MM
L = 2.5  # inner margin
R = W - L
BAND_TOP = 13.0  # end of the route/batch band
DESTINATION_END = 25.0  # end of the 大头笔 strip
DESTINATION_SIZE = 9.0  # mm; long names shrink down to MIN_DESTINATION_SIZE
MIN_DESTINATION_SIZE = 3.0
UNKNOWN_DESTINATION = "地址无法识别 ADDRESS NOT RECOGNISED"
UNKNOWN_DISTRICT = "区县未识别 DISTRICT NOT RECOGNISED"  # province and city were read
BARCODE_END = 43.0
CONSIGNEE_END = 78.0
SENDER_END = 91.0
QR_SIZE = 24.0
CN22_TOP = cn22.CN22_TOP

Progress = Callable[[int], None]


def qr_payload(label: LabelData) -> str:
    """What the QR code holds: waybill, order number and batch, one per line."""
    return f"W:{label.waybill}\nO:{label.order_no}\nB:{label.batch_no}"


class LabelPainter:
    """Draws labels on one canvas, keeping the forms of repeated content."""

    def __init__(self, canvas: Canvas, sdr_rate: Decimal) -> None:
        self.canvas = canvas
        self.sdr_rate = sdr_rate
        self._forms: dict[tuple[Party, str], str] = {}

    def draw(self, label: LabelData) -> None:
        """Draw `label` with its lower-left corner at the current origin, unscaled."""
        variant = self._variant(label)
        self.canvas.doForm(self._static_form(label.sender, variant))
        pen = Pen(self.canvas, H)
        self._draw_band(pen, label)
        self._draw_destination(pen, label)
        self._draw_barcode(pen, label)
        self._draw_consignee(pen, label)
        self._draw_goods(pen, label, variant)
        if label.customs is not None:
            if variant == "cn22":
                cn22.draw_cn22_values(pen, label.customs, label.label_date)
            else:
                cn22.draw_cn23_notice(pen, label.customs, self.sdr_rate)

    def _variant(self, label: LabelData) -> str:
        if label.customs is None:
            return "plain"
        return "cn23" if cn22.needs_cn23(label.customs, self.sdr_rate) else "cn22"

    def _static_form(self, sender: Party, variant: str) -> str:
        key = (sender, variant)
        name = self._forms.get(key)
        if name is None:
            name = f"label{len(self._forms)}"
            self._forms[key] = name
            self.canvas.beginForm(name, lowerx=0, lowery=0, upperx=W * mm, uppery=H * mm)
            _draw_static(Pen(self.canvas, H), sender, variant)
            self.canvas.endForm()
        return name

    def _draw_band(self, pen: Pen, label: LabelData) -> None:
        if label.route_code:
            size = _fitting_size(pen, label.route_code, 6.5, 2.5, 34)
            pen.text(L + 1, 11.3, label.route_code, size, width_mm=34, bold=True)
        pen.text(42, 6.0, label.batch_no, 2.8, width_mm=30)
        pen.text(42, 11.3, label.bag_no, 2.8, width_mm=30)
        pen.text(R, 6.0, f"{label.piece_no}/{label.piece_count}", 3.6, align="right", bold=True)
        pen.text(R, 11.3, label.label_date.isoformat(), 2.6, align="right")

    def _draw_destination(self, pen: Pen, label: LabelData) -> None:
        text = label.destination
        if not label.destination_known:
            note = UNKNOWN_DISTRICT if len(text.split()) >= 2 else UNKNOWN_DESTINATION
            text = f"{text}  {note}" if text else note
        size = _fitting_size(pen, text, DESTINATION_SIZE, MIN_DESTINATION_SIZE, W - 2 * L)
        baseline = BAND_TOP + (DESTINATION_END - BAND_TOP + size * 0.72) / 2
        pen.text(W / 2, baseline, text, size, align="center", width_mm=W - 2 * L, bold=True)

    def _draw_barcode(self, pen: Pen, label: LabelData) -> None:
        bars = code128_bars(label.waybill)
        module = code128_module_width(bars, (W - 2 * L) * mm)
        width = bars.modules * module
        x = (W * mm - width) / 2
        draw_code128(self.canvas, bars, x, pen.y(DESTINATION_END + 12.5), module, 11.5 * mm)
        pen.text(W / 2, 41.6, " ".join(_groups(label.waybill)), 3.6, align="center", bold=True)

    def _draw_consignee(self, pen: Pen, label: LabelData) -> None:
        text_w = R - QR_SIZE - 2 - L
        person = label.consignee
        pen.text(L, 52.0, person.name, 5.0, width_mm=text_w - 1, bold=True)
        pen.text(L, 57.2, mask_phone(person.phone), 3.4)
        lines = wrap(person.address, pen.font, 3.1 * mm, text_w * mm, 4)
        for index, line in enumerate(lines):
            pen.text(L, 61.8 + index * 4.0, line, 3.1)
        draw_qr(self.canvas, qr_matrix(qr_payload(label)), (R - QR_SIZE) * mm,
                pen.y(45.5 + QR_SIZE), QR_SIZE * mm)

    def _draw_goods(self, pen: Pen, label: LabelData, variant: str) -> None:
        lines_max = 2 if variant != "plain" else 5
        lines = wrap(label.goods_summary, pen.font, 3.0 * mm, (R - L - 17) * mm, lines_max)
        for index, line in enumerate(lines):
            pen.text(L + 17, 94.8 + index * 3.7, line, 3.0)
        top = 94.8 + lines_max * 3.7 + 1.5
        pen.text(L + 17, top, quantity(label.quantity), 3.0, width_mm=14, bold=True)
        pen.text(L + 47, top, f"{weight(label.gross_weight)} kg", 3.0, width_mm=17, bold=True)
        value = f"{label.currency} {money(label.declared_value)}"
        pen.text(R, top, value, 3.0, align="right", width_mm=22, bold=True)
        pen.text(L + 17, top + 4.6, label.order_no, 3.0, width_mm=R - L - 17)


def _fitting_size(pen: Pen, text: str, size_mm: float, min_mm: float, width_mm: float
                  ) -> float:
    """The largest size up to `size_mm` at which `text` fits `width_mm` (never below `min_mm`:
    then the text is cut with an ellipsis by Pen.text's width)."""
    width = float(pen.canvas.stringWidth(text, pen.font, size_mm * mm))
    room = float(width_mm * mm)
    if width <= room:
        return size_mm
    return max(min_mm, size_mm * room / width * 0.98)  # a margin for rounding in fit()


def _groups(waybill: str) -> list[str]:
    """Split a long number into groups of 4 for reading aloud; S10 ids stay in their parts."""
    if cn22.is_s10(waybill):
        return [waybill[:2], waybill[2:6], waybill[6:11], waybill[11:]]
    if len(waybill) <= 8:
        return [waybill]
    return [waybill[i : i + 4] for i in range(0, len(waybill), 4)]


def _draw_static(pen: Pen, sender: Party, variant: str) -> None:
    """Rules, captions and the sender block: identical on every label of a sender."""
    pen.hline(0, W, BAND_TOP, 1.2)
    pen.hline(0, W, DESTINATION_END, 1.2)
    pen.vline(38.5, 0, BAND_TOP)
    pen.text(L, 3.0, "分拣码 Sort", 1.8)
    pen.vline(72.0, 0, BAND_TOP)
    pen.text(39.5, 3.0, "批次 Batch", 1.8)
    pen.text(39.5, 8.3, "袋号 Bag", 1.8)
    pen.text(73.5, 6.0, "件数 Pcs", 1.8)
    pen.hline(0, W, BARCODE_END, 1.2)
    pen.text(L, 46.5, "收件人 To", 2.2)
    pen.hline(0, W, CONSIGNEE_END, 1.2)
    pen.text(L, 81.2, "寄件人 From", 2.2)
    pen.text(L + 19, 81.2, sender.name, 2.8, width_mm=R - L - 19, bold=True)
    pen.text(L, 85.0, sender.phone, 2.5, width_mm=R - L)
    for index, line in enumerate(wrap(sender.address, pen.font, 2.5 * mm, (R - L) * mm, 1)):
        pen.text(L, 88.6 + index * 3.0, line, 2.5)
    pen.hline(0, W, SENDER_END, 1.2)
    lines_max = 2 if variant != "plain" else 5
    pen.text(L, 94.8, "内件 Contents", 2.2)
    top = 94.8 + lines_max * 3.7 + 1.5
    pen.text(L, top, "数量 Qty", 2.2)
    pen.text(L + 34, top, "毛重 G.W.", 2.2)
    pen.text(L + 66, top, "价值", 2.2)
    pen.text(L, top + 4.6, "订单 Order", 2.2)
    if variant == "cn22":
        cn22.draw_cn22_static(pen)
    elif variant == "cn23":
        pen.hline(0, W, CN22_TOP, 1.2)


def write_labels(
    labels: Iterable[LabelData],
    target: str | Path,
    profile: PrinterProfile,
    sdr_rate: Decimal = cn22.DEFAULT_SDR_RATE,
    invariant: bool = False,
    progress: Progress | None = None,
) -> DocumentResult:
    """Write `labels` in the given order, one per parcel, filling pages slot by slot.

    `labels` may be a generator; labels are drawn as they arrive. The result lists the
    characters the font could not draw (the caller ran the pre-flight before, this is the
    record of what went on paper).
    """
    count = 0
    pages = 0
    missing: list[MissingGlyph] = []
    with atomic_canvas(target, profile.pagesize, "Labels", invariant) as canvas:
        painter = LabelPainter(canvas, sdr_rate)
        per_page = profile.labels_per_page
        for label in labels:
            slot = count % per_page
            if slot == 0 and count:
                canvas.showPage()
            if slot == 0:
                pages += 1
            place = profile.placement(slot)
            canvas.saveState()
            canvas.translate(place.x, place.y)
            if place.scale != 1.0:
                canvas.scale(place.scale, place.scale)
            painter.draw(label)
            canvas.restoreState()
            missing.extend(preflight([(label.record_id, label.texts())]))
            count += 1
            if progress is not None:
                progress(count)
        if count == 0:
            pages = 1  # reportlab always writes one (blank) page
    return DocumentResult(str(target), pages, count, tuple(missing))
