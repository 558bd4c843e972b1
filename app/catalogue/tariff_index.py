"""The tariff as the HS suggestions search it: every HS row's Chinese and English names, its
positive-list note and the shipped goods words (resources/reference/hs_goods_words.csv: the
everyday words of e-commerce listings — 面霜, 奶粉, 蓝牙耳机 — that the tariff's formal names
never use), indexed by character pairs in memory.

The tariff has ~11,600 rows and changes only when an edition is loaded, while every score needs
how often each pair occurs over the whole table; so the index is built once (~0.3 s) and kept
by its owner (`HsSuggester`), rebuilt when the HS table's row count or latest edition changes.
"""

from __future__ import annotations

import csv
import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.catalogue.similarity import GramWeights, coverage, grams, likeness, normalise_name
from app.db.models import HsCode, PositiveListEntry, RefEdition
from app.paths import resource_path

GOODS_WORDS_FILE = "hs_goods_words.csv"
# Pairs found in more rows than this (其他, 制的 …) find no candidates by themselves; they
# still count in the score of rows other pairs found.
_COMMON = 1500
_EXCEPT = re.compile(r"[（(][^）)]*除外[）)]")  # "(电动牙刷除外)": what the row is not
_ENGLISH_WORD = re.compile(r"[a-z]{3,}")
_ENGLISH_STOP = frozenset({"and", "the", "for", "with", "other", "not", "nec", "heading",
                           "item", "whether", "than", "their", "kind", "excluding", "including",
                           "more", "less", "exceeding", "used", "such", "parts", "n.e.c"})


@dataclass(frozen=True)
class TariffRow:
    code: str
    name_zh: str
    unit1: str | None
    unit2: str | None
    note: str | None  # positive-list note of the code (or of its 8-digit line)
    curated: bool  # a hand-checked HS 2022 row (the ones e-commerce uses)
    words: tuple[str, ...]  # shipped goods words that lead to this code
    grams: frozenset[str]


@dataclass(frozen=True)
class TariffMatch:
    row: TariffRow
    score: float
    word: str | None  # the goods word of the query that led here, if one did


def shipped_goods_words() -> dict[str, tuple[str, ...]]:
    """HS code → everyday goods words, from the shipped CSV."""
    path = resource_path("reference") / GOODS_WORDS_FILE
    out: dict[str, tuple[str, ...]] = {}
    with path.open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            out[row["code"]] = tuple(w for w in row["words"].split("|") if w)
    return out


def tariff_version(session: Session) -> tuple[int, int]:
    """Changes whenever the HS table is replaced: its row count and the latest edition."""
    rows = session.scalar(select(func.count()).select_from(HsCode)) or 0
    edition = session.scalar(select(func.max(RefEdition.id))
                             .where(RefEdition.table_name == "hs")) or 0
    return int(rows), int(edition)


def _english_grams(name_en: str | None) -> set[str]:
    words = _ENGLISH_WORD.findall((name_en or "").casefold())
    return {w for w in words if w not in _ENGLISH_STOP}


class TariffIndex:
    """Character pairs → tariff rows, with how telling each pair is."""

    def __init__(self, rows: Sequence[TariffRow]) -> None:
        self.rows = {r.code: r for r in rows}
        postings: dict[str, list[str]] = defaultdict(list)
        for r in rows:
            for g in r.grams:
                postings[g].append(r.code)
        self._postings = dict(postings)
        self.weights = GramWeights({g: len(c) for g, c in postings.items()}, len(rows))

    @classmethod
    def load(cls, session: Session, goods_words: bool = True) -> TariffIndex:
        """Read the HS table in force (and the positive list) from the database."""
        notes = {c: n for c, n in session.execute(
            select(PositiveListEntry.code, PositiveListEntry.note)) if n}
        words = shipped_goods_words() if goods_words else {}
        rows = []
        for code, name_zh, name_en, unit1, unit2, source in session.execute(select(
                HsCode.code, HsCode.name_zh, HsCode.name_en, HsCode.unit1, HsCode.unit2,
                HsCode.source)):
            own = words.get(code, ())
            text = normalise_name(" ".join((_EXCEPT.sub("", name_zh), *own)))
            rows.append(TariffRow(
                code, name_zh, unit1, unit2 or None, notes.get(code, notes.get(code[:8])),
                source != "cn-tariff-2019", own,
                grams(text) | _english_grams(name_en)))
        return cls(rows)

    def search(self, query: frozenset[str], text: str, limit: int) -> list[TariffMatch]:
        """The best `limit` rows for a normalised goods name (`text`, its grams `query`)."""
        found: set[str] = set()
        for g in query:
            codes = self._postings.get(g, ())
            if len(codes) <= _COMMON:
                found.update(codes)
        scored = []
        for code in found:
            row = self.rows[code]
            word = max((w for w in row.words if normalise_name(w) in text), key=len,
                       default=None)
            # mostly how much of the listing the row covers; a little how alike the two are,
            # so "电动牙刷" prefers the row named just that
            score = (0.85 * coverage(query, row.grams, self.weights)
                     + 0.15 * likeness(query, row.grams, self.weights))
            if word:  # a whole goods word of the listing names this code
                score = max(score, 0.6 + 0.4 * score)
            if not row.curated:
                score *= 0.92
            if "濒危" in row.name_zh and "濒危" not in text:
                score *= 0.85
            scored.append(TariffMatch(row, round(score, 4), word))
        scored.sort(key=lambda m: (-m.score, len(m.row.name_zh), m.row.code))
        return scored[:limit]
