"""Masking of buyers' personal data for roles that may not see it in full.

Identity numbers and phones are masked by default (`1101**********123X`, `138****5678`);
names and addresses can be masked too (labels and manifests do, by custom). Masking keeps the
length and the separators of the value, so columns still line up and a clerk can still tell
two buyers apart by the visible ends.
"""

from __future__ import annotations

import enum
import logging
import re
from collections.abc import Collection, Mapping
from typing import Any

MASK = "*"


class PiiKind(enum.Enum):
    ID_NUMBER = "id_number"
    PHONE = "phone"
    NAME = "name"
    ADDRESS = "address"


# Every declaration field (CEB name) that holds a buyer's, payer's or consignee's personal data.
PII_FIELDS: Mapping[str, PiiKind] = {
    "buyerIdNumber": PiiKind.ID_NUMBER,
    "payerIdNumber": PiiKind.ID_NUMBER,
    "buyerTelephone": PiiKind.PHONE,
    "consigneeTelephone": PiiKind.PHONE,
    "telephone": PiiKind.PHONE,
    "buyerName": PiiKind.NAME,
    "payerName": PiiKind.NAME,
    "consignee": PiiKind.NAME,
    "consigneeAddress": PiiKind.ADDRESS,
}

# What roles without the unmask permission never see in full (grid, editor, exports, logs).
DEFAULT_MASKED_KINDS: frozenset[PiiKind] = frozenset({PiiKind.ID_NUMBER, PiiKind.PHONE})
ALL_KINDS: frozenset[PiiKind] = frozenset(PiiKind)


def mask_id_number(value: str) -> str:
    """`110101199003071234` → `1101**********1234`; shorter documents keep fewer ends."""
    text = value.strip()
    n = len(text)
    if n >= 12:
        keep_head, keep_tail = 4, 4
    elif n >= 6:
        keep_head, keep_tail = 2, 2
    else:
        return MASK * n
    return text[:keep_head] + MASK * (n - keep_head - keep_tail) + text[n - keep_tail :]


def mask_phone(value: str) -> str:
    """`13812345678` → `138****5678`; separators and a `+86` prefix stay as they are."""
    text = value.strip()
    digit_positions = [i for i, ch in enumerate(text) if ch.isdigit()]
    prefix = _country_prefix_len(text)
    positions = [i for i in digit_positions if i >= prefix]
    n = len(positions)
    if n >= 7:
        hidden = positions[3 : n - 4]
    elif n >= 3:
        hidden = positions[: n - 2]
    else:
        hidden = positions
    chars = list(text)
    for i in hidden:
        chars[i] = MASK
    return "".join(chars)


def _country_prefix_len(text: str) -> int:
    match = re.match(r"\s*(\+|00)\d{1,3}[\s-]+", text)
    if match:
        return match.end()
    match = re.match(r"\s*\+86", text)
    return match.end() if match else 0


def mask_name(value: str) -> str:
    """`张三` → `张*`, `欧阳娜娜` → `欧***`, `John Smith` → `J*** S****`."""
    text = value.strip()
    if not text:
        return text
    if " " in text:
        return " ".join(_mask_word(word) for word in text.split(" "))
    return _mask_word(text)


def _mask_word(word: str) -> str:
    if len(word) <= 1:
        return word
    return word[0] + MASK * (len(word) - 1)


def mask_address(value: str) -> str:
    """Keep the province/city start of an address and hide the street and number."""
    text = value.strip()
    keep = min(6, len(text) // 2)
    return text[:keep] + MASK * 4 if text else text


_MASKERS = {
    PiiKind.ID_NUMBER: mask_id_number,
    PiiKind.PHONE: mask_phone,
    PiiKind.NAME: mask_name,
    PiiKind.ADDRESS: mask_address,
}


def mask_value(kind: PiiKind, value: Any) -> Any:
    """`value` masked as a `kind`; None and empty values pass through unchanged."""
    if value is None or value == "":
        return value
    return _MASKERS[kind](str(value))


def mask_field(
    key: str, value: Any, kinds: Collection[PiiKind] = DEFAULT_MASKED_KINDS
) -> Any:
    """`value` of the field `key` (a CEB name), masked when the field holds a kind in `kinds`."""
    kind = PII_FIELDS.get(key)
    if kind is None or kind not in kinds:
        return value
    return mask_value(kind, value)


def mask_record(
    record: Mapping[str, Any], kinds: Collection[PiiKind] = DEFAULT_MASKED_KINDS
) -> dict[str, Any]:
    """A copy of `record` (keyed by CEB names) with its personal-data fields masked."""
    return {key: mask_field(key, value, kinds) for key, value in record.items()}


def mask_details(
    value: Any, kinds: Collection[PiiKind] = DEFAULT_MASKED_KINDS, field: str | None = None
) -> Any:
    """Audit-event details (any JSON value) with personal data masked, wherever it sits.

    A value under a key that names a personal-data field (`{"buyerIdNumber": [old, new]}`) or
    in a change record naming one (`{"field": "buyerTelephone", "before": …, "after": …}`) is
    masked as that field; any other text has identity and mobile numbers redacted.
    """
    if not kinds:
        return value
    if isinstance(value, Mapping):
        named = value.get("field")
        inner = named if isinstance(named, str) and named in PII_FIELDS else field
        return {k: mask_details(v, kinds, k if k in PII_FIELDS else inner)
                for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [mask_details(v, kinds, field) for v in value]
    if isinstance(value, str):
        if field is not None and PII_FIELDS[field] in kinds:
            return mask_field(field, value, kinds)
        return redact_text(value)
    return value


# --- logs ---------------------------------------------------------------------------------

# Mainland resident identity numbers (18 characters, last may be X) and mobile numbers.
_ID_RE = re.compile(
    r"(?<![0-9A-Za-z])[1-9]\d{5}(?:18|19|20)\d{2}[01]\d[0-3]\d\d{3}[0-9Xx](?![0-9A-Za-z])"
)
_MOBILE_RE = re.compile(r"(?<!\d)(?:\+?86[\s-]?)?1[3-9]\d[\s-]?\d{4}[\s-]?\d{4}(?!\d)")
_SECRET_RE = re.compile(
    r"(?i)\b(password|passwd|pwd|secret|token|口令|密码)(\s*[=:：]\s*|\s+)(\"[^\"]*\"|'[^']*'|\S+)"
)


def redact_text(text: str) -> str:
    """`text` with identity numbers, mobile numbers and `password=…` values masked."""
    text = _SECRET_RE.sub(lambda m: f"{m.group(1)}{m.group(2)}***", text)
    text = _ID_RE.sub(lambda m: mask_id_number(m.group(0)), text)
    return _MOBILE_RE.sub(lambda m: mask_phone(m.group(0)), text)


class RedactingFilter(logging.Filter):
    """A logging filter that masks personal data and secrets in every record it passes.

    Install it on the handlers (not the loggers) so records from every library go through it.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = redact_text(message)
        if redacted != message:
            record.msg = redacted
            record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact_text(record.exc_text)
        return True


def install_redaction(logger: logging.Logger | None = None) -> None:
    """Put a RedactingFilter on every handler of `logger` (default: the root logger)."""
    target = logger or logging.getLogger()
    for handler in target.handlers:
        if not any(isinstance(f, RedactingFilter) for f in handler.filters):
            handler.addFilter(RedactingFilter())
