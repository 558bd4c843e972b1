"""The one place the workspace asks security how to show personal data (IDs, phones).

Grid pages, the editor and the scan list call `personal_data_formatter(actor)` once and apply
the returned function to (CEB field name, value). Everyone sees identity numbers and phones
masked; a supervisor sees one record in full only through the audited unmask action
(`app.security.pii.unmask_declaration`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from app.security.context import Actor
from app.security.masking import mask_field
from app.security.pii import masked_kinds

Formatter = Callable[[str, Any], Any]


def personal_data_formatter(actor: Actor, *, unmasked: bool = False) -> Formatter:
    kinds = masked_kinds(actor, unmasked=unmasked)

    def format_value(key: str, value: Any) -> Any:
        return mask_field(key, value, kinds)

    return format_value
