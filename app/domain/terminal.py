"""Text shown on a terminal: control characters escaped, never obeyed (a name with an ANSI
escape in an imported file must not recolour or clear a clerk's terminal)."""

from __future__ import annotations

import re

_TERMINAL_RE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")


def escape_controls(text: str) -> str:
    """`text` with every control character shown as `\\x1b` / `\\ud800` instead of raw."""
    return _TERMINAL_RE.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), text)
