"""What a pre-check rule reports: a stable code, a severity, the field and a message."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from app.i18n import Message


class Severity(StrEnum):
    ERROR = "error"  # blocks submission
    WARNING = "warning"  # shown; may be acknowledged with a reason


class RuleCode(StrEnum):
    """Stable identifiers (CLI JSON, database, filters). Never rename one."""

    REQUIRED = "REQUIRED"
    TOO_LONG = "TOO_LONG"
    BAD_FORMAT = "BAD_FORMAT"
    UNKNOWN_CODE = "UNKNOWN_CODE"
    HS_UNKNOWN = "HS_UNKNOWN"
    HS_UNIT = "HS_UNIT"
    ID_CHECKSUM = "ID_CHECKSUM"
    SUM_MISMATCH = "SUM_MISMATCH"
    LIMIT_SINGLE = "LIMIT_SINGLE"
    LIMIT_ANNUAL = "LIMIT_ANNUAL"
    WEIGHT = "WEIGHT"
    DUPLICATE_WAYBILL = "DUPLICATE_WAYBILL"
    DUPLICATE_ORDER = "DUPLICATE_ORDER"
    RESTRICTED_GOODS = "RESTRICTED_GOODS"
    PHONE = "PHONE"
    ADDRESS = "ADDRESS"
    S10_CHECK = "S10_CHECK"


@dataclass(frozen=True)
class Problem:
    code: RuleCode
    severity: Severity
    field: str  # CEB element name (head or item field)
    message: Message
    gnum: int | None = None  # item number for item fields, None for head fields

    @property
    def is_error(self) -> bool:
        return self.severity is Severity.ERROR

    @property
    def key(self) -> tuple[str, str, int | None]:
        """Identity of a problem across re-checks (acknowledgements attach to it)."""
        return (self.code.value, self.field, self.gnum)

    def text(self, lang: str) -> str:
        return self.message.text(lang)


def error(code: RuleCode, field: str, msgid: str, gnum: int | None = None, /,
          **params: Any) -> Problem:
    return Problem(code, Severity.ERROR, field, Message(msgid, params), gnum)


def warning(code: RuleCode, field: str, msgid: str, gnum: int | None = None, /,
            **params: Any) -> Problem:
    return Problem(code, Severity.WARNING, field, Message(msgid, params), gnum)
