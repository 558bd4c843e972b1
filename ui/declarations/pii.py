"""The one place the workspace asks security how to show personal data (IDs, phones).

Grid pages, the editor and the scan list call `personal_data_formatter(actor)` once and apply
the returned function to (CEB field name, value). `app.security.pii` decides what is masked
(identity numbers and phones for everyone, unless unmasked through its audited path).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from functools import partial
from typing import Any

from app.security.context import Actor

Formatter = Callable[[str, Any], Any]


def _identity(_field: str, value: Any) -> Any:
    return value


def personal_data_formatter(actor: Actor) -> Formatter:
    try:
        pii = importlib.import_module("app.security.pii")
        masking = importlib.import_module("app.security.masking")
    except ImportError:  # a build without security's masking
        return _identity
    kinds = pii.masked_kinds(actor)
    if not kinds:
        return _identity
    formatter: Formatter = partial(_mask, masking.mask_field, kinds)
    return formatter


def _mask(mask_field: Callable[..., Any], kinds: Any, field: str, value: Any) -> Any:
    return mask_field(field, value, kinds)
