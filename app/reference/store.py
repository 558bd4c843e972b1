"""The database copy of the reference tables: seeded from the CSV files, read back for rules."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from app.db.models import HsCode, PositiveListEntry, RefCode, RefEdition
from app.db.textsearch import refresh_hs_search
from app.reference.tables import (
    SHIPPED_HS_EDITION,
    CodeEntry,
    CodeTable,
    HsEntry,
    ReferenceTables,
    load_reference_tables,
    shipped_hs_subheadings,
)


def store_reference(session: Session, tables: ReferenceTables) -> tuple[int, int]:
    """Replace the stored code tables with `tables`. Returns (codes, hs codes)."""
    session.execute(delete(RefCode))
    session.execute(delete(HsCode))
    codes = [
        {"kind": name, "code": e.code, "name_zh": e.name_zh, "name_en": e.name_en,
         "aliases": "|".join(e.aliases) or None}
        for name, table in tables.tables.items()
        for e in table
    ]
    hs = [
        {"code": h.code, "name_zh": h.name_zh, "name_en": h.name_en, "unit1": h.unit1,
         "unit2": h.unit2, "vat_rate": h.vat_rate, "ct_rate": h.ct_rate,
         "source": h.source or None}
        for h in tables.hs_codes.values()
    ]
    if codes:
        session.execute(insert(RefCode), codes)
    if hs:
        session.execute(insert(HsCode), hs)
    refresh_hs_search(session)
    return len(codes), len(hs)


def load_reference_files(session: Session, folder: Path | None = None) -> tuple[int, int]:
    """Read the CSV files (default: the shipped ones) and store them."""
    return store_reference(session, load_reference_tables(folder))


def reference_from_db(session: Session) -> ReferenceTables:
    """The tables as stored (the user may have loaded updated files)."""
    grouped: dict[str, list[CodeEntry]] = {}
    for r in session.execute(select(RefCode).order_by(RefCode.kind, RefCode.code)).scalars():
        aliases = tuple(a for a in (r.aliases or "").split("|") if a)
        grouped.setdefault(r.kind, []).append(
            CodeEntry(r.code, r.name_zh, r.name_en or r.name_zh, aliases)
        )
    tables = {name: CodeTable.build(name, entries) for name, entries in grouped.items()}
    columns = (HsCode.code, HsCode.name_zh, HsCode.name_en, HsCode.unit1, HsCode.unit2,
               HsCode.vat_rate, HsCode.ct_rate, HsCode.source)
    hs = {
        code: HsEntry(code, zh, en or zh, unit1, unit2, vat, ct, source or "")
        for code, zh, en, unit1, unit2, vat, ct, source in session.execute(select(*columns))
    }
    listed = {code: note or "" for code, note in
              session.execute(select(PositiveListEntry.code, PositiveListEntry.note))}
    edition = session.scalar(select(RefEdition.name).where(RefEdition.table_name == "hs")
                             .order_by(RefEdition.id.desc()).limit(1))
    list_edition = session.scalar(select(RefEdition.name)
                                  .where(RefEdition.table_name == "positive-list")
                                  .order_by(RefEdition.id.desc()).limit(1))
    return ReferenceTables(tables, hs, shipped_hs_subheadings(), listed or None,
                           edition or SHIPPED_HS_EDITION, list_edition if listed else None)
