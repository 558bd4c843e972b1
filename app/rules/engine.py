"""The rule engine: the list of rules and one function that runs them over a record.

Rules are small generator functions `(record, ctx) -> Iterator[Problem]`, each owning one
family of codes (see the modules they come from). Records are plain mappings keyed by CEB
names with the items under "items"; cross-record facts (annual totals, duplicates) arrive
through `CheckContext.facts`, gathered beforehand by set-based SQL.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import partial

from app.rules import coderules, fieldrules, money, partyrules
from app.rules.context import CheckContext, Record, is_import
from app.rules.problem import Problem, RuleCode, Severity
from app.rules.tax import TaxEstimate

Rule = Callable[[Record, CheckContext], Iterator[Problem]]

RULES: tuple[Rule, ...] = (
    fieldrules.check_no_items,
    fieldrules.check_fields,
    fieldrules.check_trade_mode_fields,
    coderules.check_codes,
    coderules.check_hs,
    partyrules.check_buyer_id,
    money.check_sums,
    money.check_single_limit,
    money.check_annual_limit,
    money.check_weights,
    partyrules.check_duplicates,
    partyrules.check_restricted,
    partyrules.check_contact,
    partyrules.check_s10,
)


@dataclass(frozen=True)
class CheckResult:
    problems: tuple[Problem, ...]
    tax: TaxEstimate | None  # None for export declarations

    @property
    def errors(self) -> tuple[Problem, ...]:
        return tuple(p for p in self.problems if p.severity is Severity.ERROR)

    @property
    def warnings(self) -> tuple[Problem, ...]:
        return tuple(p for p in self.problems if p.severity is Severity.WARNING)

    @property
    def passed(self) -> bool:
        """No errors (warnings do not block submission)."""
        return not any(p.severity is Severity.ERROR for p in self.problems)


def run_rules(record: Record, ctx: CheckContext,
              rules: Iterable[Rule] = RULES) -> list[Problem]:
    problems: list[Problem] = []
    for rule in rules:
        problems.extend(rule(record, ctx))
    return problems


def check_record(record: Record, ctx: CheckContext) -> CheckResult:
    """All problems of one declaration and its tax estimate."""
    problems = run_rules(record, ctx)
    tax = money.declaration_tax(record, ctx) if is_import(record) else None
    return CheckResult(tuple(problems), tax)


def check_records(records: Sequence[Record], ctx: CheckContext) -> list[CheckResult]:
    """`check_record` for each of many records (a chunk of a bulk run), same results.

    Code checks are planned per chunk: a field whose values are all known codes is not
    looked up per record (see `coderules.code_plan`)."""
    codes = partial(coderules.check_codes_planned, coderules.code_plan(records, ctx.ref))
    rules = tuple(codes if rule is coderules.check_codes else rule for rule in RULES)
    tax = money.declaration_tax
    return [CheckResult(tuple(run_rules(r, ctx, rules)), tax(r, ctx) if is_import(r) else None)
            for r in records]


ALL_CODES: tuple[RuleCode, ...] = tuple(RuleCode)
