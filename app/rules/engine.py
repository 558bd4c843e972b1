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

from app.rules import coderules, fieldrules, money, partyrules, textrules
from app.rules.context import CheckContext, Chunk, Record, is_import
from app.rules.problem import Problem, RuleCode, Severity
from app.rules.tax import TaxEstimate

Rule = Callable[[Record, CheckContext], Iterator[Problem]]

# Part of every stored check fingerprint (app.precheck.fingerprint): bump it with any change
# that can change what a rule finds or says (a new rule, a changed condition or message), so
# declarations checked by the old rules are checked again.
# 5: checked against the editions in force on the declaration date; legal quantities derived
# (app.intake.legal_qty); the consignee the waybill falls back to is named;
# HS_DIFFERS_FROM_CATALOGUE; 6: the consignee fallback has its own code; 7: a missing legal
# quantity without a unit of declaration asks for the unit first.
RULES_VERSION = 7

RULES: tuple[Rule, ...] = (
    fieldrules.check_no_items,
    fieldrules.check_fields,
    fieldrules.check_trade_mode_fields,
    coderules.check_codes,
    coderules.check_hs,
    coderules.check_catalogue_hs,
    partyrules.check_buyer_id,
    money.check_sums,
    money.check_single_limit,
    money.check_annual_limit,
    money.check_weights,
    partyrules.check_duplicates,
    partyrules.check_restricted,
    partyrules.check_contact,
    partyrules.check_s10,
    textrules.check_control_chars,
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


# Screens for bulk runs: rule → (chunk, ctx) → indices of the records the rule may find
# something in, decided over the whole chunk at once, and the stand-in the other records run
# instead (None: nothing), which must find all that the rule could find in them.
Screen = Callable[[Chunk, CheckContext], set[int]]
SCREENS: dict[Rule, tuple[Screen, Rule | None]] = {
    fieldrules.check_no_items: (fieldrules.screen_no_items, None),
    fieldrules.check_trade_mode_fields: (fieldrules.screen_trade_mode_fields, None),
    coderules.check_hs: (coderules.screen_hs, None),
    coderules.check_catalogue_hs: (partyrules.screen_facts, None),
    money.check_sums: (money.screen_item_sums, money.check_document_sums),
    money.check_annual_limit: (partyrules.screen_facts, None),
    partyrules.check_duplicates: (partyrules.screen_facts, None),
    partyrules.check_restricted: (partyrules.screen_restricted, None),
    textrules.check_control_chars: (textrules.screen_control_chars, None),
}
# One step of a bulk plan: `rule` on the records in `full` (all when None); the others run
# `stand_in` when there is one: those in `part`, or all of them when `part` is None.
Step = tuple[Rule, set[int] | None, Rule | None, set[int] | None]


def _bulk_plan(records: Sequence[Record], ctx: CheckContext) -> list[Step]:
    chunk = Chunk(records)
    code_plan = coderules.code_plan(chunk, ctx.ref)
    plan: list[Step] = []
    for rule in RULES:
        if rule is coderules.check_codes:
            if code_plan[0] or code_plan[1]:  # else every code of the chunk is known
                plan.append((partial(coderules.check_codes_planned, code_plan), None, None,
                             None))
        elif rule is fieldrules.check_fields:
            fields = fieldrules.screen_fields(chunk)
            if fields.scan or fields.extras:
                scanned = partial(fieldrules.check_screened_fields,
                                  {id(records[i]): p for i, p in fields.scan.items()})
                plan.append((scanned, set(fields.scan), fieldrules.check_field_extras,
                             fields.extras))
        elif rule in SCREENS:
            screen, stand_in = SCREENS[rule]
            suspects = screen(chunk, ctx)
            if suspects or stand_in is not None:
                plan.append((rule, suspects, stand_in, None))
        else:
            plan.append((rule, None, None, None))
    return plan


def check_records(records: Sequence[Record], ctx: CheckContext) -> list[CheckResult]:
    """`check_record` for each of many records (a chunk of a bulk run), same results.

    Rules with a screen run only on the records it picks (see SCREENS, `screen_fields`); code
    checks are planned per chunk: a field whose values are all known codes is not looked up
    per record (see `coderules.code_plan`)."""
    plan = _bulk_plan(records, ctx)
    tax = money.declaration_tax
    results = []
    for index, record in enumerate(records):
        problems: list[Problem] = []
        for rule, full, stand_in, part in plan:
            if full is None or index in full:
                problems.extend(rule(record, ctx))
            elif stand_in is not None and (part is None or index in part):
                problems.extend(stand_in(record, ctx))
        results.append(CheckResult(tuple(problems),
                                   tax(record, ctx) if is_import(record) else None))
    return results


ALL_CODES: tuple[RuleCode, ...] = tuple(RuleCode)
