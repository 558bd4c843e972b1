"""The one parser for a day typed into a date box (filter bar, reports, CLI options).

Clerks type days the way Excel taught them: 20261101, 2026/11/1, 2026-11-01, 2026.11.1,
2026年11月1日, full-width digits included. Every date entry accepts the same forms.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date

from app.domain.errors import ValidationError

_COMPACT = re.compile(r"(\d{4})(\d{2})(\d{2})")
_SEPARATED = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?")


def parse_day(text: str) -> date | None:
    """The day written in `text`; None for blank text.

    Raises ValidationError (naming the text) when it is not one of the accepted forms or not
    a real day (2026-02-30)."""
    s = unicodedata.normalize("NFKC", text).strip()
    if not s:
        return None
    match = _COMPACT.fullmatch(s) or _SEPARATED.fullmatch(s)
    if match is not None:
        year, month, day = (int(g) for g in match.groups())
        try:
            return date(year, month, day)
        except ValueError:
            pass
    raise ValidationError(
        "{text} is not a date: type it as 20261101, 2026/11/1 or 2026-11-01.", text=text.strip())


def could_become_day(text: str) -> bool:
    """True while `text` may still grow into a day (only digits and date separators, not
    too long): what a date box lets the clerk go on typing."""
    s = unicodedata.normalize("NFKC", text).strip()
    return len(s) <= 11 and re.fullmatch(r"[\d\s\-/.年月日]*", s) is not None
