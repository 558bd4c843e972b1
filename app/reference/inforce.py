"""Which tariff and positive-list edition is in force on a date, and the tables to check with.

A declaration is checked against the HS edition (and positive list) whose effective date is the
latest on or before its declaration date (`declTime`; without one: today). Editions without an
effective date are in force from always; of two with the same date the one loaded later wins.
Before the first loaded edition's date the tariff stored before any edition was loaded (the
shipped one, kept as edition 0 when the first edition is loaded) is in force, and no positive
list. Loading a future-dated edition therefore changes nothing for declarations dated before it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from app.db.models import RefEdition, RefEditionHs, RefEditionListEntry
from app.reference.tables import SHIPPED_HS_EDITION, HsEntry, ReferenceTables

BASE_EDITION = 0  # ref_edition_hs rows of the tariff stored before the first loaded edition
STORED = -1  # no edition kept yet: the tariff as stored in hs_codes (nothing else exists)
NO_LIST = None

EditionKey = tuple[int, int | None]  # (HS edition id or BASE_EDITION/STORED, list id or None)


@dataclass(frozen=True)
class KeptEdition:
    id: int
    name: str
    effective: date | None

    @property
    def order(self) -> tuple[date, int]:
        return (self.effective or date.min, self.id)


def kept_editions(session: Session, table: str) -> list[KeptEdition]:
    """The editions of `table` ("hs" or "positive-list") whose rows are kept, in force order."""
    rows = RefEditionHs if table == "hs" else RefEditionListEntry
    found = [KeptEdition(e.id, e.name, e.effective) for e in session.execute(
        select(RefEdition).where(RefEdition.table_name == table)).scalars()
        if session.scalar(select(exists().where(rows.edition_id == e.id)))]
    return sorted(found, key=lambda e: e.order)


def has_base(session: Session) -> bool:
    return bool(session.scalar(select(exists().where(
        RefEditionHs.edition_id == BASE_EDITION))))


def in_force(editions: list[KeptEdition], day: date) -> KeptEdition | None:
    """The edition of `editions` (in force order) in force on `day`; None: none yet."""
    found = None
    for edition in editions:
        if (edition.effective or date.min) <= day:
            found = edition
    return found


def day_of(decl_time: object, today: date) -> date:
    """The declaration date of a `declTime` value (YYYYMMDD…); today without a valid one."""
    if isinstance(decl_time, str) and len(decl_time) >= 8 and decl_time[:8].isdigit():
        try:
            return date(int(decl_time[:4]), int(decl_time[4:6]), int(decl_time[6:8]))
        except ValueError:
            return today
    return today


def edition_hs_rows(session: Session, edition_id: int) -> dict[str, HsEntry]:
    t = RefEditionHs
    return {code: HsEntry(code, zh, en or zh, u1, u2, vat, ct, "")
            for code, zh, en, u1, u2, vat, ct in session.execute(
                select(t.code, t.name_zh, t.name_en, t.unit1, t.unit2, t.vat_rate, t.ct_rate)
                .where(t.edition_id == edition_id))}


def edition_list_rows(session: Session, edition_id: int) -> dict[str, str]:
    t = RefEditionListEntry
    return {code: note or "" for code, note in session.execute(
        select(t.code, t.note).where(t.edition_id == edition_id))}


class EditionsInForce:
    """Per declaration date, the key of the editions in force and (built once each, on first
    use) the ReferenceTables holding them. `stored`: the tables as stored (code tables, the
    newest tariff and list) that the edition tables take their code tables from."""

    def __init__(self, session: Session, stored: Callable[[], ReferenceTables], *,
                 tables: dict[EditionKey, ReferenceTables] | None = None) -> None:
        """`tables`: where to keep the built tables per key (app.reference.cache keeps them
        between runs while the stored tables are the same)."""
        self._session = session
        self._stored = stored
        self._hs = kept_editions(session, "hs")
        self._lists = kept_editions(session, "positive-list")
        self._base = has_base(session)
        self._by_day: dict[date, EditionKey] = {}
        self._tables: dict[EditionKey, ReferenceTables] = {} if tables is None else tables

    def key_for(self, day: date) -> EditionKey:
        key = self._by_day.get(day)
        if key is None:
            hs = in_force(self._hs, day)
            listed = in_force(self._lists, day)
            hs_id = (hs.id if hs is not None else BASE_EDITION if self._base
                     else self._hs[0].id if self._hs else STORED)
            key = self._by_day[day] = (hs_id, listed.id if listed is not None else NO_LIST)
        return key

    def tables(self, key: EditionKey) -> ReferenceTables:
        found = self._tables.get(key)
        if found is None:
            found = self._tables[key] = self._build(key)
        return found

    def _build(self, key: EditionKey) -> ReferenceTables:
        stored = self._stored()
        hs_id, list_id = key
        names = {e.id: e.name for e in (*self._hs, *self._lists)}
        hs: Mapping[str, HsEntry] = stored.hs_codes
        hs_name = stored.hs_edition
        if hs_id != STORED:
            hs = edition_hs_rows(self._session, hs_id)
            hs_name = names.get(hs_id, SHIPPED_HS_EDITION)
        listed = None if list_id is None else edition_list_rows(self._session, list_id)
        list_name = None if list_id is None else names[list_id]
        return ReferenceTables(stored.tables, hs, stored.hs_subheadings, listed, hs_name,
                               list_name)


def reference_in_force(session: Session, day: date) -> ReferenceTables:
    """The tables a declaration dated `day` is checked against."""
    from app.reference.store import reference_from_db

    editions = EditionsInForce(session, lambda: reference_from_db(session))
    return editions.tables(editions.key_for(day))
