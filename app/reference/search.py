"""Look up reference rows by code or by words of the Chinese/English name (CLI, GUI, editor)."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from functools import cache

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from app.db.models import HsCode, PositiveListEntry, RefCode, RefEdition
from app.db.textsearch import hs_codes_matching
from app.domain.clock import beijing_today
from app.paths import resource_path
from app.reference.fileread import TABLES
from app.reference.inforce import in_force, kept_editions
from app.security.context import Actor, Permission, require


@dataclass(frozen=True)
class ReferenceRow:
    code: str
    name_zh: str
    name_en: str
    unit1: str | None = None  # HS only
    unit2: str | None = None
    vat_rate: str | None = None  # as text; None: not known
    ct_rate: str | None = None
    note: str | None = None  # positive-list note (HS rows: the note of their list entry)


@dataclass(frozen=True)
class TableSummary:
    table: str
    rows: int
    edition: str | None  # the loaded edition in force today; None: the shipped tables
    loaded_at: str | None
    upcoming: str | None = None  # a loaded edition not in force yet (tariff, positive list)
    upcoming_from: str | None = None  # its effective date, YYYY-MM-DD


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _rate(value: object) -> str | None:
    return None if value is None else str(value)


HS_KEYWORDS_FILE = "hs_keywords.csv"  # everyday names of goods → HS code prefixes


@cache
def hs_keywords() -> tuple[tuple[str, tuple[str, ...]], ...]:
    """(code prefix, everyday names) from resources/reference/hs_keywords.csv: what a clerk
    types (面霜, 纸尿裤) where the tariff's own wording differs (护肤品, 婴儿尿布)."""
    text = (resource_path("reference") / HS_KEYWORDS_FILE).read_text(encoding="utf-8")
    rows = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    return tuple((r["prefix"].strip(), tuple(k.strip().casefold()
                                             for k in r["keywords"].split("|") if k.strip()))
                 for r in rows if r.get("prefix"))


def keyword_prefixes(word: str) -> list[str]:
    """Code prefixes with an everyday name containing `word` (case-insensitive)."""
    folded = word.casefold()
    return [prefix for prefix, names in hs_keywords() if any(folded in n for n in names)]


def search_reference(session: Session, actor: Actor, table: str, text: str = "",
                     limit: int = 50) -> list[ReferenceRow]:
    """Rows of `table` (a key of fileread.TABLES) whose code starts with `text` or whose name
    contains it; all rows (up to `limit`) when `text` is empty."""
    require(actor, Permission.VIEW)
    needle = text.strip()
    pattern = f"%{_escape(needle)}%"
    prefix = f"{_escape(needle)}%"
    notes = {c: n or "" for c, n in session.execute(
        select(PositiveListEntry.code, PositiveListEntry.note))}
    if table == "hs":
        query = select(HsCode).order_by(HsCode.code)
        if needle.isdigit():  # code digits: a range on the primary key
            query = query.where(HsCode.code >= needle, HsCode.code < needle + ":").limit(limit)
        elif needle:
            also = {w: keyword_prefixes(w) for w in needle.split()}
            query = query.where(HsCode.code.in_(hs_codes_matching(session, needle, limit,
                                                                  also)))
        else:
            query = query.limit(limit)
        return [ReferenceRow(h.code, h.name_zh, h.name_en or "", h.unit1, h.unit2,
                             _rate(h.vat_rate), _rate(h.ct_rate),
                             notes.get(h.code, notes.get(h.code[:8])))
                for h in session.execute(query).scalars()]
    if table == "positive-list":
        pq = select(PositiveListEntry).order_by(PositiveListEntry.code).limit(limit)
        if needle:
            pq = pq.where(or_(PositiveListEntry.code.like(prefix, escape="\\"),
                              PositiveListEntry.name_zh.like(pattern, escape="\\"),
                              PositiveListEntry.note.like(pattern, escape="\\")))
        return [ReferenceRow(p.code, p.name_zh or "", "", note=p.note or "")
                for p in session.execute(pq).scalars()]
    kind = TABLES[table][0]
    cq = select(RefCode).where(RefCode.kind == kind).order_by(RefCode.code).limit(limit)
    if needle:
        cq = cq.where(or_(RefCode.code.like(prefix, escape="\\"),
                          RefCode.name_zh.like(pattern, escape="\\"),
                          RefCode.name_en.like(pattern, escape="\\"),
                          RefCode.aliases.like(pattern, escape="\\")))
    return [ReferenceRow(r.code, r.name_zh, r.name_en or "")
            for r in session.execute(cq).scalars()]


def table_summaries(session: Session, actor: Actor) -> list[TableSummary]:
    """Every loadable table: its row count and the edition in force."""
    require(actor, Permission.VIEW)
    counts: dict[str, int] = {kind: int(n) for kind, n in session.execute(
        select(RefCode.kind, func.count()).group_by(RefCode.kind))}
    counts["hs"] = session.scalar(select(func.count()).select_from(HsCode)) or 0
    counts["positiveList"] = session.scalar(
        select(func.count()).select_from(PositiveListEntry)) or 0
    newest: dict[str, RefEdition] = {}
    by_id: dict[int, RefEdition] = {}
    for e in session.execute(select(RefEdition).order_by(RefEdition.id)).scalars():
        newest[e.table_name] = by_id[e.id] = e
    today = beijing_today()
    out = []
    for table, (internal, _, _) in TABLES.items():
        edition = newest.get(table)
        upcoming = None
        if table in ("hs", "positive-list"):  # dated: the one in force today
            kept = kept_editions(session, table)
            if kept:
                current = in_force(kept, today)
                edition = by_id[current.id] if current is not None else None
                upcoming = next((e for e in kept if (e.effective or today) > today), None)
        out.append(TableSummary(table, int(counts.get(internal, 0)),
                                edition.name if edition else None,
                                edition.loaded_at.isoformat() if edition else None,
                                upcoming.name if upcoming else None,
                                upcoming.effective.isoformat()
                                if upcoming and upcoming.effective else None))
    return out
