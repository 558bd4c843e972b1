"""Live pre-check of what the clerk is typing: the precheck rule engine (app.rules) run on the
editor's current values, without the database's cross-record facts (the saved check adds them).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from app.domain.clock import beijing_today
from app.i18n import render
from app.reference.tables import ReferenceTables

ProblemSpec = tuple[str, int | None, str, str]


def live_check(head: Mapping[str, str], items: Sequence[Mapping[str, str]],
               refs: ReferenceTables, lang: str) -> tuple[list[ProblemSpec], Decimal | None]:
    """Problems as (field, gnum, severity, message) and the tax estimate (None if unknown)."""
    try:
        from app.rules.context import CheckContext, shipped_restricted_terms
        from app.rules.engine import check_record
    except ImportError:  # pre-check not available in this build
        return [], None
    record: dict[str, Any] = {k: (v if v != "" else None) for k, v in head.items()}
    record["items"] = [{**{k: (v if v != "" else None) for k, v in it.items()}, "gnum": n + 1}
                       for n, it in enumerate(items)]
    ctx = CheckContext(ref=refs, today=beijing_today(), restricted=shipped_restricted_terms())
    try:
        result = check_record(record, ctx)
    except (ValueError, TypeError, ArithmeticError):  # half-typed values: check on save
        return [], None
    problems = [(p.field, p.gnum, p.severity.value, render(p.message, lang))
                for p in result.problems]
    tax = result.tax
    # rates unknown for an item: no figure rather than half of one
    return problems, (tax.total if tax is not None and tax.complete else None)
