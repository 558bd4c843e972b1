"""Declarations an import has just inserted, kept as the very rows it handed to the driver, so
the pre-check in the same transaction builds their records from memory instead of reading them
back (`app.precheck.service.check_built`).

A kept row is what the database would return for it: the values as written (strings, ints,
Decimal amounts as their scaled integers, which is what the loader reads), picked in the
loader's column order. Rows whose values are of a type the database would turn into another
(an int in a text column, say) are not trusted: their declarations are read back instead. So
are declarations written again after they were inserted (later rows of the same order, in
another chunk) and those beyond `limit`, which keeps a huge import's memory bounded.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from operator import itemgetter
from typing import Any

from sqlalchemy import Column

from app.db.models import Declaration, DeclarationItem
from app.db.types import Decimal5
from app.precheck.records import HEAD_NAMES, HEAD_SPECS, ITEM_NAMES, META_COLUMNS, Rows

# More declarations than this are checked the usual way (read back in chunks): their rows
# would take a few hundred MB.
MEMORY_LIMIT = 150_000
# The head columns the loader reads (app.precheck.records.HEAD_COLUMNS), then what the last
# check stored and the content revision (app.precheck.service._EXTRA), as attribute keys of
# the inserted rows.
HEAD_KEYS: tuple[str, ...] = (*(c.key for _, c in META_COLUMNS), *(f.name for f in HEAD_SPECS))
STORED_KEYS = ("content_rev", "checked_at", "error_count", "warning_count",
               "tax_estimate", "goods_total")
ITEM_KEYS = ITEM_NAMES  # declaration_id, then the item fields
_NONE = type(None)
assert len(HEAD_KEYS) == len(HEAD_NAMES)


def _driver_type(column: Column[Any]) -> type:
    """The one Python type the driver hands back for this column's non-null values as we
    write them (NoneType: trust only nulls)."""
    if isinstance(column.type, Decimal5):
        return int
    try:
        found = column.type.python_type
    except NotImplementedError:
        return _NONE
    return found if found in (int, str) else _NONE


def _types(mapped: type[Any], keys: Sequence[str]) -> list[frozenset[type]]:
    columns = {prop.key: prop.columns[0] for prop in mapped.__mapper__.column_attrs}
    return [frozenset({_NONE, _driver_type(columns[k])}) for k in keys]


class BuiltDeclarations:
    """Collects what `insert_declarations` wrote (pass `add` as its `sink`)."""

    def __init__(self, limit: int | None = None) -> None:
        self.limit = MEMORY_LIMIT if limit is None else limit
        self._heads: dict[int, tuple[Any, ...]] = {}
        self._items: dict[int, list[tuple[Any, ...]]] = {}
        self._picks: tuple[itemgetter[Any], itemgetter[Any]] | None = None
        self._head_types = _types(Declaration, (*HEAD_KEYS, *STORED_KEYS))
        self._item_types = _types(DeclarationItem, ITEM_KEYS)

    def add(self, head_keys: Sequence[str], heads: list[tuple[Any, ...]],
            item_keys: Sequence[str], items: list[tuple[Any, ...]]) -> None:
        if self._picks is None:
            self._picks = (itemgetter(*(head_keys.index(k) for k in (*HEAD_KEYS, *STORED_KEYS))),
                           itemgetter(*(item_keys.index(k) for k in ITEM_KEYS)))
        pick_head, pick_item = self._picks
        room = self.limit - len(self._heads)
        kept = self._heads
        for row in heads[:max(room, 0)]:
            picked = pick_head(row)
            kept[picked[0]] = picked
        owned = self._items
        for row in items:
            picked = pick_item(row)
            if picked[0] in kept:
                owned.setdefault(picked[0], []).append(picked)

    def forget(self, ids: Sequence[int]) -> None:
        """These declarations were written again after their insert: read them back."""
        for decl_id in ids:
            self._heads.pop(decl_id, None)
            self._items.pop(decl_id, None)

    def split(self, ids: Sequence[int]) -> tuple[list[int], list[int]]:
        """`ids` (sorted, distinct) → (those kept here, those to read back)."""
        kept = self._heads
        return [i for i in ids if i in kept], [i for i in ids if i not in kept]

    def chunks(self, ids: Sequence[int], size: int
               ) -> Iterator[tuple[list[int], tuple[Rows, Rows] | None]]:
        """The kept rows of `ids` (sorted, all kept), `size` declarations at a time, as the
        loader reads them (heads by id, items by declaration and gnum); None for a chunk
        holding a value the database would not return as written (read it back)."""
        gnum = ITEM_KEYS.index("gnum")
        by_gnum = itemgetter(gnum)
        for start in range(0, len(ids), size):
            part = list(ids[start:start + size])
            heads: Rows = [self._heads[i] for i in part]
            items: Rows = []
            for decl_id in part:
                own = self._items.get(decl_id, ())
                if len(own) > 1 and any(own[n][gnum] > own[n + 1][gnum]
                                        for n in range(len(own) - 1)):
                    own = sorted(own, key=by_gnum)
                items.extend(own)
            trusted = _as_written(heads, self._head_types) and _as_written(
                items, self._item_types)
            yield part, ((heads, items) if trusted else None)

    def clear(self) -> None:
        self._heads.clear()
        self._items.clear()


def _as_written(rows: Rows, types: list[frozenset[type]]) -> bool:
    """Whether every value has the one type the driver returns for its column (column by
    column, at C speed)."""
    if not rows:
        return True
    return all(set(map(type, column)) <= allowed
               for column, allowed in zip(zip(*rows, strict=True), types, strict=True))
