"""UNKNOWN_CODE, HS_UNKNOWN, HS_NOT_IN_EDITION, HS_UNIT, TAX_RATES_UNKNOWN and
NOT_ON_POSITIVE_LIST: codes checked against the reference tables, and the legal quantities
derived from the HS code where that is unambiguous."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from app.i18n import N_, Message
from app.intake.legal_qty import UNIT_SCALE, LegalFill, derive_lines
from app.reference.tables import ReferenceTables
from app.rules.context import (
    CheckContext,
    Chunk,
    Record,
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


_BLANK = (None, "")


def derive_legal_fills(record: Record, ref: ReferenceTables) -> dict[int, LegalFill]:
    """What `app.intake.legal_qty` fills on each item of `record` (the legal units of its HS
    code, else the ones the item names): {item index: LegalFill}, only items with a fill."""
    items = items_of(record)
    units: list[tuple[str | None, str | None] | None] = []
    wanting = False
    for item in items:
        hs = ref.hs(text(item.get("gcode")))
        unit1, unit2 = (hs.unit1, hs.unit2 or None) if hs is not None else (None, None)
        units.append((unit1, unit2))
        # Most lines already have all they need: decided here without derive_line's work.
        if not wanting:
            get = item.get
            has1, has2 = get("unit1") not in _BLANK, get("unit2") not in _BLANK
            wanting = ((unit1 is not None and not has1)
                       or ((has1 or unit1 is not None) and get("qty1") in _BLANK)
                       or ((has2 or unit2 is not None) and get("qty2") in _BLANK))
    if not wanting:
        return {}
    return derive_lines(items, units, net_weight=record.get("netWeight"))


def derive_legal_quantities(record: Record, ref: ReferenceTables) -> dict[int, dict[str, Any]]:
    """Fill-ins for empty `unit1`/`qty1`/`unit2`/`qty2`: {item index: {field: value}}; the
    caller applies them (import, save). See `app.intake.legal_qty` for how."""
    return {index: fill.values for index, fill in derive_legal_fills(record, ref).items()}


MSG_LEGAL_QTY_WEIGHT = N_("Legal quantity in {legal} for “{name}” (unit {unit}): record its "
                          "weight per {unit} in the goods catalogue, or give the model size "
                          "like 200g.")
MSG_LEGAL_QTY_VOLUME = N_("Legal quantity in {legal} for “{name}” (unit {unit}): record its "
                          "volume per {unit} in the goods catalogue, or give the model size "
                          "like 50ml.")
MSG_LEGAL_QTY_OTHER = N_("Legal quantity in {legal} for “{name}” (unit {unit}): record how "
                         "many {legal} one {unit} is in the goods catalogue.")
MSG_LEGAL_QTY_NO_DECLARED_UNIT = N_("Legal quantity in {legal} for “{name}”: give its unit of "
                                    "declaration first, then how many {legal} one unit is.")
MSG_LEGAL_QTY_NO_UNIT = N_("Legal quantity for “{name}”: give its HS code first; the legal "
                           "unit of the code decides what to record.")
NAME_IN_MESSAGE = 40  # characters of the goods name quoted


def missing_legal_quantity(item: Any, ctx: CheckContext, gnum: int | None,
                           name: str = "qty1") -> Problem:
    """REQUIRED for an empty legal quantity (`qty1`/`qty2`) that says what is missing and
    what to record: the legal unit, the goods, the declared unit it must be given per."""
    goods = (text(item.get("gname")) or text(item.get("itemName")) or text(item.get("gmodel"))
             or text(item.get("itemNo")))[:NAME_IN_MESSAGE]
    unit_field = "unit1" if name == "qty1" else "unit2"
    legal = text(item.get(unit_field))
    if not legal:
        hs = ctx.ref.hs(text(item.get("gcode")))
        legal = (hs.unit1 if name == "qty1" else hs.unit2 or "") if hs is not None else ""
    if not legal:
        return error(RuleCode.REQUIRED, name, MSG_LEGAL_QTY_NO_UNIT, gnum, name=goods)
    units = ctx.ref.units
    declared = text(item.get("unit"))
    legal_name = units.name_of(legal, "zh_CN") or legal
    if not declared:
        return error(RuleCode.REQUIRED, name, MSG_LEGAL_QTY_NO_DECLARED_UNIT, gnum, name=goods,
                     legal=legal_name)
    scale = UNIT_SCALE.get(legal)
    msgid = MSG_LEGAL_QTY_OTHER if scale is None else (
        MSG_LEGAL_QTY_WEIGHT if scale[0] == "mass" else MSG_LEGAL_QTY_VOLUME)
    return error(RuleCode.REQUIRED, name, msgid, gnum, name=goods,
                 legal=legal_name, unit=units.name_of(declared, "zh_CN") or declared)


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
