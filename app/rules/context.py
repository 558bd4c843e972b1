"""What rules see: the record (plain dicts keyed by CEB names), reference tables, today,
the restricted-goods list and facts gathered across records (annual totals, duplicates)."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from functools import cache, cached_property
from operator import itemgetter
from typing import Any

from app.domain.fields import HEAD_BY_NAME, ITEM_BY_NAME
from app.i18n import Message
from app.paths import resource_path
from app.reference.tables import ReferenceTables

# A declaration as rules see it: head fields by CEB name, plus "items": list of item dicts.
Record = Mapping[str, Any]
Item = Mapping[str, Any]


@dataclass(frozen=True)
class RestrictedTerm:
    term: str  # matched case-insensitively as a substring of gname/itemName/gmodel
    category_zh: str
    category_en: str


@dataclass(frozen=True)
class CrossFacts:
    """Facts about one record that need the other records (gathered by set-based SQL)."""

    annual_used: Decimal = Decimal(0)  # buyer's other counted declarations this year
    duplicate_waybill_of: tuple[int, ...] = ()  # ids of other active declarations
    duplicate_order_of: tuple[int, ...] = ()
    # Goods lines whose HS code differs from the customs-accepted goods catalogue entry:
    # (gnum, the line's code, the accepted code).
    catalogue_hs: tuple[tuple[int, str, str], ...] = ()


@dataclass(frozen=True)
class CheckContext:
    ref: ReferenceTables
    today: date
    restricted: Sequence[RestrictedTerm] = ()
    single_limit: Decimal = Decimal(5000)
    annual_limit: Decimal = Decimal(26000)
    facts: Mapping[Any, CrossFacts] = field(default_factory=dict)  # by record "id"

    @cached_property
    def restricted_pattern(self) -> re.Pattern[str] | None:
        """All restricted terms as one case-folded alternation (longest first)."""
        if not self.restricted:
            return None
        terms = sorted({t.term for t in self.restricted}, key=len, reverse=True)
        return re.compile("|".join(re.escape(t) for t in terms))

    @cached_property
    def restricted_memo(self) -> dict[tuple[Any, ...], str | None]:
        """(gname, itemName, gmodel) → the restricted term they match, filled as a run goes
        (the terms are fixed for the context's lifetime)."""
        return {}

    @cached_property
    def restricted_by_term(self) -> Mapping[str, RestrictedTerm]:
        found: dict[str, RestrictedTerm] = {}
        for t in self.restricted:
            found.setdefault(t.term, t)
        return found


def parse_restricted_terms(text: str) -> tuple[RestrictedTerm, ...]:
    """`term,category_zh,category_en` CSV (header row)."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    terms = []
    for row in reader:
        term = (row.get("term") or "").strip()
        if term:
            terms.append(RestrictedTerm(term.casefold(), (row.get("category_zh") or "").strip(),
                                        (row.get("category_en") or "").strip()))
    return tuple(terms)


@cache
def shipped_restricted_terms() -> tuple[RestrictedTerm, ...]:
    path = resource_path("reference", "restricted_goods.csv")
    return parse_restricted_terms(path.read_text(encoding="utf-8"))


def text(value: Any) -> str:
    """A field value as trimmed text ('' for None)."""
    if type(value) is str:
        return value.strip()
    if value is None:
        return ""
    return str(value)


def dec(value: Any) -> Decimal | None:
    """A field value as Decimal; None when empty or not a number."""
    if value is None:
        return None
    if isinstance(value, Decimal):
        return value if value.is_finite() else None
    if isinstance(value, int):
        return Decimal(value)
    raw = value.strip().replace(",", "") if isinstance(value, str) else str(value)
    if not raw:
        return None
    try:
        number = Decimal(raw)
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def is_import(record: Record) -> bool:
    flag = record.get("ieFlag")
    return flag is None or flag == "I" or text(flag).upper() != "E"


def items_of(record: Record) -> Sequence[Item]:
    items = record.get("items")
    return items if items is not None else ()


def gnum_of(item: Item, index: int) -> int:
    value = item.get("gnum")
    if isinstance(value, int):
        return value
    number = dec(value)
    return int(number) if number is not None and number == number.to_integral() else index + 1


def label(name: str, scope: str = "head") -> Message:
    """The field's label as a translatable message (msgid = English label)."""
    spec = (ITEM_BY_NAME if scope == "item" else HEAD_BY_NAME).get(name)
    return Message(spec.label_en if spec else name)


def money(value: Decimal) -> str:
    """Amount for messages: 2 decimals, thousands separators."""
    return f"{value:,.2f}"


def items_with_owners(records: Sequence[Record],
                      chosen: Sequence[int] | None = None) -> tuple[list[int], list[Item]]:
    """The items of the records (those at the indices `chosen`, or all), with the index of
    the record each belongs to."""
    owners: list[int] = []
    items: list[Item] = []
    for i in range(len(records)) if chosen is None else chosen:
        found = items_of(records[i])
        owners.extend([i] * len(found))
        items.extend(found)
    return owners, items


def columns(rows: Sequence[Mapping[str, object]], names: Sequence[str]) -> list[Sequence[object]]:
    """The values of the fields `names` in `rows`, one sequence per field (C speed when every
    row has every field, as loaded rows do)."""
    if not rows:
        return [() for _ in names]
    if len(names) == 1:
        try:
            return [list(map(itemgetter(names[0]), rows))]
        except KeyError:
            return [[r.get(names[0]) for r in rows]]
    try:
        return list(zip(*map(itemgetter(*names), rows), strict=True))
    except KeyError:
        return [[r.get(n) for r in rows] for n in names]


class Chunk:
    """The records of a bulk run's chunk, with their fields as columns (each built once, on
    first use, and shared by every screen) and their items flattened."""

    def __init__(self, records: Sequence[Record]) -> None:
        self.records = records
        self.owners, self.items = items_with_owners(records)
        self._heads: dict[str, Sequence[object]] = {}
        self._item_columns: dict[str, Sequence[object]] = {}

    def heads(self, names: Sequence[str]) -> list[Sequence[object]]:
        return self._columns(self.records, self._heads, names)

    def item_values(self, names: Sequence[str]) -> list[Sequence[object]]:
        return self._columns(self.items, self._item_columns, names)

    @staticmethod
    def _columns(rows: Sequence[Mapping[str, object]], cache: dict[str, Sequence[object]],
                 names: Sequence[str]) -> list[Sequence[object]]:
        missing = [n for n in dict.fromkeys(names) if n not in cache]
        if missing:
            cache.update(zip(missing, columns(rows, missing), strict=True))
        return [cache[n] for n in names]


def in_one_item(rule: Callable[[Record], Iterator[object]],
                names: Sequence[str]) -> Callable[[tuple[Any, ...]], bool]:
    """For `screen_items`: whether `rule` finds something in a record whose only item holds
    these values of `names`."""
    def finds(values: tuple[Any, ...]) -> bool:
        item = dict(zip(names, values, strict=True))
        return next(rule({"items": [item]}), None) is not None

    return finds


SCREEN_ALL_FROM = 64  # items in a chunk before mostly distinct values skip the screen


def screen_items(chunk: Chunk, names: Sequence[str],
                 finds: Callable[[tuple[Any, ...]], bool],
                 plain: frozenset[type] = frozenset({str, type(None)})) -> set[int]:
    """Indices of the records with an item for whose values of `names` `finds` is true, each
    distinct combination decided once. Values of the `plain` types are told apart by value
    alone (as loaded rows hold them); any other type is part of the key too, since 1, 1.0 and
    True are equal keys with different texts."""
    owners, found = chunk.owners, chunk.item_values(names)
    width = len(names)
    typed = not all(set(map(type, column)) <= plain for column in found)
    keys = list(zip(*found, *(map(type, column) for column in found), strict=True) if typed
                else zip(*found, strict=True))
    try:
        distinct = len(set(keys))
    except TypeError:  # unhashable (not from the database)
        distinct = 0
    if len(keys) >= SCREEN_ALL_FROM and distinct * 2 > len(keys):
        # Mostly distinct values: deciding each once would cost what the rule costs, and the
        # records it names would run it again. Every record runs the rule instead.
        return set(range(len(chunk.records)))
    verdicts: dict[tuple[Any, ...], bool] = {}
    suspects: set[int] = set()
    for owner, key in zip(owners, keys, strict=True):
        try:
            hit = verdicts[key]
        except KeyError:
            hit = verdicts[key] = finds(key[:width] if typed else key)
        except TypeError:  # unhashable (not from the database)
            hit = finds(key[:width] if typed else key)
        if hit:
            suspects.add(owner)
    return suspects
