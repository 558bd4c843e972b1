"""The one place the workspace asks security how to show personal data (IDs, phones).

Grid pages, the editor and the scan list call `personal_data_formatter(actor)` once and apply
the returned function to (CEB field name, value). Identity numbers and phones are masked for
everyone by default (`app.security.masking`, issue 10); a supervisor who chose "Show personal
data" (an audited unmask, `app.security.pii.require_unmask`) gets a formatter with
`unmasked=True` that shows them in full.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from app.security.context import Actor, Permission
from app.security.masking import DEFAULT_MASKED_KINDS, mask_field

Formatter = Callable[[str, Any], Any]


def _identity(_field: str, value: Any) -> Any:
    return value


def _masked(field: str, value: Any) -> Any:
    return mask_field(field, value, DEFAULT_MASKED_KINDS)


def personal_data_formatter(actor: Actor, unmasked: bool = False) -> Formatter:
    if unmasked and actor.can(Permission.UNMASK):
        return _identity
    return _masked
