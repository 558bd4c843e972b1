"""UNKNOWN_CODE, HS_UNKNOWN, HS_NOT_IN_EDITION, HS_UNIT, TAX_RATES_UNKNOWN and
NOT_ON_POSITIVE_LIST: codes checked against the reference tables, and the legal quantities
derived from the HS code where that is unambiguous."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from decimal import Decimal
from typing import Any

from app.i18n import N_, Message
from app.reference.tables import ReferenceTables
from app.rules.context import (
    CheckContext,
    Chunk,
    Record,
    dec,
    gnum_of,
    in_one_item,
    is_import,
    items_of,
    label,
    screen_items,
    text,
)
from app.rules.problem import Problem, RuleCode, error, warning

# field → reference table (RefCode table names, see app.reference.tables.CODE_TABLE_FILES)
HEAD_CODE_FIELDS: dict[str, str] = {
    "country": "country", "currency": "currency", "customsCode": "customsCode",
    "portCode": "customsCode", "tradeMode": "tradeMode", "trafMode": "trafMode",
    "wrapType": "wrapType", "fCurrency": "currency", "iCurrency": "currency",
}
ITEM_CODE_FIELDS: dict[str, str] = {
    "country": "country", "tradeCountry": "country", "currency": "currency", "unit": "unit",
    "unit1": "unit", "unit2": "unit",
}
TABLE_NAMES: dict[str, str] = {
    "country": N_("country/region codes"), "currency": N_("currency codes"),
    "unit": N_("unit codes"), "tradeMode": N_("trade mode codes"),
    "trafMode": N_("transport mode codes"), "wrapType": N_("wrap type codes"),
    "customsCode": N_("customs district codes"),
}
KG = "035"
EXACT_CODE_LENGTH = {"country": 3, "currency": 3, "unit": 3, "customsCode": 4, "tradeMode": 4,
                     "trafMode": 1, "wrapType": 1}


def _unknown(name: str, table: str, value: str, scope: str,
             gnum: int | None) -> Iterator[Problem]:
    if len(value) != EXACT_CODE_LENGTH.get(table, len(value)):
        return  # TOO_LONG / BAD_FORMAT already reported for this field
    yield error(RuleCode.UNKNOWN_CODE, name, N_("{field}: {value} is not in the {table}."),
                gnum, field=label(name, scope), value=value, table=Message(TABLE_NAMES[table]))


def _code_checks(ref: ReferenceTables, fields: dict[str, str]) -> list[tuple[str, str, Any]]:
    return [(name, table, ref.tables[table].entries) for name, table in fields.items()]


CodeCheck = tuple[str, str, Any]  # field, table, known codes
CodePlan = tuple[list[CodeCheck], list[CodeCheck]]  # head, item


def _column_known(check: CodeCheck, values: Sequence[object]) -> bool:
    """True when every value of the field is empty or a known code (so the check cannot fire
    there); False means "look at each value"."""
    _, _, known = check
    try:
        rest = set(values).difference(known)
    except TypeError:  # an unhashable value: leave it to the per-record check
        return False
    return not any(rest)


def code_plan(chunk: Chunk, ref: ReferenceTables) -> CodePlan:
    """The code checks a chunk's records need: a field whose values in the chunk are all known
    (or empty) is dropped, so a bulk run looks them up per column, not per record."""
    heads, items = _code_checks(ref, HEAD_CODE_FIELDS), _code_checks(ref, ITEM_CODE_FIELDS)
    return ([c for c, v in zip(heads, chunk.heads([c[0] for c in heads]), strict=True)
             if not _column_known(c, v)],
            [c for c, v in zip(items, chunk.item_values([c[0] for c in items]), strict=True)
             if not _column_known(c, v)])


def check_codes(record: Record, ctx: CheckContext) -> Iterator[Problem]:
    return check_codes_planned((_code_checks(ctx.ref, HEAD_CODE_FIELDS),
                                _code_checks(ctx.ref, ITEM_CODE_FIELDS)), record, ctx)


def check_codes_planned(plan: CodePlan, record: Record, ctx: CheckContext) -> Iterator[Problem]:
    """`check_codes` running only the checks `plan` (see `code_plan`) keeps."""
    head_checks, item_checks = plan
    get = record.get
    for name, table, known in head_checks:
        value = get(name)
        if value and value not in known:
            value = text(value)
            if value and value not in known:
                yield from _unknown(name, table, value, "head", None)
    if not item_checks:
        return
    for index, item in enumerate(items_of(record)):
        iget = item.get
        for name, table, known in item_checks:
            value = iget(name)
            if value and value not in known:
                value = text(value)
                if value and value not in known:
                    yield from _unknown(name, table, value, "item", gnum_of(item, index))


def check_hs(record: Record, ctx: CheckContext) -> Iterator[Problem]:
    """A code whose six-digit subheading does not exist in HS 2022 cannot be right (error); one
    that only the loaded tariff edition lacks may be new (warning: update the tariff)."""
    units = ctx.ref.units
    taxed = is_import(record)
    for index, item in enumerate(items_of(record)):
        gnum = gnum_of(item, index)
        gcode = text(item.get("gcode"))
        if len(gcode) != 10 or not gcode.isdigit():
            continue
        if taxed and ctx.ref.positive_list is not None and ctx.ref.positive_note(gcode) is None:
            yield error(RuleCode.NOT_ON_POSITIVE_LIST, "gcode", N_(
                "HS code {value} is not on the loaded CBEC retail import positive list."),
                gnum, value=gcode)
        hs = ctx.ref.hs(gcode)
        if hs is None:
            subheadings = ctx.ref.hs_subheadings
            if not subheadings:
                yield error(RuleCode.HS_UNKNOWN, "gcode", N_("HS code {value} is not in the HS "
                            "table."), gnum, value=gcode)
            elif gcode[:6] in subheadings:
                yield warning(RuleCode.HS_NOT_IN_EDITION, "gcode", N_(
                    "HS code {value} is not in tariff edition {edition}, though HS 2022 "
                    "subheading {subheading} exists: update the tariff, or check the code."),
                    gnum, value=gcode, subheading=gcode[:6], edition=ctx.ref.hs_edition)
            else:
                yield error(RuleCode.HS_UNKNOWN, "gcode", N_(
                    "HS code {value} cannot exist: HS 2022 has no subheading {subheading}."),
                    gnum, value=gcode, subheading=gcode[:6])
            continue
        if taxed and not hs.rates_known:
            yield warning(RuleCode.TAX_RATES_UNKNOWN, "gcode", N_(
                "Tariff edition {edition} has no VAT or consumption-tax rate for HS code "
                "{value}; the tax estimate is incomplete."), gnum, value=gcode,
                edition=ctx.ref.hs_edition)
        unit1 = text(item.get("unit1"))
        if unit1 and unit1 != hs.unit1:
            yield error(RuleCode.HS_UNIT, "unit1", N_("Legal unit {value} does not fit HS code "
                        "{hs}; its first legal unit is {expected} ({name})."), gnum,
                        value=unit1, hs=gcode, expected=hs.unit1,
                        name=units.name_of(hs.unit1, "zh_CN") or hs.unit1)
        unit2 = text(item.get("unit2"))
        if hs.unit2 and unit2 and unit2 != hs.unit2:
            yield error(RuleCode.HS_UNIT, "unit2", N_("Second unit {value} does not fit HS "
                        "code {hs}; its second legal unit is {expected} ({name})."), gnum,
                        value=unit2, hs=gcode, expected=hs.unit2,
                        name=units.name_of(hs.unit2, "zh_CN") or hs.unit2)
        elif not hs.unit2 and unit2:
            yield error(RuleCode.HS_UNIT, "unit2", N_("HS code {hs} has no second legal unit; "
                        "leave the second unit and quantity empty."), gnum, hs=gcode)


HS_FIELDS = ("gcode", "unit1", "unit2")


def screen_hs(chunk: Chunk, ctx: CheckContext) -> set[int]:
    """Records with an item whose HS code and legal units `check_hs` may find fault with."""
    return screen_items(chunk, HS_FIELDS,
                        in_one_item(lambda record: check_hs(record, ctx), HS_FIELDS))


def derive_legal_quantities(record: Record, ref: ReferenceTables) -> dict[int, dict[str, Any]]:
    """Fill-ins for empty `unit1`/`qty1`/`unit2`/`qty2` where the HS code decides them.

    Returns {item index: {field: value}}; the caller applies them (import, save). A legal
    quantity is derived when the legal unit equals the trade unit (qty carries over) or is
    kilograms and the declaration has one item (net weight carries over).
    """
    items = items_of(record)
    changes: dict[int, dict[str, Any]] = {}
    net = dec(record.get("netWeight"))
    for index, item in enumerate(items):
        hs = ref.hs(text(item.get("gcode")))
        if hs is None:
            continue
        fill: dict[str, Any] = {}
        unit1 = text(item.get("unit1")) or hs.unit1
        if not text(item.get("unit1")):
            fill["unit1"] = hs.unit1
        if dec(item.get("qty1")) is None and unit1 == hs.unit1:
            quantity = _legal_quantity(hs.unit1, item, net, len(items))
            if quantity is not None:
                fill["qty1"] = quantity
        if hs.unit2 and not text(item.get("unit2")) and dec(item.get("qty2")) is None:
            quantity = _legal_quantity(hs.unit2, item, net, len(items))
            if quantity is not None:
                fill["unit2"], fill["qty2"] = hs.unit2, quantity
        if fill:
            changes[index] = fill
    return changes


def _legal_quantity(unit: str, item: Any, net: Decimal | None, n_items: int) -> Decimal | None:
    if text(item.get("unit")) == unit:
        return dec(item.get("qty"))
    if unit == KG and n_items == 1 and net is not None and net > 0:
        return net
    return None


def check_catalogue_hs(record: Record, ctx: CheckContext) -> Iterator[Problem]:
    """HS_DIFFERS_FROM_CATALOGUE: a line's HS code is not the one customs accepted for the
    same product (goods catalogue; gathered as cross-record facts)."""
    facts = ctx.facts.get(record.get("id"))
    if facts is None:
        return
    for gnum, given, accepted in facts.catalogue_hs:
        yield warning(RuleCode.HS_DIFFERS_FROM_CATALOGUE, "gcode",
                      N_("HS code {value} differs from {accepted}, which customs accepted for "
                         "this product (goods catalogue)."), gnum, value=given,
                      accepted=accepted)
