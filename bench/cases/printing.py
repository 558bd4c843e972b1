"""labels-1000 and manifest-10k: ClearDesk's documents vs bare reportlab with the same content.

labels-1000: 1,000 100×150 labels vs the naive stack — bare canvas calls with reportlab's own
Code 128 and QR widgets (its pure-Python QR encoder), the same texts and the same font.
manifest-10k: a 10,000-parcel manifest streamed from a generator vs a bare-canvas manifest
drawing the same rows with drawString. Both sides render from plain Python data (no
database), so the ratio measures the document code only. Peak traced memory of our manifest
at n/5 and n shows it stays flat in the number of rows.
"""

from __future__ import annotations

import datetime as dt
import tracemalloc
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

from reportlab.graphics import renderPDF
from reportlab.graphics.barcode.code128 import Code128
from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from app.documents.fonts import register_cjk_font
from app.documents.labels import qr_payload, write_labels
from app.documents.manifest import _LEFTS, COLUMNS, write_manifest
from app.documents.models import LabelData, ManifestHeader, ManifestRow, Party
from app.documents.profiles import THERMAL_100X150
from app.documents.text import mask_name, mask_phone, money, quantity, weight
from bench.registry import Outcome, case, scratch_dir, stopwatch

SENDER = Party("深圳市清关报关有限公司", "0755-88886666", "广东省深圳市南山区科技园南路88号3楼")
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = ("小明", "娜", "建国", "秀英", "伟", "芳", "静", "磊", "洋", "艳")
GOODS = tuple(
    f"{name} {spec}"
    for name in ("婴儿奶粉", "维生素D滴剂", "护手霜", "保湿面霜", "蛋白粉", "鱼油软胶囊",
                 "运动鞋", "羊毛围巾")
    for spec in ("800g ×2", "50ml", "Aptamil Pronutra 3段", "×3 礼盒装", "120粒")
)
CITIES = ("浙江省杭州市西湖区文三路", "广东省广州市天河区体育西路", "上海市浦东新区张杨路",
          "北京市朝阳区建国路", "四川省成都市武侯区人民南路")


def _labels(n: int) -> Iterator[LabelData]:
    for i in range(n):
        yield LabelData(
            str(i), f"YT{1000000000000 + i}", f"ORD-2026-{i:06d}", SENDER,
            Party(SURNAMES[i % 20] + GIVEN[i % 10], f"138{i:08d}",
                  f"{CITIES[i % 5]}{i % 900 + 1}号{i % 30 + 1}栋{i % 20 + 1}01室"),
            GOODS[i % len(GOODS)], Decimal(1 + i % 3), Decimal("1.850"), Decimal("398.00"),
            dt.date(2026, 11, 26), batch_no="B20261126-001", bag_no=f"BAG-{i // 50:04d}",
            route_code="HGH-310",
        )


def _naive_labels(n: int, path: Path) -> None:
    font = register_cjk_font()
    c = Canvas(str(path), pagesize=(100 * mm, 150 * mm), initialFontName=font)

    def text(x: float, top: float, s: str, size: float) -> None:
        c.setFont(font, size * mm)
        c.drawString(x * mm, (150 - top) * mm, s)

    for lab in _labels(n):
        text(3, 10, lab.route_code, 7.5)
        text(40, 3, "批次 Batch", 1.8)
        text(42, 6, lab.batch_no, 2.8)
        text(40, 8.3, "袋号 Bag", 1.8)
        text(42, 11.3, lab.bag_no, 2.8)
        text(73, 6, "件数 Pcs", 1.8)
        text(88, 6, "1/1", 3.6)
        text(75, 11.3, lab.label_date.isoformat(), 2.6)
        for y in (13, 43, 78, 91):
            c.line(0, (150 - y) * mm, 100 * mm, (150 - y) * mm)
        bars = Code128(lab.waybill, barWidth=0.375 * mm, barHeight=19.5 * mm,
                       humanReadable=False)
        bars.drawOn(c, 12 * mm, (150 - 34.5) * mm)
        text(30, 40.5, lab.waybill, 4.2)
        text(2.5, 46.5, "收件人 To", 2.2)
        text(2.5, 52, lab.consignee.name, 5)
        text(2.5, 57.2, mask_phone(lab.consignee.phone), 3.4)
        text(2.5, 61.8, lab.consignee.address[:20], 3.1)
        text(2.5, 65.8, lab.consignee.address[20:], 3.1)
        widget = QrCodeWidget(qr_payload(lab))
        x0, y0, x1, y1 = widget.getBounds()
        drawing = Drawing(24 * mm, 24 * mm,
                          transform=[24 * mm / (x1 - x0), 0, 0, 24 * mm / (y1 - y0), 0, 0])
        drawing.add(widget)
        renderPDF.draw(drawing, c, 73.5 * mm, (150 - 69.5) * mm)
        text(2.5, 81.2, "寄件人 From", 2.2)
        text(21.5, 81.2, lab.sender.name, 2.8)
        text(2.5, 85, lab.sender.phone, 2.5)
        text(2.5, 88.6, lab.sender.address, 2.5)
        text(2.5, 94.8, "内件 Contents", 2.2)
        text(19.5, 94.8, lab.goods_summary, 3)
        text(2.5, 115, "数量 Qty", 2.2)
        text(19.5, 115, quantity(lab.quantity), 3)
        text(36.5, 115, "毛重 G.W.", 2.2)
        text(49.5, 115, weight(lab.gross_weight) + " kg", 3)
        text(68.5, 115, "价值", 2.2)
        text(75, 115, "CNY " + money(lab.declared_value), 3)
        text(2.5, 119.6, "订单 Order", 2.2)
        text(19.5, 119.6, lab.order_no, 3)
        c.showPage()
    c.save()


@case("labels-1000", target=0.5)
def labels_1000(quick: bool) -> Outcome:
    n = 200 if quick else 1000
    register_cjk_font()
    with scratch_dir() as folder:
        with stopwatch() as bare:
            _naive_labels(n, folder / "naive.pdf")
        with stopwatch() as ours:
            result = write_labels(_labels(n), folder / "ours.pdf", THERMAL_100X150)
    return Outcome(ours(), bare(), {"labels": str(n), "pages": str(result.pages)})


def _rows(n: int) -> Iterator[ManifestRow]:
    for i in range(n):
        yield ManifestRow(
            str(i), f"BAG-{i // 50:04d}", f"YT{1000000000000 + i}", f"ORD-2026-{i:06d}",
            SURNAMES[i % 20] + GIVEN[i % 10], GOODS[i % len(GOODS)], Decimal(1 + i % 3),
            Decimal("1.850"), Decimal("398.00"), "released" if i % 7 else "inspection",
        )


def _header(n: int) -> ManifestHeader:
    return ManifestHeader(
        "深圳市清关报关有限公司", "B20261126-001", "999-12345675", "CA1234/20261126", "5141",
        dt.date(2026, 11, 26), n, (n + 49) // 50, Decimal("1.850") * n, Decimal("398") * n,
        Decimal("36.22") * n,
    )


def _naive_manifest(n: int, path: Path) -> None:
    font = register_cjk_font()
    c = Canvas(str(path), pagesize=(210 * mm, 297 * mm), initialFontName=font)
    y = 0.0
    page = 0
    for i, row in enumerate(_rows(n)):
        if y < 20 * mm:
            if page:
                c.showPage()
            page += 1
            c.setFont(font, 12)
            c.drawString(10 * mm, 285 * mm, "进口清单总分单 Batch manifest B20261126-001")
            c.setFont(font, 6.5)
            for (zh, en, _w, _a), x in zip(COLUMNS, _LEFTS, strict=True):
                c.drawString((x + 0.6) * mm, 270 * mm, zh)
                c.drawString((x + 0.6) * mm, 267 * mm, en)
            c.drawString(100 * mm, 5 * mm, f"Page {page}")
            y = 262 * mm
        c.setFont(font, 6.4)
        cells = (str(i + 1), row.bag_no, row.waybill, row.order_no,
                 mask_name(row.consignee_name), row.goods_summary[:12], quantity(row.quantity),
                 weight(row.gross_weight), money(row.declared_value), "Released")
        for cell, x in zip(cells, _LEFTS, strict=True):
            c.drawString((x + 0.6) * mm, y, cell)
        c.line(10 * mm, y - 1.3 * mm, 200 * mm, y - 1.3 * mm)
        y -= 4.5 * mm
    c.save()


def _peak_mb(n: int, path: Path) -> float:
    tracemalloc.start()
    write_manifest(_header(n), _rows(n), path)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak / 1e6


@case("manifest-10k", target=1.3)
def manifest_10k(quick: bool) -> Outcome:
    n = 2000 if quick else 10_000
    register_cjk_font()
    with scratch_dir() as folder:
        with stopwatch() as bare:
            _naive_manifest(n, folder / "naive.pdf")
        with stopwatch() as ours:
            result = write_manifest(_header(n), _rows(n), folder / "ours.pdf")
        small, large = _peak_mb(n // 5, folder / "m1.pdf"), _peak_mb(n, folder / "m2.pdf")
    return Outcome(ours(), bare(), {"rows": str(n), "pages": str(result.pages),
                                    f"peak_mb_{n // 5}": f"{small:.1f}",
                                    f"peak_mb_{n}": f"{large:.1f}"})
