"""What a pre-check rule reports: a stable code, a severity, the field and a message."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from app.i18n import N_, Message
from app.security.masking import DEFAULT_MASKED_KINDS, PII_FIELDS, mask_field


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
    HS_NOT_IN_EDITION = "HS_NOT_IN_EDITION"
    TAX_RATES_UNKNOWN = "TAX_RATES_UNKNOWN"
    NOT_ON_POSITIVE_LIST = "NOT_ON_POSITIVE_LIST"
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
    CONTROL_CHAR = "CONTROL_CHAR"
    HS_DIFFERS_FROM_CATALOGUE = "HS_DIFFERS_FROM_CATALOGUE"
    CONSIGNEE_FROM_BUYER = "CONSIGNEE_FROM_BUYER"


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
    return Problem(code, Severity.ERROR, field, Message(msgid, _masked(field, params)), gnum)


def warning(code: RuleCode, field: str, msgid: str, gnum: int | None = None, /,
            **params: Any) -> Problem:
    return Problem(code, Severity.WARNING, field, Message(msgid, _masked(field, params)), gnum)


def _masked(field: str, params: dict[str, Any]) -> dict[str, Any]:
    """A problem's parameters with the values of an identity-number or phone field masked.

    Problem messages reach every role (grid tooltip, editor, `show`, `check --json`, exports),
    so they never carry what the role may not see: the one place that decides it (issue 15).
    A rule names the field's values `value` (or `payer`/`buyer` when it compares two).
    """
    if PII_FIELDS.get(field) not in DEFAULT_MASKED_KINDS:
        return params
    return {k: mask_field(field, v) if k in _VALUE_PARAMS and isinstance(v, str) else v
            for k, v in params.items()}


_VALUE_PARAMS = frozenset({"value", "payer", "buyer"})


# Short titles for the problems panel (grouped by code).
CODE_TITLES: dict[RuleCode, str] = {
    RuleCode.REQUIRED: N_("Required field missing"),
    RuleCode.TOO_LONG: N_("Value too long"),
    RuleCode.BAD_FORMAT: N_("Wrong format"),
    RuleCode.UNKNOWN_CODE: N_("Code not in reference table"),
    RuleCode.HS_UNKNOWN: N_("Unknown HS code"),
    RuleCode.HS_UNIT: N_("Legal unit does not fit HS code"),
    RuleCode.HS_NOT_IN_EDITION: N_("HS code not in the loaded tariff"),
    RuleCode.TAX_RATES_UNKNOWN: N_("Tax estimate incomplete"),
    RuleCode.NOT_ON_POSITIVE_LIST: N_("Not on the positive list"),
    RuleCode.ID_CHECKSUM: N_("Invalid buyer ID number"),
    RuleCode.SUM_MISMATCH: N_("Amounts do not add up"),
    RuleCode.LIMIT_SINGLE: N_("Over single-order limit"),
    RuleCode.LIMIT_ANNUAL: N_("Over annual limit"),
    RuleCode.WEIGHT: N_("Weight problem"),
    RuleCode.DUPLICATE_WAYBILL: N_("Duplicate waybill"),
    RuleCode.DUPLICATE_ORDER: N_("Duplicate order"),
    RuleCode.RESTRICTED_GOODS: N_("Possibly restricted goods"),
    RuleCode.PHONE: N_("Implausible telephone"),
    RuleCode.ADDRESS: N_("Incomplete address"),
    RuleCode.S10_CHECK: N_("Wrong postal check digit"),
    RuleCode.CONTROL_CHAR: N_("Control character in text"),
    RuleCode.HS_DIFFERS_FROM_CATALOGUE: N_("HS code differs from the catalogue"),
    RuleCode.CONSIGNEE_FROM_BUYER: N_("Consignee taken from the buyer"),
}


def code_title(code: str) -> Message:
    """The translatable title of a rule code (the code itself when unknown)."""
    try:
        return Message(CODE_TITLES[RuleCode(code)])
    except ValueError:
        return Message(code)


@dataclass(frozen=True)
class StoredProblem:
    """A problem as services return it (read from the Problem table)."""

    declaration_id: int
    code: str
    severity: str
    field: str
    gnum: int | None
    message: Message
    acknowledged: bool = False
    ack_reason: str | None = None
    id: int | None = None  # Problem row id (to acknowledge it)

    @property
    def blocking(self) -> bool:
        return self.severity == Severity.ERROR.value


@dataclass(frozen=True)
class ProblemCount:
    """Problems of one code across the declarations in view (side panel)."""

    code: str
    errors: int
    warnings: int
    declarations: int  # distinct declarations with this code

    @property
    def problems(self) -> int:
        return self.errors + self.warnings
