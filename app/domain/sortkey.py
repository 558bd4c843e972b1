"""Sort keys for Chinese names: 阿, 李, 王, 张 sort as a, li, wang, zhang (pinyin order).

A database orders text by code point, which puts 张 (U+5F20) before 李 (U+674E) and 阿
(U+963F) last. So each name column the grid sorts on has a stored key, computed here when the
name is written (bulk insert, re-import, editing, bulk edit, demo data) and used by ORDER BY;
the same key on SQLite and PostgreSQL, whatever the server's collation.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from typing import Any

SORT_KEY_LENGTH = 240
# CEB name of a sortable name field -> attribute of its stored key.
SORT_KEY_FIELDS: Mapping[str, str] = {"buyerName": "buyer_name_sort",
                                       "ebpName": "ebp_name_sort"}


@cache
def _char_key(ch: str) -> str:
    """One character's part of the key: a Han character's toneless pinyin and a space
    (so 占谷 `zhan gu` sorts before 张 `zhang`, syllable by syllable), else the character
    folded to lower case (Latin names sort among the pinyin ones)."""
    if ch.isascii():
        return ch.lower()
    # Imported on the first non-ASCII character: loading its dictionaries takes ~0.5 s,
    # which every command and the window's start would otherwise pay.
    from pypinyin import lazy_pinyin

    (syllable,) = lazy_pinyin(ch) or [ch]
    return f"{syllable} " if syllable != ch else ch.casefold()


def name_sort_key(text: str | None) -> str | None:
    """The stored sort key of a name (None for None). Characters are looked up one at a
    time, so a million imported names cost a dictionary look-up a character; a surname read
    differently from its everyday reading (曾 zeng, 单 shan) sorts by the everyday one."""
    if text is None:
        return None
    key = " ".join("".join(map(_char_key, text.strip())).split())
    return key[:SORT_KEY_LENGTH]


def sort_key_values(values: Mapping[str, Any]) -> dict[str, str | None]:
    """The stored keys to write with `values` (keyed by CEB names): one per sortable name
    field present in `values`."""
    return {key: name_sort_key(values[field]) for field, key in SORT_KEY_FIELDS.items()
            if field in values}
