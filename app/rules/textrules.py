"""CONTROL_CHAR: text fields holding control characters or lone surrogates.

Such characters come from pasted or badly exported spreadsheets; XML 1.0 cannot carry them, so
a declaration holding one could never be built into a customs message. Tab and newline are
allowed (XML keeps them).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence

from app.domain.fields import ALL_HEAD_FIELDS, ITEM_FIELDS
from app.i18n import N_
from app.rules.context import CheckContext, Chunk, Record, gnum_of, items_of, label
from app.rules.problem import Problem, RuleCode, error

CONTROL_RE = re.compile("[\x00-\x08\x0b-\x1f\ud800-\udfff]")
HEAD_TEXT: tuple[str, ...] = tuple(f.name for f in ALL_HEAD_FIELDS if f.kind == "str")
ITEM_TEXT: tuple[str, ...] = tuple(f.name for f in ITEM_FIELDS if f.kind == "str")
MESSAGE = N_("{field} contains the control character {char}, which a customs message cannot "
             "carry; remove it (often pasted from a spreadsheet).")


# What a terminal would obey rather than print: C0 (but tab, newline), DEL, C1, surrogates.
def character_name(char: str) -> str:
    return f"U+{ord(char):04X}"


def _found(name: str, value: object, scope: str, gnum: int | None) -> Iterator[Problem]:
    if type(value) is str:
        match = CONTROL_RE.search(value)
        if match is not None:
            yield error(RuleCode.CONTROL_CHAR, name, MESSAGE, gnum, field=label(name, scope),
                        char=character_name(match.group()))


def check_control_chars(record: Record, ctx: CheckContext) -> Iterator[Problem]:
    for name in HEAD_TEXT:
        yield from _found(name, record.get(name), "head", None)
    for index, item in enumerate(items_of(record)):
        gnum = gnum_of(item, index)
        for name in ITEM_TEXT:
            yield from _found(name, item.get(name), "item", gnum)


def screen_control_chars(chunk: Chunk, ctx: CheckContext) -> set[int]:
    """Records with a control character: one regex search over every text value of the
    chunk joined (control characters are rare); only when it finds one is each record
    checked on its own."""
    if not (_any_control(chunk.heads(HEAD_TEXT)) or _any_control(chunk.item_values(ITEM_TEXT))):
        return set()
    return {index for index, record in enumerate(chunk.records)
            if next(check_control_chars(record, ctx), None) is not None}


def _any_control(columns: Sequence[Sequence[object]]) -> bool:
    """Whether a control character is in any text of the columns the rule looks at (the
    chunk's columns, built once for every screen), all joined at C speed."""
    texts: list[str] = []
    for values in columns:
        try:
            texts.append("\n".join(filter(None, values)))  # type: ignore[arg-type]
        except TypeError:  # not only text (a record not from the database)
            texts.append("\n".join(v for v in values if type(v) is str))
    return CONTROL_RE.search("\n".join(texts)) is not None
