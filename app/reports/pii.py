"""The one place exports decide whether a buyer's identity number or phone is shown in full.

The security area owns masking (`app.security.masking`, issue 10). Until it is on main this
module carries a minimal private formatter with the same output (`1101**********123X`,
`138****5678`); when it lands, `masker()` below becomes a call to `app.security.masking.mask_value`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from app.security.context import Actor, Permission

Masker = Callable[[Any], Any]


def _mask_id_number(text: str) -> str:
    n = len(text)
    if n >= 12:
        keep = 4
    elif n >= 6:
        keep = 2
    else:
        return "*" * n
    return text[:keep] + "*" * (n - 2 * keep) + text[n - keep :]


def _mask_phone(text: str) -> str:
    digits = [i for i, ch in enumerate(text) if ch.isdigit()]
    n = len(digits)
    hidden = digits[3 : n - 4] if n >= 7 else digits[: max(n - 2, 0)] if n >= 3 else digits
    chars = list(text)
    for i in hidden:
        chars[i] = "*"
    return "".join(chars)


_FORMATTERS: dict[str, Callable[[str], str]] = {"id": _mask_id_number, "phone": _mask_phone}


def masker(actor: Actor, kind: str | None) -> Masker | None:
    """A function masking values of a column holding `kind` ("id" | "phone") personal data,
    or None when the column needs no masking for this actor (not PII, or role may unmask)."""
    if kind is None or actor.can(Permission.UNMASK):
        return None
    formatter = _FORMATTERS[kind]

    def apply(value: Any) -> Any:
        if value is None or value == "":
            return value
        return formatter(str(value).strip())

    return apply


def mask(actor: Actor, kind: str | None, value: Any) -> Any:
    """`value` as `actor` may see it."""
    m = masker(actor, kind)
    return value if m is None else m(value)
