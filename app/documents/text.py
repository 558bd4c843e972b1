"""Text helpers for printed documents: privacy masks, fitting and wrapping to a width."""

from __future__ import annotations

from decimal import Decimal
from functools import lru_cache

from reportlab.pdfbase.pdfmetrics import getFont, stringWidth

ELLIPSIS = "…"
_NO_LINE_START = frozenset("，。、；：！？）》」』】,.;:!?)")


def mask_phone(phone: str) -> str:
    """`13812345678` → `138****5678`: keep the first 3 and last 4 digits.

    Short numbers keep only their last 2 characters; an empty phone stays empty.
    """
    phone = phone.strip()
    if len(phone) >= 8:
        return phone[:3] + "*" * (len(phone) - 7) + phone[-4:]
    if len(phone) > 2:
        return "*" * (len(phone) - 2) + phone[-2:]
    return phone


def mask_name(name: str) -> str:
    """`张三` → `张*`, `欧阳娜娜` → `欧**娜`, `Li Wei` → `L*****`; privacy on manifests."""
    name = name.strip()
    if len(name) <= 1:
        return name
    if len(name) == 2:
        return name[0] + "*"
    if name.isascii():
        return name[0] + "*" * (len(name) - 1)
    return name[0] + "*" * (len(name) - 2) + name[-1]


@lru_cache(maxsize=8192)
def fit(text: str, font: str, size: float, width: float) -> str:
    """`text` cut with an ellipsis so it fits `width` points (unchanged when it fits).

    Cached: manifests and labels repeat the same goods names, bags and statuses a lot.
    """
    measure = getFont(font).stringWidth
    if measure(text, size) <= width:
        return text
    limit = width - measure(ELLIPSIS, size)
    # Longest prefix that fits, by bisection (prefix widths grow with length).
    low, high = 0, len(text)
    while low < high:
        middle = (low + high + 1) // 2
        if measure(text[:middle], size) <= limit:
            low = middle
        else:
            high = middle - 1
    return text[:low].rstrip() + ELLIPSIS


def wrap(text: str, font: str, size: float, width: float, max_lines: int) -> list[str]:
    """Break `text` into at most `max_lines` lines of `width` points.

    Chinese text breaks between any two characters; Latin words are kept whole when they fit
    a line. The last line ends with an ellipsis when text is left over.
    """
    lines: list[str] = []
    current = ""
    current_width = 0.0
    for token in _tokens(text.replace("\n", " ")):
        pieces = [token] if stringWidth(token, font, size) <= width else list(token)
        for piece in pieces:
            piece_width = stringWidth(piece, font, size)
            if current_width + piece_width > width and current:
                carry = ""
                if piece in _NO_LINE_START and len(current) > 1:
                    # Chinese typesetting: a line never starts with closing punctuation,
                    # so the last character moves down with it.
                    current, carry = current[:-1], current[-1]
                lines.append(current.rstrip())
                if len(lines) == max_lines:
                    return _ellipsize(lines, font, size, width)
                current = carry
                current_width = stringWidth(carry, font, size)
            current += piece
            current_width += piece_width
    if current.strip():
        lines.append(current.rstrip())
    return lines


def _ellipsize(lines: list[str], font: str, size: float, width: float) -> list[str]:
    lines[-1] = fit(lines[-1] + ELLIPSIS * 2, font, size, width)
    if not lines[-1].endswith(ELLIPSIS):
        lines[-1] += ELLIPSIS
    return lines


def _tokens(text: str) -> list[str]:
    """Latin words (with their trailing space) stay together; every CJK char is a token."""
    tokens: list[str] = []
    word = ""
    for char in text:
        if char.isascii() and not char.isspace():
            word += char
            continue
        if word:
            tokens.append(word)
            word = ""
        if char.isspace():
            if tokens:
                tokens[-1] += " "
        else:
            tokens.append(char)
    if word:
        tokens.append(word)
    return tokens


def money(value: Decimal) -> str:
    """`1234.5` → `1,234.50`."""
    return f"{value.quantize(Decimal('0.01')):,}"


def weight(value: Decimal) -> str:
    """Kilograms with 3 decimals: `1.2` → `1.200`."""
    return f"{value.quantize(Decimal('0.001')):,}"


def quantity(value: Decimal) -> str:
    """`2.000` → `2`, `1.50` → `1.5`."""
    return f"{value.normalize():f}"
