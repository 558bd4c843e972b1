"""Batch manifest (A4): header, parcel table streamed row by row, totals, signature boxes.

Rows arrive from an iterator and are drawn straight onto the canvas as they come, so a
10,000-parcel batch never sits in memory. Rows have a fixed height (long text is cut with an
ellipsis), which makes the page count known from the parcel count before the first row is
drawn: every page can say "page n of m".
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import getFont
from reportlab.pdfgen.canvas import Canvas

from app.documents.fonts import MissingGlyph, missing_chars
from app.documents.models import DocumentResult, ManifestHeader, ManifestRow
from app.documents.output import atomic_canvas
from app.documents.pen import Pen
from app.documents.text import fit, mask_name, money, quantity, weight
from app.domain.errors import ConflictError
from app.domain.status import STATUS_LABELS, DeclarationStatus
from app.i18n import translate

PAGE_W, PAGE_H = 210.0, 297.0
LEFT, RIGHT = 10.0, 200.0
TOP = 10.0
FIRST_HEADER_H = 44.0
NEXT_HEADER_H = 8.0
TABLE_HEAD_H = 7.5
ROW_H = 4.5
FOOTER_H = 10.0
END_BLOCK_H = 44.0  # totals row + signature/stamp boxes
FONT_MM = 2.25

# (caption zh, caption en, width mm, align)
COLUMNS: tuple[tuple[str, str, float, str], ...] = (
    ("序号", "Seq", 10.0, "right"),
    ("袋号", "Bag", 17.0, "left"),
    ("运单号", "Waybill", 30.0, "left"),
    ("订单号", "Order", 28.0, "left"),
    ("收件人", "Consignee", 16.0, "left"),
    ("商品", "Goods", 35.0, "left"),
    ("数量", "Qty", 9.0, "right"),
    ("毛重kg", "G.W.", 14.0, "right"),
    ("申报价值", "Value", 17.0, "right"),
    ("海关状态", "Status", 14.0, "left"),
)
_LEFTS = tuple(LEFT + sum(c[2] for c in COLUMNS[:i]) for i in range(len(COLUMNS)))
# Per column, in points: text anchor x, usable width, right-aligned?
_CELLS = tuple(
    ((left + width - 0.6) * mm if align == "right" else (left + 0.6) * mm, (width - 1.2) * mm,
     align == "right")
    for (_zh, _en, width, align), left in zip(COLUMNS, _LEFTS, strict=True)
)


@dataclass(frozen=True)
class PagePlan:
    first_page_rows: int
    next_page_rows: int

    def pages(self, rows: int) -> int:
        """Pages needed for `rows` rows plus the closing totals and signature block."""
        pages, on_last, capacity = 1, rows, self.first_page_rows
        while on_last > capacity:
            on_last -= capacity
            pages += 1
            capacity = self.next_page_rows
        if (capacity - on_last) * ROW_H < END_BLOCK_H:
            pages += 1
        return pages


def _rows_fitting(header_h: float) -> int:
    space = PAGE_H - TOP - header_h - TABLE_HEAD_H - FOOTER_H
    return int(space // ROW_H)


PLAN = PagePlan(_rows_fitting(FIRST_HEADER_H), _rows_fitting(NEXT_HEADER_H))
# The bags section (总包清单) starts on a page of its own after the signature block.
BAG_COLUMNS: tuple[tuple[str, str, float, str], ...] = (
    ("序号", "Seq", 14.0, "right"),
    ("袋号", "Bag", 50.0, "left"),
    ("路由", "Route", 50.0, "left"),
    ("件数", "Parcels", 30.0, "right"),
    ("重量kg", "Weight kg", 30.0, "right"),
)
BAG_ROWS_PER_PAGE = int((PAGE_H - TOP - NEXT_HEADER_H - 8.0 - TABLE_HEAD_H - FOOTER_H) // ROW_H)


def bag_pages(bags: int) -> int:
    return -(-bags // BAG_ROWS_PER_PAGE) if bags else 0


class _Totals:
    def __init__(self) -> None:
        self.rows = 0
        self.quantity = Decimal(0)
        self.weight = Decimal(0)
        self.value = Decimal(0)
        self.bags: set[str] = set()

    def add(self, row: ManifestRow) -> None:
        self.rows += 1
        self.quantity += row.quantity
        self.weight += row.gross_weight
        self.value += row.declared_value
        if row.bag_no:
            self.bags.add(row.bag_no)


class ManifestWriter:
    """Draws one manifest; call `add` per row, then `close`."""

    def __init__(self, canvas: Canvas, header: ManifestHeader, lang: str) -> None:
        self.canvas = canvas
        self.header = header
        self.lang = lang
        self.pen = Pen(canvas, PAGE_H)
        self.total_pages = PLAN.pages(header.parcel_count) + bag_pages(len(header.bags))
        self.page = 0
        self.capacity = 0
        self.on_page = 0
        self.totals = _Totals()
        self.missing: list[MissingGlyph] = []
        self._status_text: dict[str, str] = {}
        self._measure = getFont(self.pen.font).stringWidth
        self._new_page()

    def _new_page(self) -> None:
        if self.page:
            self._finish_page()
            self.canvas.showPage()
        self.page += 1
        if self.page > self.total_pages:
            raise ConflictError("The batch changed while its manifest was printed; print again")
        header_h = FIRST_HEADER_H if self.page == 1 else NEXT_HEADER_H
        if self.page == 1:
            self._draw_first_header()
        else:
            self._draw_next_header()
        self.table_top = TOP + header_h
        self._draw_table_head(self.table_top)
        self.capacity = PLAN.first_page_rows if self.page == 1 else PLAN.next_page_rows
        self.on_page = 0
        self._footer()

    def _finish_page(self) -> None:
        """Row rules and column lines of the page, as one path."""
        c, pen = self.canvas, self.pen
        top = self.table_top + TABLE_HEAD_H
        bottom = top + self.on_page * ROW_H
        path = c.beginPath()
        for i in range(1, self.on_page + 1):
            y = pen.y(top + i * ROW_H)
            path.moveTo(LEFT * mm, y)
            path.lineTo(RIGHT * mm, y)
        for x in (*_LEFTS, RIGHT):
            path.moveTo(x * mm, pen.y(self.table_top))
            path.lineTo(x * mm, pen.y(bottom))
        c.setLineWidth(0.3)
        c.drawPath(path, stroke=1, fill=0)

    def add(self, row: ManifestRow) -> None:
        if self.on_page == self.capacity:
            self._new_page()
        self.totals.add(row)
        baseline = self.table_top + TABLE_HEAD_H + self.on_page * ROW_H + ROW_H - 1.3
        cells = (
            str(self.totals.rows),
            row.bag_no,
            row.waybill,
            row.order_no,
            mask_name(row.consignee_name),
            row.goods_summary,
            quantity(row.quantity),
            weight(row.gross_weight),
            money(row.declared_value),
            self._status(row.status),
        )
        self._draw_cells(baseline, cells)
        for char in missing_chars(row.consignee_name + row.goods_summary):
            self.missing.append(MissingGlyph(row.record_id, "row", char))
        self.on_page += 1

    def _draw_cells(self, baseline: float, cells: tuple[str, ...]) -> None:
        font = self.pen.font
        size = FONT_MM * mm
        measure = self._measure
        text = self.canvas.beginText()
        text.setFont(font, size)
        y = self.pen.y(baseline)
        for (x, width, right), cell in zip(_CELLS, cells, strict=True):
            content = fit(cell, font, size, width)
            text.setTextOrigin(x - measure(content, size) if right else x, y)
            text.textOut(content)
        self.canvas.drawText(text)

    def _status(self, status: str) -> str:
        cached = self._status_text.get(status)
        if cached is None:
            try:
                cached = translate(STATUS_LABELS[DeclarationStatus(status)], self.lang)
            except ValueError:
                cached = status
            self._status_text[status] = cached
        return cached

    def close(self) -> None:
        if self.totals.rows != self.header.parcel_count:
            raise ConflictError("The batch changed while its manifest was printed; print again")
        remaining = (self.capacity - self.on_page) * ROW_H
        end_top = self.table_top + TABLE_HEAD_H + self.on_page * ROW_H
        if remaining < END_BLOCK_H:
            self._finish_page()
            self.canvas.showPage()
            self.page += 1
            self._draw_next_header()
            self._footer()
            self.on_page = 0
            end_top = TOP + NEXT_HEADER_H
        else:
            self._finish_page()
        self._draw_end_block(end_top + 1.0)
        self._draw_bags()

    def _draw_bags(self) -> None:
        """The bags section: one row per bag holding parcels of the batch."""
        bags = self.header.bags
        pen = self.pen
        for start in range(0, len(bags), BAG_ROWS_PER_PAGE):
            self.canvas.showPage()
            self.page += 1
            self._draw_next_header()
            self._footer()
            pen.text(LEFT, TOP + NEXT_HEADER_H + 4, "总包清单  Bags", 4.0, bold=True)
            top = TOP + NEXT_HEADER_H + 8.0
            pen.hline(LEFT, RIGHT, top, 0.8)
            x = LEFT
            lefts = []
            for zh, en, width, align in BAG_COLUMNS:
                lefts.append(x)
                anchor = x + width - 0.6 if align == "right" else x + 0.6
                pen.text(anchor, top + 3.2, zh, 2.3, align=align, bold=True)
                pen.text(anchor, top + 6.4, en, 2.1, align=align)
                x += width
            pen.hline(LEFT, RIGHT, top + TABLE_HEAD_H, 0.8)
            for n, bag in enumerate(bags[start:start + BAG_ROWS_PER_PAGE]):
                baseline = top + TABLE_HEAD_H + (n + 1) * ROW_H - 1.3
                cells = (str(start + n + 1), bag.bag_no, bag.route, str(bag.parcels),
                         "-" if bag.weight_kg is None else weight(bag.weight_kg))
                for (_zh, _en, width, align), left, cell in zip(BAG_COLUMNS, lefts, cells,
                                                                strict=True):
                    anchor = left + width - 0.6 if align == "right" else left + 0.6
                    pen.text(anchor, baseline, cell, FONT_MM, align=align,
                             width_mm=width - 1.2)

    def _draw_first_header(self) -> None:
        pen, h = self.pen, self.header
        pen.text(LEFT, TOP + 6, "进口清单总分单  Batch manifest", 5.0, bold=True)
        pen.text(RIGHT, TOP + 6, h.broker_name, 3.4, align="right", width_mm=90, bold=True)
        if h.broker_code:
            pen.text(RIGHT, TOP + 10.5, h.broker_code, 2.6, align="right")
        port = f"{h.port_code} {h.port_name}".strip()
        fields = (
            ("批次号 Batch", h.batch_no),
            ("总运单号 Master AWB/B/L", h.bill_no),
            ("航班/航次 Flight/voyage", h.flight_voyage),
            ("口岸 Port", port),
            ("日期 Date", h.manifest_date.isoformat()),
            ("包裹数 Parcels", str(h.parcel_count)),
            ("袋数 Bags", str(h.bag_count)),
            ("总毛重 Total gross weight", f"{weight(h.total_gross_weight)} kg"),
            ("总申报价值 Total declared value", f"{h.currency} {money(h.total_declared_value)}"),
            ("预估税额 Estimated tax", f"{h.currency} {money(h.total_estimated_tax)}"),
        )
        col_w = (RIGHT - LEFT) / 2
        for index, (caption, value) in enumerate(fields):
            x = LEFT + (index % 2) * col_w
            y = TOP + 16 + (index // 2) * 5.6
            pen.text(x, y, caption, 2.4)
            pen.text(x + 44, y, value, 3.0, width_mm=col_w - 46, bold=True)
        pen.hline(LEFT, RIGHT, TOP + FIRST_HEADER_H - 1.5, 1.0)

    def _draw_next_header(self) -> None:
        h = self.header
        line = f"{h.broker_name} · {h.batch_no} · {h.bill_no} · {h.manifest_date.isoformat()}"
        self.pen.text(LEFT, TOP + 4.5, line, 2.6, width_mm=RIGHT - LEFT)

    def _draw_table_head(self, top: float) -> None:
        pen = self.pen
        pen.hline(LEFT, RIGHT, top, 0.8)
        for (zh, en, width, align), left in zip(COLUMNS, _LEFTS, strict=True):
            x = left + width - 0.6 if align == "right" else left + 0.6
            pen.text(x, top + 3.2, zh, 2.3, align=align, width_mm=width - 1.2, bold=True)
            pen.text(x, top + 6.4, en, 2.1, align=align, width_mm=width - 1.2)
        pen.hline(LEFT, RIGHT, top + TABLE_HEAD_H, 0.8)

    def _footer(self) -> None:
        n, m = self.page, self.total_pages
        self.pen.text(PAGE_W / 2, PAGE_H - 5, f"第 {n} 页 / 共 {m} 页 · Page {n} of {m}", 2.4,
                      align="center")
        self.pen.text(LEFT, PAGE_H - 5, self.header.batch_no, 2.4, width_mm=50)

    def _draw_end_block(self, top: float) -> None:
        pen, t, h = self.pen, self.totals, self.header
        pen.text(LEFT + 0.6, top + 4, f"合计 Total: {t.rows} 件 parcels · {len(t.bags)} 袋 bags",
                 2.6, bold=True)
        qty_right = _LEFTS[6] + COLUMNS[6][2] - 0.6
        pen.text(qty_right, top + 4, quantity(t.quantity), 2.6, align="right", bold=True)
        pen.text(_LEFTS[7] + COLUMNS[7][2] - 0.6, top + 4, weight(t.weight), 2.6,
                 align="right", bold=True)
        pen.text(_LEFTS[8] + COLUMNS[8][2] - 0.6, top + 4, money(t.value), 2.6, align="right",
                 bold=True)
        pen.text(LEFT + 0.6, top + 8.5,
                 f"预估税额 Estimated tax: {h.currency} {money(h.total_estimated_tax)}", 2.4)
        pen.hline(LEFT, RIGHT, top + 10, 1.0)
        boxes = ("申报单位（签章） Declarant (signature & stamp)",
                 "承运人 Carrier (signature)",
                 "海关签章 Customs stamp")
        box_w = (RIGHT - LEFT - 8) / 3
        for index, caption in enumerate(boxes):
            x = LEFT + index * (box_w + 4)
            pen.box(x, top + 13, box_w, 28, width_pt=0.8)
            pen.text(x + 1.5, top + 17, caption, 2.3, width_mm=box_w - 3)
            pen.text(x + 1.5, top + 38, "日期 Date:", 2.3)


def write_manifest(
    header: ManifestHeader,
    rows: Iterable[ManifestRow],
    target: str | Path,
    lang: str = "zh_CN",
    invariant: bool = False,
    progress: Callable[[int], None] | None = None,
) -> DocumentResult:
    """Write the manifest of one batch; `rows` is consumed once, in order.

    Raises ConflictError when the rows do not match `header.parcel_count` (the batch changed
    between counting and reading); no file is left behind then.
    """
    title = f"Manifest {header.batch_no}"
    with atomic_canvas(target, A4, title, invariant) as canvas:
        writer = ManifestWriter(canvas, header, lang)
        for row in rows:
            writer.add(row)
            if progress is not None:
                progress(writer.totals.rows)
        writer.close()
    return DocumentResult(str(target), writer.page, writer.totals.rows, tuple(writer.missing))
