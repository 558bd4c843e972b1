"""ID_CHECKSUM, PHONE, ADDRESS (the buyer and consignee), S10_CHECK (postal waybill),
RESTRICTED_GOODS (item names) and the duplicate rules fed by cross-record facts."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from app.i18n import N_
from app.rules.contact import address_problem, phone_is_plausible
from app.rules.context import (
    CheckContext,
    Chunk,
    Record,
    gnum_of,
    is_import,
    items_of,
    screen_items,
    text,
)
from app.rules.idcard import IdProblem, check_id_number
from app.rules.problem import Problem, RuleCode, error, warning
from app.rules.s10 import S10_PATTERN, s10_check_digit

ID_MESSAGES: dict[IdProblem, str] = {
    IdProblem.LENGTH: N_("Buyer ID {value} must have 18 characters."),
    IdProblem.CHARACTERS: N_("Buyer ID {value} must be 17 digits followed by a digit or X."),
    IdProblem.BIRTH_DATE: N_("Buyer ID {value} does not contain a real birth date."),
    IdProblem.FUTURE: N_("Buyer ID {value} has a birth date in the future."),
    IdProblem.CHECKSUM: N_("Buyer ID {value} fails the check character (expected {expected})."),
}
ADDRESS_MESSAGES: dict[str, str] = {
    "short": N_("Consignee address is too short to deliver to."),
    "province": N_("Consignee address does not name a province or municipality."),
    "city": N_("Consignee address does not name a city."),
}


def check_buyer_id(record: Record, ctx: CheckContext) -> Iterator[Problem]:
    if not is_import(record) or text(record.get("buyerIdType")) not in ("", "1"):
        return
    value = text(record.get("buyerIdNumber"))
    if not value:
        return
    result = check_id_number(value, ctx.today)
    if result.problem is not None:
        yield error(RuleCode.ID_CHECKSUM, "buyerIdNumber", ID_MESSAGES[result.problem],
                    value=result.number, expected=result.expected_check or "")


def check_contact(record: Record, ctx: CheckContext) -> Iterator[Problem]:
    if not is_import(record):
        return
    for name in ("buyerTelephone", "consigneeTelephone"):
        phone = text(record.get(name))
        if phone and not phone_is_plausible(phone):
            yield warning(RuleCode.PHONE, name, N_("{value} does not look like a mainland "
                          "mobile or landline number."), value=phone)
    address = text(record.get("consigneeAddress"))
    if address:
        problem = address_problem(address)
        if problem is not None:
            yield warning(RuleCode.ADDRESS, "consigneeAddress", ADDRESS_MESSAGES[problem])


def check_s10(record: Record, ctx: CheckContext) -> Iterator[Problem]:
    number = text(record.get("logisticsNo")).upper()
    # looks_like_s10(number) and not s10_is_valid(number), with one match
    match = S10_PATTERN.match(number)
    if match is not None and s10_check_digit(match.group(1)) != int(match.group(2)):
        yield error(RuleCode.S10_CHECK, "logisticsNo", N_("Postal item number {value} has a "
                    "wrong check digit."), value=number)


def check_restricted(record: Record, ctx: CheckContext) -> Iterator[Problem]:
    pattern = ctx.restricted_pattern
    if pattern is None:
        return
    for index, item in enumerate(items_of(record)):
        term = _memo_term(ctx, pattern, tuple(map(item.get, GOODS_TEXT)))
        if term is not None:
            hit = ctx.restricted_by_term[term]
            yield warning(RuleCode.RESTRICTED_GOODS, "gname", N_("Goods may be restricted "
                          "({category}): matched “{term}”."), gnum_of(item, index),
                          category=hit.category_zh or hit.category_en, term=hit.term)


GOODS_TEXT = ("gname", "itemName", "gmodel")


def screen_restricted(chunk: Chunk, ctx: CheckContext) -> set[int]:
    """Records with an item whose names match a restricted term."""
    pattern = ctx.restricted_pattern
    if pattern is None:
        return set()
    return screen_items(chunk, GOODS_TEXT,
                        lambda values: _memo_term(ctx, pattern, values) is not None)


def _memo_term(ctx: CheckContext, pattern: re.Pattern[str],
               goods: tuple[Any, ...]) -> str | None:
    """The restricted term the goods texts (GOODS_TEXT values) match. Parcels repeat the
    same goods: each distinct name/model is searched once per run."""
    memo = ctx.restricted_memo
    try:
        term = memo[goods]
    except KeyError:
        term = memo[goods] = _restricted_term(pattern, goods)
    except TypeError:  # an unhashable value (not from the database): no memo
        term = _restricted_term(pattern, goods)
    return term


def _restricted_term(pattern: re.Pattern[str], goods: tuple[Any, ...]) -> str | None:
    haystack = " ".join(map(text, goods))
    match = pattern.search(haystack.casefold())
    return None if match is None else match.group(0)


def screen_facts(chunk: Chunk, ctx: CheckContext) -> set[int]:
    """Records with cross-record facts: the only ones the annual-limit and duplicate rules
    can find anything in."""
    facts = ctx.facts
    if not facts:
        return set()
    (ids,) = chunk.heads(("id",))
    return {i for i, decl_id in enumerate(ids) if decl_id in facts}


def check_duplicates(record: Record, ctx: CheckContext) -> Iterator[Problem]:
    facts = ctx.facts.get(record.get("id"))
    if facts is None:
        return
    if facts.duplicate_waybill_of:
        yield error(RuleCode.DUPLICATE_WAYBILL, "logisticsNo", N_("Waybill {value} is also on "
                    "active declaration(s) {others}."), value=text(record.get("logisticsNo")),
                    others=", ".join(str(i) for i in facts.duplicate_waybill_of))
    if facts.duplicate_order_of:
        yield error(RuleCode.DUPLICATE_ORDER, "orderNo", N_("Order {value} of this platform is "
                    "also on active declaration(s) {others}."),
                    value=text(record.get("orderNo")),
                    others=", ".join(str(i) for i in facts.duplicate_order_of))
