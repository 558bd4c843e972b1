"""Write-only personal data in the editor: masked fields take a complete new value, and no
text the editor shows (problem messages, tooltips, conflicts) carries a full ID or phone.

A field whose value the actor may only see masked (`ui.declarations.pii`) shows the masked
value as its placeholder and starts empty: empty keeps the stored value, anything typed
replaces it. A new resident ID must pass the GB 11643 check before it is saved, because the
clerk cannot look at it again afterwards.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import date
from typing import Any

from app.i18n import render
from app.security.masking import (
    DEFAULT_MASKED_KINDS,
    PII_FIELDS,
    mask_field,
    mask_record,
    redact_text,
)
from app.services.editing import Snapshot
from app.services.write_only import new_id_problem, normalised


def new_value_problem(name: str, typed: str, head: Mapping[str, Any], today: date,
                      lang: str) -> str | None:
    """Why `typed` cannot replace the stored value of `name`, or None (the number masked)."""
    problem = new_id_problem(name, typed, head, today)
    return None if problem is None else render(problem, lang)



class Scrubber:
    """Masks every full ID or phone of one declaration (stored or typed) in shown texts."""

    def __init__(self) -> None:
        self._pairs: list[tuple[str, str]] = []

    def remember(self, head: Mapping[str, Any]) -> None:
        """Add the personal values of `head` (stored or typed) to what is masked."""
        for name, kind in PII_FIELDS.items():
            if kind not in DEFAULT_MASKED_KINDS:
                continue
            value = str(head.get(name) or "").strip()
            if len(value) < 3:
                continue
            masked = str(mask_field(name, value, DEFAULT_MASKED_KINDS))
            for form in {value, normalised(name, value)}:
                if form != masked and (form, masked) not in self._pairs:
                    self._pairs.append((form, masked))
        self._pairs.sort(key=lambda p: -len(p[0]))  # longer first: no partial replacements

    def clear(self) -> None:
        self._pairs = []

    def __call__(self, text: str) -> str:
        for full, masked in self._pairs:
            text = text.replace(full, masked)
        return redact_text(text)


def masked_snapshot(snap: Snapshot) -> Snapshot:
    """`snap` with its personal data masked (to show someone else's version)."""
    return replace(snap, head=mask_record(snap.head))
