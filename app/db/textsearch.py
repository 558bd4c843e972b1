"""Indexed word search over the HS tariff: SQLite FTS5 with the trigram tokenizer, pg_trgm on
PostgreSQL. The one place with dialect-specific text-search SQL (the index itself is made by
migration 0006_refdata).

SQLite keeps a copy of code + names in the FTS5 table `hs_search`, refreshed whenever the HS
table is replaced; PostgreSQL indexes an expression over `hs_codes` itself. Words shorter than
three characters cannot use a trigram index; they filter the rows the longer words found, or
scan the table when there is no longer word (11,000 rows: a few milliseconds).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import and_, func, or_, select, text
from sqlalchemy.orm import Session

from app.db.models import HsCode

HS_SEARCH_TABLE = "hs_search"
PG_SEARCH_INDEX = "ix_hs_codes_search"
PG_EXPRESSION = "(code || ' ' || name_zh || ' ' || coalesce(name_en, ''))"
# The goods catalogue's names (migration 0016_suggest): an FTS5 trigram table kept by
# triggers on SQLite, a pg_trgm index on PostgreSQL.
CATALOGUE_SEARCH_TABLE = "catalogue_search"
PG_CATALOGUE_INDEX = "ix_catalogue_entries_name_trgm"


def include_object(obj: Any, name: str | None, type_: str, reflected: bool,
                   compare_to: Any) -> bool:
    """For Alembic's comparison: the FTS5 table (and its shadow tables) and the pg_trgm
    expression index are not in the models."""
    if type_ == "index" and name in (PG_SEARCH_INDEX, PG_CATALOGUE_INDEX):
        return False
    return not (type_ == "table" and name is not None
                and name.startswith((HS_SEARCH_TABLE, CATALOGUE_SEARCH_TABLE)))


def _sqlite(session: Session) -> bool:
    return session.get_bind().dialect.name == "sqlite"


def refresh_hs_search(session: Session, codes: Sequence[str] | None = None) -> None:
    """Bring the search copy up to date after the HS table changed: for `codes` only, or
    rebuilt whole (SQLite; PostgreSQL's index follows the table by itself)."""
    if not _sqlite(session):
        return
    # (constant table names below; the user's words are always bound parameters)
    copy = (f"INSERT INTO {HS_SEARCH_TABLE} (code, body) SELECT code, "  # noqa: S608
            "code || ' ' || name_zh || ' ' || coalesce(name_en, '') FROM hs_codes")
    if codes is None:
        session.execute(text(f"DELETE FROM {HS_SEARCH_TABLE}"))  # noqa: S608
        session.execute(text(copy))
        return
    for start in range(0, len(codes), 500):
        chunk = list(codes[start:start + 500])
        marks = ", ".join(f":c{i}" for i in range(len(chunk)))
        params = {f"c{i}": code for i, code in enumerate(chunk)}
        session.execute(text(f"DELETE FROM {HS_SEARCH_TABLE} "  # noqa: S608
                             f"WHERE code IN ({marks})"), params)
        session.execute(text(f"{copy} WHERE code IN ({marks})"), params)


def _words(search: str) -> list[str]:
    # LIKE wildcards are dropped rather than escaped: the FTS5 index cannot use ESCAPE
    return [w for w in search.replace("%", " ").replace("_", " ").split() if w]


def hs_codes_matching(session: Session, search: str, limit: int,
                      also: Mapping[str, Sequence[str]] | None = None) -> list[str]:
    """Codes of the HS rows containing every word of `search` (code digits or words of the
    Chinese/English name, case-insensitive), in code order. `also`: word → code prefixes
    that match it too (everyday names of goods the tariff's wording lacks, e.g. 面霜)."""
    words = _words(search)
    if not words:
        return []
    if also and any(also.get(w) for w in words):
        # A handful of code prefixes stand in for the word: a scan of 11,000 rows (a few
        # milliseconds), as for short words.
        body = HsCode.code + " " + HsCode.name_zh + " " + func.coalesce(HsCode.name_en, "")
        conds = [or_(body.ilike(f"%{w}%"), *(HsCode.code.startswith(p)
                                            for p in also.get(w, ()))) for w in words]
        rows = session.execute(select(HsCode.code).where(and_(*conds))
                               .order_by(HsCode.code).limit(limit))
        return [code for (code,) in rows]
    long_words = [w for w in words if len(w) >= 3]
    short_words = [w for w in words if len(w) < 3]
    if _sqlite(session) and long_words:
        where = " AND ".join(f"body LIKE :w{i}" for i in range(len(long_words)))
        params: dict[str, Any] = {f"w{i}": f"%{w}%" for i, w in enumerate(long_words)}
        query = f"SELECT code, body FROM {HS_SEARCH_TABLE} WHERE {where} ORDER BY code"  # noqa: S608
        found = []
        for code, body in session.execute(text(query), params):
            folded = body.casefold()
            if all(w.casefold() in folded for w in short_words):
                found.append(code)
                if len(found) >= limit:
                    break
        return found
    if _sqlite(session):
        body = HsCode.code + " " + HsCode.name_zh + " " + func.coalesce(HsCode.name_en, "")
        rows = session.execute(select(HsCode.code)
                               .where(and_(*(body.like(f"%{w}%") for w in words)))
                               .order_by(HsCode.code).limit(limit))
        return [code for (code,) in rows]
    # ILIKE over the very expression the pg_trgm index is built on, so the index serves it
    where = " AND ".join(f"{PG_EXPRESSION} ILIKE :w{i}" for i in range(len(words)))
    params = {f"w{i}": f"%{w}%" for i, w in enumerate(words)}
    params["n"] = limit
    query = f"SELECT code FROM hs_codes WHERE {where} ORDER BY code LIMIT :n"  # noqa: S608
    return [code for (code,) in session.execute(text(query), params)]


def _fts_phrase(piece: str) -> str:
    return '"' + piece.replace('"', '""') + '"'


def catalogue_ids_sharing(session: Session, pieces: Sequence[str], name: str,
                          limit: int) -> list[int]:
    """Ids of catalogue entries whose name key contains any of `pieces` (three characters
    each, from the goods name `name`), those most like `name` first (SQLite: FTS5's bm25 rank;
    PostgreSQL: pg_trgm similarity)."""
    if not pieces:
        return []
    if _sqlite(session):
        match = " OR ".join(_fts_phrase(p) for p in pieces)
        query = (f"SELECT rowid FROM {CATALOGUE_SEARCH_TABLE} "  # noqa: S608
                 f"WHERE {CATALOGUE_SEARCH_TABLE} MATCH :m ORDER BY rank LIMIT :n")
        return [i for (i,) in session.execute(text(query), {"m": match, "n": limit})]
    where = " OR ".join(f"name_key LIKE :p{i}" for i in range(len(pieces)))
    params: dict[str, Any] = {f"p{i}": f"%{_escape_like(p)}%" for i, p in enumerate(pieces)}
    params.update(t=name, n=limit)
    query = (f"SELECT id FROM catalogue_entries WHERE {where} "  # noqa: S608
             "ORDER BY similarity(name_key, :t) DESC, id LIMIT :n")
    return [i for (i,) in session.execute(text(query), params)]


def _escape_like(piece: str) -> str:
    return piece.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
