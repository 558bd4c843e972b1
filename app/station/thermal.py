"""Labels in the thermal printers' own languages: ZPL (Zebra) and TSPL (TSC, Gprinter, Xprinter).

A label is laid out once as a few elements in millimetres (text, Code 128, rules). The
renderers turn them into printer commands at the profile's resolution: text (Chinese names and
the 大头笔 destination) as a monochrome bitmap drawn with the bundled CJK font (`^GF` in ZPL,
`BITMAP` in TSPL), barcodes and rules as the printer's own commands — or, when the profile
says `bitmap`, the whole label as one bitmap for printers whose barcode fonts misbehave.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from typing import Any, Protocol

from PIL import Image, ImageDraw, ImageFont

from app.documents.barcodes import QUIET_MODULES, code128_bars
from app.documents.fonts import FONT_FILE
from app.documents.models import LabelData
from app.documents.text import weight
from app.paths import resource_path
from app.station.profiles import ThermalProfile

MM_PER_INCH = 25.4
_INVERT = bytes(255 - i for i in range(256))


@dataclass(frozen=True)
class Text:
    x: float  # mm from the left edge
    y: float  # mm from the top edge (top of the text)
    text: str
    size: float  # mm, the height of the characters
    align: str = "left"  # left | center | right (x is then the centre / right edge)
    width: float = 0.0  # mm; text wider than this is shrunk to fit (0 = no limit)


@dataclass(frozen=True)
class Barcode:
    """A Code 128 centred on `x`, `height` mm high, its top at `y`."""

    x: float
    y: float
    data: str
    height: float
    max_width: float


@dataclass(frozen=True)
class Rule:
    x: float
    y: float
    width: float
    height: float


Element = Text | Barcode | Rule


def parcel_label(label: LabelData, measured_kg: Decimal | None, w: float = 100.0,
                 bag_no: str = "") -> list[Element]:
    """The station's parcel label: sort code, 大头笔, waybill barcode, consignee, weight."""
    dest = label.destination or "地址无法识别"
    shown_weight = measured_kg if measured_kg is not None else label.gross_weight
    return [
        Text(3, 3, label.route_code or "-", 9, width=w / 2 - 4),
        Text(w - 3, 3, label.batch_no, 3.2, align="right", width=w / 2 - 4),
        Text(w - 3, 8, bag_no or label.bag_no, 3.2, align="right", width=w / 2 - 4),
        Rule(0, 14, w, 0.5),
        Text(w / 2, 17, dest, 9, align="center", width=w - 6),
        Rule(0, 29, w, 0.5),
        Barcode(w / 2, 33, label.waybill, 18, w - 8),
        Text(w / 2, 53, label.waybill, 4, align="center"),
        Rule(0, 60, w, 0.5),
        Text(3, 63, label.consignee.name, 5.5, width=w - 6),
        Text(3, 71, label.consignee.address[:40], 3.6, width=w - 6),
        Text(3, 76, label.consignee.address[40:80], 3.6, width=w - 6),
        Rule(0, 82, w, 0.5),
        Text(3, 85, label.goods_summary[:30], 3.6, width=w - 6),
        Text(3, 92, f"{weight(shown_weight)} kg", 5, width=w / 2),
        Text(w - 3, 92, label.order_no, 3.6, align="right", width=w / 2 - 4),
    ]


def bag_label(bag_no: str, route: str, count: int, weight_kg: Decimal | None,
              w: float = 100.0) -> list[Element]:
    """A bag label: bag number as Code 128, route code, parcel count and bag weight."""
    shown = "-" if weight_kg is None else f"{weight(weight_kg)} kg"
    return [
        Text(w / 2, 4, "总包 BAG", 5, align="center"),
        Text(w / 2, 12, route or "-", 14, align="center", width=w - 6),
        Rule(0, 30, w, 0.5),
        Barcode(w / 2, 34, bag_no, 20, w - 8),
        Text(w / 2, 56, bag_no, 4.5, align="center"),
        Rule(0, 64, w, 0.5),
        Text(3, 68, f"件数 PCS {count}", 6, width=w - 6),
        Text(3, 78, f"重量 WT {shown}", 6, width=w - 6),
    ]


# --- rendering ---------------------------------------------------------------------------

@cache
def _font(px: int) -> Any:
    return ImageFont.truetype(str(resource_path("fonts", FONT_FILE)), max(6, px), index=0)


def text_image(text: str, height_px: int, max_width_px: int = 0) -> Image.Image:
    """`text` drawn black on white in mode "1", `height_px` high (shrunk to `max_width_px`)."""
    font = _font(height_px)
    left, top, right, bottom = font.getbbox(text or " ")
    if max_width_px and right - left > max_width_px:
        font = _font(int(height_px * max_width_px / (right - left)))
        left, top, right, bottom = font.getbbox(text or " ")
    image = Image.new("1", (max(8, right - left), max(1, bottom - top)), 1)
    ImageDraw.Draw(image).text((-left, -top), text, font=font, fill=0)
    return image


def _module_dots(data: str, max_width_dots: int) -> tuple[int, int]:
    """(module width in dots, symbol width in dots): the widest module that fits."""
    modules = code128_bars(data).modules
    for module in (4, 3, 2, 1):
        if (modules + 2 * QUIET_MODULES) * module <= max_width_dots:
            return module, modules * module
    return 1, modules


def barcode_image(data: str, module: int, height_px: int) -> Image.Image:
    bars = code128_bars(data)
    image = Image.new("1", (bars.modules * module, height_px), 1)
    draw = ImageDraw.Draw(image)
    x = 0
    for index, width in enumerate(bars.widths):
        if index % 2 == 0:
            draw.rectangle((x, 0, x + width * module - 1, height_px - 1), fill=0)
        x += width * module
    return image


@dataclass(frozen=True)
class _Placed:
    x: int
    y: int
    image: Image.Image


def _place_text(el: Text, p: ThermalProfile) -> _Placed:
    image = text_image(el.text, p.dots(el.size), p.dots(el.width) if el.width else 0)
    x = p.dots(el.x)
    if el.align == "center":
        x -= image.width // 2
    elif el.align == "right":
        x -= image.width
    return _Placed(max(0, x) + p.dots(p.offset_x_mm), p.dots(el.y) + p.dots(p.offset_y_mm),
                   image)


class _Emitter(Protocol):
    """What one output does with the placed elements (positions in dots, offsets applied)."""

    def bitmap(self, x: int, y: int, image: Image.Image) -> None: ...
    def barcode(self, x: int, y: int, module: int, height: int, data: str) -> None: ...
    def rule(self, x: int, y: int, width: int, height: int) -> None: ...


def _walk(elements: Sequence[Element], p: ThermalProfile, out: _Emitter) -> None:
    """Place every element at the profile's resolution and hand it to `out`: the one layout
    walk behind the whole-label bitmap, ZPL and TSPL."""
    ox, oy = p.dots(p.offset_x_mm), p.dots(p.offset_y_mm)
    for el in elements:
        if isinstance(el, Text):
            placed = _place_text(el, p)
            out.bitmap(placed.x, placed.y, placed.image)
        elif isinstance(el, Barcode):
            module, width = _module_dots(el.data, p.dots(el.max_width))
            out.barcode(p.dots(el.x) - width // 2 + ox, p.dots(el.y) + oy, module,
                        p.dots(el.height), el.data)
        else:
            out.rule(p.dots(el.x) + ox, p.dots(el.y) + oy, max(1, p.dots(el.width)),
                     max(1, p.dots(el.height)))


class _Painter:
    """Draws the elements onto one mode-"1" image (black = 0)."""

    def __init__(self, p: ThermalProfile) -> None:
        self.image = Image.new("1", (p.dots(p.width_mm), p.dots(p.height_mm)), 1)
        self.draw = ImageDraw.Draw(self.image)

    def bitmap(self, x: int, y: int, image: Image.Image) -> None:
        self.image.paste(image, (x, y))

    def barcode(self, x: int, y: int, module: int, height: int, data: str) -> None:
        self.image.paste(barcode_image(data, module, height), (x, y))

    def rule(self, x: int, y: int, width: int, height: int) -> None:
        self.draw.rectangle((x, y, x + width - 1, y + height - 1), fill=0)


def label_image(elements: Sequence[Element], p: ThermalProfile) -> Image.Image:
    """The whole label as one mode-"1" image (black = 0), at the profile's resolution."""
    painter = _Painter(p)
    _walk(elements, p, painter)
    return painter.image


def _packed(image: Image.Image, black_bit: int) -> tuple[int, bytes]:
    """(bytes per row, rows packed MSB first) with black pixels as `black_bit`."""
    row_bytes = (image.width + 7) // 8
    padded = Image.new("1", (row_bytes * 8, image.height), 1)
    padded.paste(image, (0, 0))
    data = padded.tobytes()  # mode "1" packs white as 1
    if black_bit == 1:
        data = data.translate(_INVERT)
    return row_bytes, data


def zpl_graphic(x: int, y: int, image: Image.Image) -> bytes:
    row_bytes, data = _packed(image, black_bit=1)
    total = len(data)
    return (f"^FO{x},{y}^GFA,{total},{total},{row_bytes},".encode("ascii")
            + data.hex().upper().encode("ascii") + b"^FS\n")


def tspl_bitmap(x: int, y: int, image: Image.Image) -> bytes:
    row_bytes, data = _packed(image, black_bit=0)
    return f"BITMAP {x},{y},{row_bytes},{image.height},0,".encode("ascii") + data + b"\n"


class _Zpl:
    def __init__(self) -> None:
        self.out: list[bytes] = []

    def bitmap(self, x: int, y: int, image: Image.Image) -> None:
        self.out.append(zpl_graphic(x, y, image))

    def barcode(self, x: int, y: int, module: int, height: int, data: str) -> None:
        self.out.append(f"^FO{x},{y}^BY{module}^BCN,{height},N,N,N^FD{_zpl_field(data)}"
                        f"^FS\n".encode("ascii"))

    def rule(self, x: int, y: int, width: int, height: int) -> None:
        self.out.append(f"^FO{x},{y}^GB{width},{height},{min(width, height)}^FS\n"
                        .encode("ascii"))


def _zpl_field(data: str) -> str:
    # ^ and ~ start commands; a waybill never has them, but never let data end the field.
    return data.replace("^", "").replace("~", "")


class _Tspl:
    def __init__(self) -> None:
        self.out: list[bytes] = []

    def bitmap(self, x: int, y: int, image: Image.Image) -> None:
        self.out.append(tspl_bitmap(x, y, image))

    def barcode(self, x: int, y: int, module: int, height: int, data: str) -> None:
        data = data.replace('"', "")
        self.out.append(f'BARCODE {x},{y},"128",{height},0,0,{module},{module},"{data}"\r\n'
                        .encode("ascii"))

    def rule(self, x: int, y: int, width: int, height: int) -> None:
        self.out.append(f"BAR {x},{y},{width},{height}\r\n".encode("ascii"))


def render_zpl(elements: Sequence[Element], p: ThermalProfile) -> bytes:
    """A complete ZPL II label (^XA … ^XZ)."""
    zpl = _Zpl()
    if p.bitmap:
        zpl.bitmap(0, 0, label_image(elements, p))
    else:
        _walk(elements, p, zpl)
    return (f"^XA\n^CI28\n^PW{p.dots(p.width_mm)}\n^LL{p.dots(p.height_mm)}\n"
            f"~SD{p.darkness:02d}\n".encode("ascii") + b"".join(zpl.out) + b"^XZ\n")


def render_tspl(elements: Sequence[Element], p: ThermalProfile) -> bytes:
    """A complete TSPL label (SIZE … PRINT 1)."""
    tspl = _Tspl()
    if p.bitmap:
        tspl.bitmap(0, 0, label_image(elements, p))
    else:
        _walk(elements, p, tspl)
    return (f"SIZE {p.width_mm:g} mm,{p.height_mm:g} mm\r\nGAP 2 mm,0 mm\r\n"
            f"DENSITY {p.darkness * 15 // 30}\r\nDIRECTION 1\r\nCLS\r\n".encode("ascii")
            + b"".join(tspl.out) + b"PRINT 1,1\r\n")


def render(elements: Sequence[Element], p: ThermalProfile) -> bytes:
    return render_zpl(elements, p) if p.language == "zpl" else render_tspl(elements, p)
