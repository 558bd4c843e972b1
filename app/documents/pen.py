"""Drawing primitives in millimetres measured from the top of a box (labels, forms).

reportlab measures in points from the bottom; printed layouts are designed in millimetres from
the top. `Pen` converts, and keeps every stroke solid black (thermal printers have no grey).
"""

from __future__ import annotations

from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from app.documents.fonts import register_cjk_font
from app.documents.text import fit


class Pen:
    """Draws on `canvas` in a box `height_mm` tall whose lower-left is the current origin."""

    def __init__(self, canvas: Canvas, height_mm: float) -> None:
        self.canvas = canvas
        self.height = height_mm
        self.font = register_cjk_font()

    def y(self, top_mm: float) -> float:
        return float((self.height - top_mm) * mm)

    def text(
        self,
        x_mm: float,
        baseline_mm: float,
        text: str,
        size_mm: float,
        align: str = "left",
        width_mm: float | None = None,
        bold: bool = False,
    ) -> None:
        """Draw one line; `width_mm` cuts it with an ellipsis; `bold` thickens the strokes."""
        if not text:
            return
        size = size_mm * mm
        if width_mm is not None:
            text = fit(text, self.font, size, width_mm * mm)
        c = self.canvas
        x = x_mm * mm
        if align != "left":
            width = c.stringWidth(text, self.font, size)
            x -= width if align == "right" else width / 2
        if bold:
            obj = c.beginText(x, self.y(baseline_mm))
            obj.setFont(self.font, size)
            obj.setTextRenderMode(2)  # fill + stroke: a heavier face without a bold font file
            c.setLineWidth(size * 0.045)
            obj.textOut(text)
            obj.setTextRenderMode(0)  # the mode is graphics state: never let it leak
            c.drawText(obj)
            return
        c.setFont(self.font, size)
        c.drawString(x, self.y(baseline_mm), text)

    def hline(self, x1_mm: float, x2_mm: float, top_mm: float, width_pt: float = 0.8) -> None:
        self.canvas.setLineWidth(width_pt)
        self.canvas.line(x1_mm * mm, self.y(top_mm), x2_mm * mm, self.y(top_mm))

    def vline(self, x_mm: float, top1_mm: float, top2_mm: float, width_pt: float = 0.8) -> None:
        self.canvas.setLineWidth(width_pt)
        self.canvas.line(x_mm * mm, self.y(top1_mm), x_mm * mm, self.y(top2_mm))

    def box(
        self, x_mm: float, top_mm: float, w_mm: float, h_mm: float,
        width_pt: float = 0.8, fill: bool = False,
    ) -> None:
        self.canvas.setLineWidth(width_pt)
        self.canvas.rect(
            x_mm * mm, self.y(top_mm + h_mm), w_mm * mm, h_mm * mm,
            stroke=1, fill=1 if fill else 0,
        )
