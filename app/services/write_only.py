"""Personal data typed over a masked value (the editor's write-only fields, `cleardesk edit`).

The clerk cannot look at such a value again once it is saved, so a new resident ID number must
pass the GB 11643 check first; messages show the number masked.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from app.i18n import Message
from app.rules.idcard import check_id_number, normalise_id_number
from app.rules.partyrules import ID_MESSAGES
from app.security.masking import DEFAULT_MASKED_KINDS, PII_FIELDS, PiiKind, mask_field

# The document type field beside each identity number (type "1" or empty: resident ID card).
ID_TYPE_FIELDS = {"buyerIdNumber": "buyerIdType", "payerIdNumber": "payerIdType"}


def is_id_field(name: str) -> bool:
    return PII_FIELDS.get(name) is PiiKind.ID_NUMBER


def normalised(name: str, typed: str) -> str:
    """What is saved for `typed` in the write-only field `name`."""
    return normalise_id_number(typed) if is_id_field(name) else typed.strip()


def new_id_problem(name: str, typed: str, head: Mapping[str, Any], today: date
                   ) -> Message | None:
    """Why `typed` cannot replace the identity number `name` (a resident ID failing the
    GB 11643 check), or None; the message shows the number masked."""
    if not is_id_field(name):
        return None
    id_type = str(head.get(ID_TYPE_FIELDS.get(name, "")) or "").strip()
    if id_type not in ("", "1"):
        return None
    check = check_id_number(typed, today)
    if check.problem is None:
        return None
    masked = mask_field(name, check.number, DEFAULT_MASKED_KINDS)
    return Message(ID_MESSAGES[check.problem],
                   {"value": masked, "expected": check.expected_check or ""})
