"""Bag manifest (总包清单, A4) on its own: every closed bag with its number, route, parcel count
and weight, and under it the parcels it holds (waybill, order, gross weight, batch).

The batch manifest has a bags section listing the bags of one batch; this one is what goes
with the bags themselves (to the carrier, per day or shift). Rows have a fixed height and a
bag never starts in the last rows of a page, so the layout is known before drawing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from pathlib import Path

from reportlab.lib.pagesizes import A4

from app.documents.models import DocumentResult
from app.documents.output import atomic_canvas
from app.documents.pen import Pen
from app.documents.text import weight
from app.domain.clock import BEIJING

PAGE_H = 297.0
LEFT, RIGHT = 12.0, 198.0
TOP = 12.0
HEADER_H = 30.0
ROW_H = 5.0
BOTTOM = PAGE_H - 14.0
FONT_MM = 2.4
# Parcel columns: (zh, en, width mm, right-aligned?)
COLUMNS: tuple[tuple[str, str, float, bool], ...] = (
    ("序号", "Seq", 14.0, True),
    ("运单号", "Waybill", 52.0, False),
    ("订单号", "Order", 52.0, False),
    ("毛重kg", "G.W. kg", 28.0, True),
    ("批次", "Batch", 40.0, False),
)


@dataclass(frozen=True)
class ManifestBag:
    bag_no: str
    route: str
    parcels: int
    weight_kg: Decimal | None
    closed_by: str
    closed_at: datetime | None
    rows: tuple[tuple[str, str, Decimal | None, str], ...]  # waybill, order, gross kg, batch


class _Writer:
    def __init__(self, pen: Pen, broker: str, period: str, bags: Sequence[ManifestBag]) -> None:
        self.pen, self.broker, self.period, self.bags = pen, broker, period, bags
        self.page = 0
        self.top = BOTTOM

    def _room(self, rows: int) -> None:
        if self.top + rows * ROW_H <= BOTTOM:
            return
        if self.page:
            self.pen.canvas.showPage()
        self.page += 1
        self._header()

    def _header(self) -> None:
        pen = self.pen
        if self.page == 1:
            pen.text(LEFT, TOP + 6, "总包清单  Bag manifest", 5.0, bold=True)
            pen.text(RIGHT, TOP + 6, self.broker, 3.2, align="right", width_mm=90, bold=True)
            parcels = sum(b.parcels for b in self.bags)
            total = sum((b.weight_kg or Decimal(0) for b in self.bags), Decimal(0))
            pen.text(LEFT, TOP + 14, f"期间 Period: {self.period}", 2.8)
            pen.text(LEFT, TOP + 20, f"袋数 Bags: {len(self.bags)}    件数 Parcels: {parcels}    "
                     f"总重量 Total weight: {weight(total)} kg", 2.8, bold=True)
            pen.hline(LEFT, RIGHT, TOP + HEADER_H - 4, 1.0)
            self.top = TOP + HEADER_H
        else:
            pen.text(LEFT, TOP + 4, f"总包清单 Bag manifest · {self.broker} · {self.period}",
                     2.6, width_mm=RIGHT - LEFT)
            self.top = TOP + 9
        pen.text((LEFT + RIGHT) / 2, PAGE_H - 6, f"第 {self.page} 页 · Page {self.page}", 2.4,
                 align="center")

    def _cells(self, cells: Sequence[str], bold: bool = False) -> None:
        x = LEFT
        baseline = self.top + ROW_H - 1.4
        for (_zh, _en, width, right), cell in zip(COLUMNS, cells, strict=True):
            anchor = x + width - 0.8 if right else x + 0.8
            self.pen.text(anchor, baseline, cell, FONT_MM, align="right" if right else "left",
                          width_mm=width - 1.6, bold=bold)
            x += width
        self.top += ROW_H

    def bag(self, n: int, bag: ManifestBag) -> None:
        self._room(4)  # the bag line, the column heads and at least one parcel
        pen = self.pen
        pen.hline(LEFT, RIGHT, self.top + 1, 0.8)
        closed = (bag.closed_at.astimezone(BEIJING).strftime("%Y-%m-%d %H:%M")
                  if bag.closed_at else "-")
        kg = "-" if bag.weight_kg is None else weight(bag.weight_kg)
        pen.text(LEFT + 0.8, self.top + ROW_H + 0.6,
                 f"{n}. 袋号 Bag {bag.bag_no}   路由 Route {bag.route or '-'}   "
                 f"件数 Parcels {bag.parcels}   重量 Weight {kg} kg", 3.0, bold=True,
                 width_mm=RIGHT - LEFT - 50)
        pen.text(RIGHT - 0.8, self.top + ROW_H + 0.6, f"{bag.closed_by} {closed}", 2.4,
                 align="right", width_mm=48)
        self.top += ROW_H + 1.5
        self._heads()
        for seq, (waybill, order, gross, batch) in enumerate(bag.rows, start=1):
            if self.top + ROW_H > BOTTOM:
                self._room(2)
                self._heads()
            self._cells((str(seq), waybill, order, "-" if gross is None else weight(gross),
                         batch or "-"))
        self.top += 2.0

    def _heads(self) -> None:
        self._cells(tuple(f"{zh} {en}" for zh, en, _w, _r in COLUMNS), bold=True)
        self.pen.hline(LEFT, RIGHT, self.top, 0.4)


def write_bag_manifest(bags: Sequence[ManifestBag], target: str | Path, *, broker: str,
                       period: str, invariant: bool = False) -> DocumentResult:
    """Write the bag manifest of `bags` (in the order given) to `target` (temp file + rename).
    Returns the file, its pages and the number of parcels listed."""
    with atomic_canvas(target, A4, "Bag manifest", invariant) as canvas:
        writer = _Writer(Pen(canvas, PAGE_H), broker, period, bags)
        writer._room(1)  # the first page, even for no bags
        if not bags:
            writer.pen.text(LEFT, writer.top + 6, "无已封袋 No closed bags", 3.0)
        for n, bag in enumerate(bags, start=1):
            writer.bag(n, bag)
    return DocumentResult(str(target), writer.page, sum(len(b.rows) for b in bags))
