"""HS code suggestions for a goods name, offline: from the catalogue's customs-accepted entries,
the entries a supervisor confirmed or imported, and the tariff's own names.

Candidates come from indexed text search (catalogue: FTS5 trigram / pg_trgm over the entries'
name keys, app.db.textsearch; tariff: `TariffIndex`); one score (0..1) then ranks them all:
catalogue entries by weighted Dice similarity of the names, tariff rows by how much of the
name they cover. A customs-accepted entry outranks a confirmed one of the same likeness, and
both outrank the tariff, whose formal names ("其他美容品或化妆品及护肤品") rarely read like a
listing. Anyone logged in may ask; asking changes nothing and is not audited.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import false, select
from sqlalchemy.orm import Session

from app.catalogue.similarity import coverage, grams, likeness, normalise_name
from app.catalogue.tariff_index import TariffIndex, TariffRow, tariff_version
from app.db.models import CatalogueEntry, HsCode
from app.db.textsearch import catalogue_ids_sharing
from app.i18n import Message
from app.security.context import Actor, Permission, require

SOURCE_WEIGHT = {"accepted": 1.0, "confirmed": 0.95, "imported": 0.9, "tariff": 0.8}
_CATALOGUE_ROWS = 60  # entries re-scored per suggestion (the best by shared pairs, in SQL)
_MIN_LIKENESS = 0.35  # below this a catalogue entry is another product


@dataclass(frozen=True)
class HsSuggestion:
    """One candidate HS code for a goods name."""

    gcode: str
    score: float  # 0..1, comparable across sources
    source: str  # accepted | confirmed | imported | tariff
    reason: Message  # "accepted 37× as 保湿面霜 50ml", "tariff: 其他美容品或化妆品…"
    unit1: str | None
    unit2: str | None
    note: str | None  # positive-list note (备注) of the code, when the list is loaded

    def as_dict(self, lang: str) -> dict[str, object]:
        return {"gcode": self.gcode, "score": self.score, "source": self.source,
                "reason": self.reason.text(lang), "unit1": self.unit1, "unit2": self.unit2,
                "note": self.note}


def _short(text: str, width: int = 24) -> str:
    return text if len(text) <= width else text[:width - 1] + "…"


class HsSuggester:
    """Suggests HS codes; keeps the tariff index between calls (its owner: one per GUI
    session or CLI run), rebuilt when another tariff edition is loaded."""

    def __init__(self, goods_words: bool = True) -> None:
        self._goods_words = goods_words
        self._index: TariffIndex | None = None
        self._version: tuple[int, int] | None = None

    def tariff(self, session: Session) -> TariffIndex:
        version = tariff_version(session)
        if self._index is None or version != self._version:
            self._index = TariffIndex.load(session, self._goods_words)
            self._version = version
        return self._index

    def suggest(self, session: Session, actor: Actor, gname: str, gmodel: str = "",
                limit: int = 5, tariff_only: bool = False) -> list[HsSuggestion]:
        """The best `limit` HS codes for a goods name (+ model), best first; [] for a name
        with nothing to compare (only sizes or punctuation)."""
        require(actor, Permission.VIEW)
        text = normalise_name(gname)
        query = grams(text)
        if not query:
            return []
        index = self.tariff(session)
        found: dict[str, HsSuggestion] = {}
        if not tariff_only:
            full = normalise_name(f"{gname} {gmodel}")
            for s in _catalogue_candidates(session, index, grams(full) | query, full):
                _keep(found, s)
        for m in index.search(query, text, limit * 3):
            _keep(found, _tariff_suggestion(m.row, m.score, m.word))
        ranked = sorted(found.values(), key=lambda s: (-s.score, s.gcode))[:limit]
        return _with_units(session, index, ranked)


def _keep(found: dict[str, HsSuggestion], s: HsSuggestion) -> None:
    best = found.get(s.gcode)
    if best is None or s.score > best.score:
        found[s.gcode] = s


def _tariff_suggestion(row: TariffRow, score: float, word: str | None) -> HsSuggestion:
    weighted = round(score * SOURCE_WEIGHT["tariff"], 4)
    reason = (Message("tariff: {name} (goods word “{word}”)", {"name": _short(row.name_zh),
                                                              "word": word})
              if word else Message("tariff: {name}", {"name": _short(row.name_zh)}))
    return HsSuggestion(row.code, weighted, "tariff", reason, row.unit1, row.unit2, row.note)


def _catalogue_candidates(session: Session, index: TariffIndex, query: frozenset[str],
                          text: str) -> list[HsSuggestion]:
    """Classified catalogue entries found by the indexed search for the name's three-character
    pieces (a name shorter than that: by LIKE), re-scored by likeness."""
    e = CatalogueEntry
    compact = text.replace(" ", "")
    pieces = sorted({compact[i:i + 3] for i in range(len(compact) - 2)})
    if pieces:
        ids = catalogue_ids_sharing(session, pieces, compact, _CATALOGUE_ROWS)
        where = e.id.in_(ids) if ids else false()
    else:
        where = e.name_key.like(f"%{_like(compact)}%", escape="\\")
    rows = session.execute(
        select(e.gname, e.gmodel, e.gcode, e.source, e.accepted_count)
        .where(where, e.gcode.is_not(None), e.source.in_(("accepted", "confirmed", "imported")))
        .order_by(e.accepted_count.desc(), e.id)
        .limit(_CATALOGUE_ROWS))
    out = []
    for gname, gmodel, gcode, source, count in rows:
        if not gcode:
            continue
        known = grams(normalise_name(f"{gname or ''} {gmodel or ''}"))
        # half how much of the name the entry covers, half how alike they are: "保湿面霜" is
        # close to an entry "保湿面霜 滋润型", though not the same
        similar = (0.5 * coverage(query, known, index.weights)
                   + 0.5 * likeness(query, known, index.weights))
        if similar < _MIN_LIKENESS:
            continue
        shown = " ".join(p for p in (gname, gmodel) if p)
        if source == "accepted":
            reason = Message("accepted {count}× as {name}", {"count": count,
                                                             "name": _short(shown, 30)})
            bonus = min(count, 50) / 1000
        else:
            reason = (Message("confirmed as {name}", {"name": _short(shown, 30)})
                      if source == "confirmed"
                      else Message("imported as {name}", {"name": _short(shown, 30)}))
            bonus = 0.0
        score = round(min(1.0, similar * SOURCE_WEIGHT[source] + bonus), 4)
        out.append(HsSuggestion(gcode, score, source, reason, None, None, None))
    return out


def _like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _with_units(session: Session, index: TariffIndex,
                ranked: list[HsSuggestion]) -> list[HsSuggestion]:
    """Legal units and positive-list note of each code from the tariff in force (a catalogue
    code missing from it keeps none)."""
    out = []
    for s in ranked:
        row = index.rows.get(s.gcode)
        if row is None and s.unit1 is None:
            unit = session.execute(select(HsCode.unit1, HsCode.unit2)
                                   .where(HsCode.code == s.gcode)).first()
            out.append(s if unit is None else _replace_units(s, unit[0], unit[1], None))
        elif row is not None:
            out.append(_replace_units(s, row.unit1, row.unit2, row.note))
        else:
            out.append(s)
    return out


def _replace_units(s: HsSuggestion, unit1: str | None, unit2: str | None,
                   note: str | None) -> HsSuggestion:
    return HsSuggestion(s.gcode, s.score, s.source, s.reason, unit1, unit2 or None, note)


def suggest_hs_codes(session: Session, actor: Actor, gname: str, gmodel: str = "",
                     limit: int = 5) -> list[HsSuggestion]:
    """One-off suggestions (builds the tariff index: keep an `HsSuggester` for repeated use)."""
    return HsSuggester().suggest(session, actor, gname, gmodel, limit)
