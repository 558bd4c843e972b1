"""UPU customs declarations for postal items: the CN22 block on the label, the CN23 form.

A CN22 fits the 100×150 label and is allowed while the contents are worth up to 300 SDR;
above that the item needs a CN23 (A4, drawn by `cn23.py`). The SDR rate (CNY per SDR) is a
setting, passed in.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

from reportlab.lib.units import mm

from app.documents.models import CustomsDeclaration, CustomsItem
from app.documents.pen import Pen
from app.documents.text import money, quantity, weight, wrap

CN22_LIMIT_SDR = Decimal(300)
DEFAULT_SDR_RATE = Decimal("9.60")  # CNY per SDR; the broker setting overrides it
CN22_TOP = 110.0  # where the block starts on the 100×150 label (mm from the top)
CN22_ROWS = 3

_S10 = re.compile(r"^[A-Z]{2}(\d{8})(\d)[A-Z]{2}$")
_S10_WEIGHTS = (8, 6, 4, 2, 3, 5, 9, 7)

CATEGORY_CAPTIONS: tuple[tuple[str, str], ...] = (
    ("gift", "礼品 Gift"),
    ("documents", "文件 Documents"),
    ("sample", "样品 Sample"),
    ("returned", "退货 Returned"),
    ("sale", "销售 Sale of goods"),
    ("other", "其他 Other"),
)
CERTIFICATE = (
    "I, the undersigned, certify that the particulars given in this declaration are correct "
    "and that this item does not contain any dangerous article or articles prohibited by "
    "legislation or by postal or customs regulations. 本人保证所填各项内容属实，邮件内未装寄"
    "法律或邮政、海关规章禁止寄递的任何危险物品。"
)


def s10_check_digit(serial: str) -> int:
    """UPU S10 check digit of an 8-digit serial number."""
    total = sum(int(d) * w for d, w in zip(serial, _S10_WEIGHTS, strict=True))
    check = 11 - total % 11
    return {10: 0, 11: 5}.get(check, check)


def is_s10(waybill: str) -> bool:
    """True for a well-formed UPU S10 item identifier with a correct check digit."""
    match = _S10.match(waybill)
    if match is None:
        return False
    return s10_check_digit(match.group(1)) == int(match.group(2))


def value_in_sdr(declaration: CustomsDeclaration, sdr_rate: Decimal) -> Decimal:
    """Total value of the contents in SDR; `sdr_rate` is units of its currency per SDR."""
    if sdr_rate <= 0:
        raise ValueError("SDR rate must be positive")
    return declaration.total_value / sdr_rate


def needs_cn23(declaration: CustomsDeclaration, sdr_rate: Decimal) -> bool:
    """Above 300 SDR a CN22 is not enough: the item travels with a CN23."""
    return value_in_sdr(declaration, sdr_rate) > CN22_LIMIT_SDR


def hs6(code: str) -> str:
    """The 6-digit HS tariff number of a longer national code (`6109100021` → `610910`)."""
    digits = "".join(ch for ch in code if ch.isdigit())
    return digits[:6]


# Column left edges and widths of the item table on the label (mm).
_COLS = ((2.5, 45.0), (47.5, 12.5), (60.0, 14.5), (74.5, 12.5), (87.0, 10.5))
_HEAD_Y = CN22_TOP + 9.5
_ROW0 = _HEAD_Y + 3.8
_ROW_H = 3.1
_TOTAL_Y = _ROW0 + CN22_ROWS * _ROW_H + 0.4
_SIGN_Y = _TOTAL_Y + 3.6


def draw_cn22_static(pen: Pen) -> None:
    """Frame, captions and the certificate: identical on every CN22 label."""
    top = CN22_TOP
    pen.hline(0, 100, top, 1.2)
    pen.text(2.5, top + 3.2, "CUSTOMS DECLARATION 海关申报单", 2.4, bold=True)
    pen.text(97.5, top + 3.6, "CN 22", 3.6, align="right", bold=True)
    pen.text(60.0, top + 3.2, "May be opened officially", 1.6)
    for index, (_key, caption) in enumerate(CATEGORY_CAPTIONS):
        x = 2.5 + index * 15.9
        pen.box(x, top + 4.4, 1.8, 1.8, width_pt=0.5)
        pen.text(x + 2.3, top + 6.0, caption, 1.55, width_mm=13.4)
    pen.hline(2.5, 97.5, _HEAD_Y - 2.3, 0.5)
    captions = (
        "数量及详细内容 Quantity and detailed description of contents",
        "重量 Weight(kg)",
        "价值 Value",
        "HS tariff no.",
        "原产国 Origin",
    )
    for (x, w), caption in zip(_COLS, captions, strict=True):
        pen.text(x + 0.4, _HEAD_Y + 0.2, caption, 1.45, width_mm=w - 0.6)
    pen.hline(2.5, 97.5, _HEAD_Y + 1.0, 0.5)
    pen.hline(2.5, 97.5, _TOTAL_Y - 2.6, 0.5)
    for x, _w in _COLS[1:]:
        pen.vline(x, _HEAD_Y - 2.3, _TOTAL_Y + 0.9, 0.5)
    pen.text(2.9, _TOTAL_Y, "总计 Total gross weight / value", 1.7)
    pen.hline(2.5, 97.5, _TOTAL_Y + 0.9, 0.5)
    lines = _certificate_lines(pen)
    for index, line in enumerate(lines):
        pen.text(2.5, _SIGN_Y + index * 1.8, line, 1.4)
    sign_y = _SIGN_Y + len(lines) * 1.8 + 2.2
    pen.text(2.5, sign_y, "日期及寄件人签字 Date and sender's signature", 1.8)
    pen.hline(70.0, 97.5, sign_y + 0.4, 0.5)


def _certificate_lines(pen: Pen) -> list[str]:
    return wrap(CERTIFICATE, pen.font, 1.4 * mm, 95.0 * mm, 4)


def draw_cn22_values(pen: Pen, declaration: CustomsDeclaration, date: dt.date) -> None:
    """Ticked category, up to three article lines, totals and the date."""
    top = CN22_TOP
    for index, (key, _caption) in enumerate(CATEGORY_CAPTIONS):
        if key == declaration.category:
            pen.box(2.5 + index * 15.9 + 0.35, top + 4.75, 1.1, 1.1, width_pt=0.5, fill=True)
    rows = list(declaration.items[:CN22_ROWS])
    hidden = declaration.items[CN22_ROWS:]
    for index, item in enumerate(rows):
        description = f"{quantity(item.quantity)} × {item.description}"
        if hidden and index == CN22_ROWS - 1:
            description = f"{description} (+{len(hidden)})"
        _draw_row(pen, _ROW0 + index * _ROW_H, description, item, declaration.currency)
    pen.text(_COLS[1][0] + _COLS[1][1] - 0.4, _TOTAL_Y, weight(declaration.total_weight),
             1.9, align="right", bold=True)
    pen.text(_COLS[2][0] + _COLS[2][1] - 0.4, _TOTAL_Y,
             f"{declaration.currency} {money(declaration.total_value)}", 1.9, align="right",
             width_mm=_COLS[2][1] - 0.8, bold=True)
    lines = _certificate_lines(pen)
    sign_y = _SIGN_Y + len(lines) * 1.8 + 2.2
    pen.text(57.0, sign_y, date.isoformat(), 2.0)


def _draw_row(pen: Pen, y: float, description: str, item: CustomsItem, currency: str) -> None:
    cells = (
        (description, "left"),
        (weight(item.net_weight), "right"),
        (f"{currency} {money(item.value)}", "right"),
        (hs6(item.hs_code), "left"),
        (item.origin_country, "left"),
    )
    for (x, w), (text, align) in zip(_COLS, cells, strict=True):
        anchor = x + 0.4 if align == "left" else x + w - 0.4
        pen.text(anchor, y, text, 1.9, align=align, width_mm=w - 0.8)


def draw_cn23_notice(pen: Pen, declaration: CustomsDeclaration, sdr_rate: Decimal) -> None:
    """Above 300 SDR the label says a CN23 travels with the item instead of a CN22 block."""
    sdr = value_in_sdr(declaration, sdr_rate).quantize(Decimal("0.01"))
    pen.text(50, CN22_TOP + 12, "CN 23", 9.0, align="center", bold=True)
    pen.text(50, CN22_TOP + 19, "附 CN23 报关单 · CN23 customs declaration attached", 2.6,
             align="center")
    pen.text(50, CN22_TOP + 24, f"{declaration.currency} {money(declaration.total_value)}"
             f" ≈ {sdr} SDR > 300 SDR", 2.6, align="center")
