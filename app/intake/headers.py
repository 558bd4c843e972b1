"""Header normalisation, automatic column matching and header-row detection."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

from app.domain.fields import ALL_HEAD_FIELDS, HEAD_BY_NAME, ITEM_BY_NAME, ITEM_FIELDS, FieldSpec
from app.intake.synonyms import ADDRESS_PART_HEADERS, SYNONYMS

# Units written in headers: "毛重(kg)", "单价（元）", "重量/g", "Weight [KG]".
_UNIT_WORDS: dict[str, str] = {
    "kg": "kg", "kgs": "kg", "千克": "kg", "公斤": "kg",
    "g": "g", "克": "g", "gram": "g", "grams": "g",
    "元": "yuan", "rmb": "yuan", "cny": "yuan", "yuan": "yuan", "人民币": "yuan",
    "分": "fen", "fen": "fen",
}
_BRACKETED = re.compile(r"[(\[{<]([^()\[\]{}<>]*)[)\]}>]")
_SEPARATORS = re.compile(r"[\s_\-.·:：*#/\\]+")
_REQUIRED_MARK = re.compile(r"^[*＊]+|[*＊]+$")

ADDRESS_PART = "address_part"


def normalise_header(text: object) -> str:
    """The comparable form of a header: NFKC, lower case, no spaces, units and marks removed."""
    if text is None:
        return ""
    s = unicodedata.normalize("NFKC", str(text)).strip().casefold()
    s = _REQUIRED_MARK.sub("", s)
    s = _BRACKETED.sub("", s)
    for suffix in ("/kg", "/g", "/元"):
        if s.endswith(suffix):
            s = s[: -len(suffix)]
    return _SEPARATORS.sub("", s)


def header_unit(text: object) -> str | None:
    """The unit named in a header ("毛重(g)" → "g", "单价（元）" → "yuan"), if any."""
    if text is None:
        return None
    s = unicodedata.normalize("NFKC", str(text)).strip().casefold()
    for inner in _BRACKETED.findall(s):
        inner = inner.replace("单位", "").strip(" :：")
        if inner in _UNIT_WORDS:
            return _UNIT_WORDS[inner]
    m = re.search(r"/\s*(\w+)$", s)
    if m and m.group(1) in _UNIT_WORDS:
        return _UNIT_WORDS[m.group(1)]
    return None


def _spec_target(spec: FieldSpec) -> str:
    if spec.scope == "item" and spec.name in HEAD_BY_NAME:
        return f"item.{spec.name}"
    return spec.name


@cache
def synonym_index() -> dict[str, str]:
    """Normalised header → target; explicit synonyms win over generated labels."""
    index: dict[str, str] = {}
    for spec in (*ALL_HEAD_FIELDS, *ITEM_FIELDS):
        target = _spec_target(spec)
        for text in (spec.label_zh, spec.label_en, spec.name):
            index.setdefault(normalise_header(text), target)
    for target, names in SYNONYMS.items():
        for name in names:
            index[normalise_header(name)] = target
    for name in ADDRESS_PART_HEADERS:
        index[normalise_header(name)] = ADDRESS_PART
    return index


def is_target(target: str) -> bool:
    """Whether `target` names a field a column can be mapped to (or `address_part`: one of
    the columns, such as 省/市/区, joined in file order in front of the address)."""
    if target == ADDRESS_PART:
        return True
    if target.startswith("item."):
        return target[5:] in ITEM_BY_NAME
    if target.startswith("head."):
        return target[5:] in HEAD_BY_NAME
    return target in HEAD_BY_NAME or target in ITEM_BY_NAME


def canonical_target(target: str) -> str:
    """`head.x` → `x`; an item-only name stays plain; `item.x` stays for shared names."""
    if target.startswith("head."):
        return target[5:]
    if target.startswith("item.") and target[5:] not in HEAD_BY_NAME:
        return target[5:]
    return target


def spec_of(target: str) -> FieldSpec:
    if target.startswith("item."):
        return ITEM_BY_NAME[target[5:]]
    return HEAD_BY_NAME.get(target) or ITEM_BY_NAME[target]


def match_header(text: object) -> str | None:
    """The target field a header names, or None when it is not a known header."""
    key = normalise_header(text)
    return synonym_index().get(key) if key else None


@dataclass(frozen=True)
class HeaderLocation:
    row_index: int  # 0-based index of the (last) header row among the scanned rows
    headers: tuple[str, ...]


def detect_header(rows: Sequence[Sequence[object]], header_row: int | None = None,
                  merged_above: frozenset[tuple[int, int]] = frozenset()) -> HeaderLocation:
    """Find the header row among the first rows of a sheet.

    Title rows, blank rows and notes above the header are skipped: the header is the row with
    most cells that match known headers (ties go to the upper row); with no match at all it is
    the first row with at least two non-empty cells. Two-row headers made with merged cells
    ("收件人" over "姓名 | 电话") are combined when that gives a known header.
    `header_row` (1-based) forces the row. `merged_above` lists (row, col) cells that belong to a
    merged region whose value sits to their left, so empty parents are filled from it.
    """
    if header_row is not None:
        idx = header_row - 1
        if idx >= len(rows) or idx < 0:
            return HeaderLocation(idx, ())
        return HeaderLocation(idx, tuple(_text(v) for v in rows[idx]))
    best, best_score = -1, 0
    for i, row in enumerate(rows):
        score = sum(1 for v in row if match_header(v) is not None)
        if score > best_score:
            best, best_score = i, score
    for need in (2, 1):
        if best >= 0:
            break
        for i, row in enumerate(rows):
            if sum(1 for v in row if _text(v)) >= need:
                best = i
                break
    if best < 0:
        return HeaderLocation(-1, ())
    # A sub-header row right below the detected row (merged parents above) wins if it adds
    # matches: "收件人 | | 数量" over "姓名 | 电话 |" is a two-row header.
    here = tuple(_text(v) for v in rows[best])
    if best + 1 < len(rows) and _is_subheader(rows[best + 1]):
        below = _combine(rows, best + 1, merged_above)
        if _score(below) > _score(here):
            return HeaderLocation(best + 1, below)
    return HeaderLocation(best, here)


def _score(headers: Sequence[str]) -> int:
    return sum(1 for h in headers if match_header(h) is not None)


def _is_subheader(row: Sequence[object]) -> bool:
    cells = [v for v in row if _text(v)]
    return bool(cells) and all(isinstance(v, str) for v in cells)


def _combine(rows: Sequence[Sequence[object]], idx: int,
             merged_above: frozenset[tuple[int, int]]) -> tuple[str, ...]:
    """Headers of a two-row header ending at `idx`: child text, prefixed by its parent when
    only the combination is a known header, or the parent alone under an empty child."""
    row = rows[idx]
    if idx == 0:
        return tuple(_text(v) for v in row)
    parent_row = _filled_parents(rows[idx - 1], idx - 1, merged_above)
    width = max(len(row), len(parent_row))
    out: list[str] = []
    for col in range(width):
        child = _text(row[col]) if col < len(row) else ""
        parent = parent_row[col] if col < len(parent_row) else ""
        if not child:
            out.append(parent)
        elif parent and match_header(child) is None and match_header(parent + child):
            out.append(parent + child)
        else:
            out.append(child)
    return tuple(out)


def _filled_parents(row: Sequence[object], row_idx: int,
                    merged_above: frozenset[tuple[int, int]]) -> list[str]:
    out: list[str] = []
    last = ""
    for col, value in enumerate(row):
        text = _text(value)
        if text:
            last = text
            out.append(text)
        elif (row_idx, col) in merged_above:
            out.append(last)
        else:
            out.append("")
            last = ""
    return out


def _text(value: object) -> str:
    if value is None:
        return ""
    return str(value).strip()
