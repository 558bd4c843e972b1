"""Code 128 and QR codes drawn straight onto a reportlab canvas, each as one filled path.

reportlab's own QR widget spends most of its time in a pure-Python encoder and draws every
module as a separate rectangle. Here segno (a fast encoder) produces the matrix and each row's
runs of dark modules become rectangles of a single path: one fill operation per code.
Code 128 reuses reportlab's encoder (correct start/code-set/check handling) and draws its bars
the same way.
"""

from __future__ import annotations

from dataclasses import dataclass

import segno
from reportlab.graphics.barcode.code128 import Code128
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

# Thermal printers are 203 dpi: one dot is 0.125 mm. Bars a whole number of dots wide print
# crisply, so module widths are chosen from these (widest first).
_MODULE_WIDTHS_MM = (0.5, 0.375, 0.33, 0.25, 0.2)
QUIET_MODULES = 10


@dataclass(frozen=True)
class Code128Bars:
    """The bar pattern of a Code 128 symbol: alternating bar/space widths in modules."""

    widths: tuple[int, ...]

    @property
    def modules(self) -> int:
        return sum(self.widths)


def code128_bars(value: str) -> Code128Bars:
    """Encode `value` (printable ASCII) as Code 128 bars, including start, check and stop."""
    symbol = Code128(value, quiet=0)
    symbol.validate()
    symbol.encode()
    # Letters alternate bar (upper case) and space (lower case); A/a = 1 module … D/d = 4.
    pattern = symbol.decompose()
    return Code128Bars(tuple(ord(c.upper()) - ord("A") + 1 for c in pattern))


def code128_module_width(bars: Code128Bars, available: float) -> float:
    """Widest printable module (in points) such that bars plus quiet zones fit `available`."""
    total_modules = bars.modules + 2 * QUIET_MODULES
    for width_mm in _MODULE_WIDTHS_MM:
        if total_modules * width_mm * mm <= available:
            return float(width_mm * mm)
    return available / total_modules


def draw_code128(
    canvas: Canvas, bars: Code128Bars, x: float, y: float, module: float, height: float
) -> float:
    """Draw the bars with the first bar at `x` (quiet zones are the caller's margin).

    Returns the symbol's width in points.
    """
    ops: list[str] = []
    position = 0
    for index, width in enumerate(bars.widths):
        if index % 2 == 0:  # even entries are bars, odd ones spaces
            ops.append(f"{position} 0 {width} 1 re")
        position += width
    _fill_in_module_units(canvas, ops, x, y, module, height)
    return position * module


def _fill_in_module_units(
    canvas: Canvas, ops: list[str], x: float, y: float, sx: float, sy: float
) -> None:
    """Fill rectangles given in integer module units as one path.

    Integer coordinates under a scaling matrix keep the operators short and exact, and
    skip reportlab's per-number formatting, which dominates the time of a large symbol.
    """
    canvas.saveState()
    canvas.transform(sx, 0, 0, sy, x, y)
    canvas.addLiteral("\n".join(ops) + "\nf")
    canvas.restoreState()


def qr_matrix(data: str, error: str = "m") -> tuple[tuple[bool, ...], ...]:
    """The QR modules of `data` (True = dark), without quiet zone."""
    qr = segno.make_qr(data, error=error)
    return tuple(tuple(bool(v) for v in row) for row in qr.matrix)


def draw_qr(
    canvas: Canvas, matrix: tuple[tuple[bool, ...], ...], x: float, y: float, size: float
) -> None:
    """Draw `matrix` as one path filling a `size`-point square whose lower-left is (x, y)."""
    count = len(matrix)
    ops: list[str] = []
    for row_index, row in enumerate(matrix):
        bottom = count - 1 - row_index
        start = -1
        for col, dark in enumerate((*row, False)):
            if dark and start < 0:
                start = col
            elif not dark and start >= 0:
                ops.append(f"{start} {bottom} {col - start} 1 re")
                start = -1
    module = size / count
    _fill_in_module_units(canvas, ops, x, y, module, module)
