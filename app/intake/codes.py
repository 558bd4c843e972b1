"""Code-or-name lookup for code fields (units, countries, currencies, trade/transport modes).

The importer receives a `CodeLookup` callable: `lookup(table, text) -> code | None`. The code
tables live in the database (RefCode); `DictCodeLookup` is the in-memory form used by tests and
by the service once it has loaded the tables.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Iterable, Mapping

from app.reference.tables import ReferenceTables

CodeLookup = Callable[[str, str], str | None]

# Which code table a field's value comes from.
CODE_TABLE_OF: dict[str, str] = {
    "unit": "unit", "unit1": "unit", "unit2": "unit",
    "country": "country", "item.country": "country", "tradeCountry": "country",
    "currency": "currency", "item.currency": "currency",
    "tradeMode": "tradeMode", "trafMode": "trafMode", "wrapType": "wrapType",
    "buyerIdType": "idType",
}

# Names for the buyer ID type are fixed by the CEB spec; no table needed.
_ID_TYPES = {"1": "1", "身份证": "1", "居民身份证": "1", "idcard": "1", "id": "1",
             "2": "2", "其它": "2", "其他": "2", "other": "2"}


def lookup_key(text: str) -> str:
    return "".join(unicodedata.normalize("NFKC", text).casefold().split())


class DictCodeLookup:
    """Lookup over {table: {code: [names…]}}; codes and names both resolve to the code."""

    def __init__(self, tables: Mapping[str, Mapping[str, Iterable[str]]]) -> None:
        self._index: dict[str, dict[str, str]] = {}
        for table, codes in tables.items():
            idx = self._index.setdefault(table, {})
            for code, names in codes.items():
                idx.setdefault(lookup_key(code), code)
                for name in names:
                    idx.setdefault(lookup_key(name), code)

    def __call__(self, table: str, text: str) -> str | None:
        if table == "idType":
            return _ID_TYPES.get(lookup_key(text))
        return self._index.get(table, {}).get(lookup_key(text))


def no_lookup(table: str, text: str) -> str | None:
    """A lookup that knows no names (codes still pass through when they look like codes)."""
    if table == "idType":
        return _ID_TYPES.get(lookup_key(text))
    return None


def reference_lookup(tables: ReferenceTables) -> CodeLookup:
    """A CodeLookup over the reference tables (codes, names, aliases such as JP or kg)."""

    def lookup(table: str, text: str) -> str | None:
        if table == "idType":
            return _ID_TYPES.get(lookup_key(text))
        code_table = tables.tables.get(table)
        if code_table is None:
            return None
        found = code_table.resolve(text)
        if found is None:
            found = code_table.resolve(unicodedata.normalize("NFKC", text))
        return found

    return lookup
