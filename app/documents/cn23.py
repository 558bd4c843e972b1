"""Standalone customs forms: CN23 (A4) above 300 SDR, CN22 (100×150) up to it.

`write_customs_forms` prints, in the given order, one form per postal item: the A4 CN23 for
items whose value exceeds 300 SDR, a label-sized CN22 page for the others.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from decimal import Decimal
from pathlib import Path

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from app.documents import cn22
from app.documents.barcodes import code128_bars, code128_module_width, draw_code128
from app.documents.fonts import MissingGlyph, preflight
from app.documents.models import CustomsDeclaration, DocumentResult, LabelData, Party
from app.documents.output import atomic_canvas
from app.documents.pen import Pen
from app.documents.profiles import LABEL_HEIGHT_MM, LABEL_WIDTH_MM
from app.documents.text import money, quantity, weight, wrap

A4_W, A4_H = 210.0, 297.0
LEFT, RIGHT = 12.0, 198.0
ITEM_ROWS = 12
# Item table columns: (left, width, "zh|en" caption)
_ITEM_COLS = (
    (LEFT, 80.0, "内件详细名称|Detailed description of contents"),
    (92.0, 16.0, "数量|Quantity"),
    (108.0, 20.0, "净重|Net weight (kg)"),
    (128.0, 26.0, "价值|Value"),
    (154.0, 24.0, "HS 编码|HS tariff number"),
    (178.0, 20.0, "原产国|Country of origin"),
)


def draw_cn23_page(canvas: Canvas, label: LabelData, declaration: CustomsDeclaration) -> None:
    """One A4 CN23 for `label` (items beyond the table's rows are summed on the last line)."""
    pen = Pen(canvas, A4_H)
    pen.text(LEFT, 16, "CUSTOMS DECLARATION 报关单", 6.0, bold=True)
    pen.text(RIGHT, 16, "CN 23", 9.0, align="right", bold=True)
    pen.text(LEFT, 22, "May be opened officially 可以径行开拆", 3.0)
    bars = code128_bars(label.waybill)
    module = code128_module_width(bars, 70 * mm)
    draw_code128(canvas, bars, (RIGHT - 70) * mm + 10 * module, pen.y(38), module, 12 * mm)
    pen.text(RIGHT - 35, 42, label.waybill, 3.4, align="center", bold=True)
    _party(pen, 28, "寄件人 From", label.sender)
    _party(pen, 50, "收件人 To", label.consignee)
    pen.text(LEFT, 76, "进口商参考号 Importer's reference", 2.6)
    pen.text(LEFT + 60, 76, declaration.importer_reference, 3.0)
    _items(pen, declaration)
    _category(pen, declaration)
    _footer(pen, label, declaration)


def _party(pen: Pen, top: float, caption: str, party: Party) -> None:
    pen.box(LEFT, top, 110, 20, width_pt=0.8)
    pen.text(LEFT + 2, top + 4, caption, 2.6)
    pen.text(LEFT + 2, top + 9.5, party.name, 4.2, width_mm=106, bold=True)
    lines = wrap(party.address, pen.font, 3.0 * mm, 106 * mm, 2)
    for index, line in enumerate(lines):
        pen.text(LEFT + 2, top + 14 + index * 3.8, line, 3.0)
    pen.text(LEFT + 78, top + 4, party.phone, 3.0, width_mm=30)


def _items(pen: Pen, declaration: CustomsDeclaration) -> None:
    top = 82.0
    row_h = 7.0
    bottom = top + 8 + (ITEM_ROWS + 1) * row_h
    pen.box(LEFT, top, RIGHT - LEFT, bottom - top, width_pt=0.8)
    for x, w, caption in _ITEM_COLS:
        zh, en = caption.split("|")
        pen.text(x + 1, top + 3.4, zh, 2.3, width_mm=w - 2)
        pen.text(x + 1, top + 6.8, en, 2.1, width_mm=w - 2)
        if x > LEFT:
            pen.vline(x, top, bottom, 0.5)
    pen.hline(LEFT, RIGHT, top + 8, 0.8)
    items = list(declaration.items)
    shown = items[:ITEM_ROWS] if len(items) <= ITEM_ROWS else items[: ITEM_ROWS - 1]
    for index, item in enumerate(shown):
        y = top + 8 + (index + 1) * row_h - 2.2
        cells = (item.description, quantity(item.quantity), weight(item.net_weight),
                 money(item.value), cn22.hs6(item.hs_code), item.origin_country)
        _row(pen, y, cells)
        pen.hline(LEFT, RIGHT, top + 8 + (index + 1) * row_h, 0.3)
    if len(items) > ITEM_ROWS:
        rest = items[ITEM_ROWS - 1 :]
        y = top + 8 + ITEM_ROWS * row_h - 2.2
        _row(pen, y, (f"+{len(rest)} …", quantity(sum((i.quantity for i in rest), Decimal(0))),
                      weight(sum((i.net_weight for i in rest), Decimal(0))),
                      money(sum((i.value for i in rest), Decimal(0))), "", ""))
    y = bottom - 2.2
    pen.hline(LEFT, RIGHT, bottom - row_h, 0.8)
    pen.text(LEFT + 1, y, "总计 Total", 3.0, bold=True)
    _row(pen, y, ("", "", weight(declaration.total_weight),
                  f"{declaration.currency} {money(declaration.total_value)}", "", ""), bold=True)


def _row(pen: Pen, y: float, cells: tuple[str, ...], bold: bool = False) -> None:
    for (x, w, _caption), text in zip(_ITEM_COLS, cells, strict=True):
        if x == LEFT:
            pen.text(x + 1, y, text, 3.0, width_mm=w - 2, bold=bold)
        else:
            pen.text(x + w - 1, y, text, 3.0, align="right", width_mm=w - 2, bold=bold)


def _category(pen: Pen, declaration: CustomsDeclaration) -> None:
    top = 186.0
    pen.text(LEFT, top, "类别 Category of item", 2.8)
    for index, (key, caption) in enumerate(cn22.CATEGORY_CAPTIONS):
        x = LEFT + (index % 3) * 62
        y = top + 3 + (index // 3) * 6
        pen.box(x, y, 3.5, 3.5, width_pt=0.6, fill=key == declaration.category)
        pen.text(x + 5, y + 3, caption, 3.0)
    pen.text(LEFT, top + 20, "说明 Explanation", 2.6)
    pen.text(LEFT + 30, top + 20, declaration.explanation, 3.0, width_mm=RIGHT - LEFT - 30)
    pen.text(LEFT, top + 26, "备注 Comments", 2.6)
    pen.text(LEFT + 30, top + 26, declaration.comments, 3.0, width_mm=RIGHT - LEFT - 30)
    fields = (("许可证 Licence No.", declaration.licence_no),
              ("证书 Certificate No.", declaration.certificate_no),
              ("发票 Invoice No.", declaration.invoice_no))
    for index, (caption, value) in enumerate(fields):
        x = LEFT + index * 62
        pen.text(x, top + 32, caption, 2.6)
        pen.text(x, top + 37, value, 3.0, width_mm=60)


def _footer(pen: Pen, label: LabelData, declaration: CustomsDeclaration) -> None:
    top = 232.0
    pen.text(LEFT, top, "邮费 Postage/fees", 2.6)
    pen.text(LEFT + 40, top, f"{declaration.currency} {money(declaration.postal_charges)}", 3.0)
    pen.text(LEFT + 95, top, "原寄局及交寄日期 Office of origin/Date of posting", 2.6)
    pen.text(LEFT + 95, top + 5,
             f"{declaration.office_of_origin} {label.label_date.isoformat()}".strip(), 3.0)
    lines = wrap(cn22.CERTIFICATE, pen.font, 2.6 * mm, (RIGHT - LEFT) * mm, 4)
    for index, line in enumerate(lines):
        pen.text(LEFT, top + 13 + index * 3.6, line, 2.6)
    sign = top + 13 + len(lines) * 3.6 + 12
    pen.text(LEFT, sign, "日期及寄件人签字 Date and sender's signature", 3.0)
    pen.text(LEFT + 75, sign, label.label_date.isoformat(), 3.0)
    pen.hline(LEFT + 100, RIGHT, sign + 0.5, 0.8)
    pen.text(LEFT, 290, f"{label.order_no} · {label.batch_no}", 2.4)


def _draw_cn22_page(canvas: Canvas, label: LabelData, declaration: CustomsDeclaration) -> None:
    """A label-sized CN22: the waybill and both parties above the standard block."""
    pen = Pen(canvas, LABEL_HEIGHT_MM)
    bars = code128_bars(label.waybill)
    module = code128_module_width(bars, 95 * mm)
    width = bars.modules * module
    draw_code128(canvas, bars, (LABEL_WIDTH_MM * mm - width) / 2, pen.y(26), module, 18 * mm)
    pen.text(50, 31, label.waybill, 4.0, align="center", bold=True)
    for top, caption, party in ((38.0, "寄件人 From", label.sender),
                                (66.0, "收件人 To", label.consignee)):
        pen.text(2.5, top, caption, 2.2)
        pen.text(2.5, top + 6, party.name, 4.2, width_mm=95, bold=True)
        for index, line in enumerate(wrap(party.address, pen.font, 3.0 * mm, 95 * mm, 4)):
            pen.text(2.5, top + 11 + index * 3.8, line, 3.0)
    cn22.draw_cn22_static(pen)
    cn22.draw_cn22_values(pen, declaration, label.label_date)


def write_customs_forms(
    labels: Iterable[LabelData],
    target: str | Path,
    sdr_rate: Decimal = cn22.DEFAULT_SDR_RATE,
    invariant: bool = False,
    progress: Callable[[int], None] | None = None,
) -> DocumentResult:
    """One CN22 (≤ 300 SDR, 100×150) or CN23 (A4) page per postal item, in order.

    Labels without customs data (non-postal parcels) are skipped.
    """
    pages = 0
    missing: list[MissingGlyph] = []
    printed: list[str] = []
    with atomic_canvas(target, A4, "Customs declarations", invariant) as canvas:
        for label in labels:
            declaration = label.customs
            if declaration is None:
                continue
            if pages:
                canvas.showPage()
            if cn22.needs_cn23(declaration, sdr_rate):
                canvas.setPageSize(A4)
                draw_cn23_page(canvas, label, declaration)
            else:
                canvas.setPageSize((LABEL_WIDTH_MM * mm, LABEL_HEIGHT_MM * mm))
                _draw_cn22_page(canvas, label, declaration)
            missing.extend(preflight([(label.record_id, label.texts())]))
            printed.append(label.record_id)
            pages += 1
            if progress is not None:
                progress(pages)
    return DocumentResult(str(target), max(pages, 1), pages, tuple(missing), tuple(printed))
