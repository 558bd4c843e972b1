"""The bundled CJK font: registration with reportlab and the glyph pre-flight.

Labels and manifests carry Chinese names and addresses. They use WenQuanYi Micro Hei from
`resources/fonts/`, registered as a TrueType font so reportlab embeds a subset of it in every
PDF. The non-embedded `STSong-Light` CID font is deliberately not used: printers and viewers
without Asian fonts draw it blank or as boxes.

The pre-flight lists every character the font cannot draw (rare characters in names, emoji)
with the record it is in, so the clerk can decide before paper is wasted.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

from app.paths import resource_path

FONT_NAME = "WenQuanYiMicroHei"
FONT_FILE = "wqy-microhei.ttc"
_SUBFONT_INDEX = 0


@dataclass(frozen=True)
class MissingGlyph:
    """A character of `record_id` (in `field`) that the bundled font has no glyph for."""

    record_id: str
    field: str
    char: str

    @property
    def codepoint(self) -> str:
        return f"U+{ord(self.char):04X}"


@cache
def register_cjk_font() -> str:
    """Register the bundled font with reportlab (once) and return its reportlab name."""
    if FONT_NAME not in pdfmetrics.getRegisteredFontNames():
        path = resource_path("fonts", FONT_FILE)
        pdfmetrics.registerFont(TTFont(FONT_NAME, str(path), subfontIndex=_SUBFONT_INDEX))
    return FONT_NAME


@cache
def _covered_chars() -> frozenset[str]:
    font = pdfmetrics.getFont(register_cjk_font())
    return frozenset(chr(code) for code in font.face.charToGlyph)


def can_draw(char: str) -> bool:
    """True when the bundled font has a glyph for `char` (controls and spaces always pass)."""
    if char in _covered_chars():
        return True
    return unicodedata.category(char) in {"Cc", "Cf", "Zs", "Zl", "Zp"}


def missing_chars(text: str) -> list[str]:
    """The distinct characters of `text` the font cannot draw, in order of first appearance."""
    if _covered_chars().issuperset(text):  # the common case, one C-level set operation
        return []
    seen: dict[str, None] = {}
    for char in text:
        if char not in seen and not can_draw(char):
            seen[char] = None
    return list(seen)


def preflight(records: Iterable[tuple[str, Iterable[tuple[str, str]]]]) -> list[MissingGlyph]:
    """Check every text of every record against the font.

    `records` yields `(record_id, [(field, text), …])`. Returns one `MissingGlyph` per
    distinct (record, character), in input order, naming the first field it appears in.
    """
    found: list[MissingGlyph] = []
    for record_id, texts in records:
        reported: set[str] = set()
        for field, text in texts:
            for char in missing_chars(text or ""):
                if char not in reported:
                    reported.add(char)
                    found.append(MissingGlyph(record_id, field, char))
    return found
