"""Load a new edition of a reference table: validate, diff against the stored table, store,
record who loaded what, and re-check the open declarations the differences affect.

A file with any row error changes nothing. Each edition is kept in `ref_editions` (who, when,
file name, SHA-256, counts) and audited. Tariff and positive-list editions keep their rows too
(ref_edition_hs / ref_edition_list): a declaration is checked against the one in force on its
declaration date (app.reference.inforce), so a future-dated edition changes nothing for the
declarations dated before it, and a new edition never rewrites what older checks used. The
hs_codes table (search, editor) holds the newest loaded tariff; of code tables the newest is
in force.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import Table, bindparam, delete, insert, literal, select, update
from sqlalchemy.orm import Session

from app.db.models import (
    Declaration,
    DeclarationItem,
    HsCode,
    PositiveListEntry,
    RefCode,
    RefEdition,
    RefEditionHs,
    RefEditionListEntry,
)
from app.db.textsearch import refresh_hs_search
from app.domain.clock import beijing_today
from app.domain.status import EDITABLE_STATUSES
from app.precheck.service import check_declarations
from app.reference.fileread import TABLES, ParsedFile, RowError, read_reference_file
from app.reference.inforce import (
    BASE_EDITION,
    STORED,
    EditionKey,
    EditionsInForce,
    day_of,
    has_base,
    kept_editions,
)
from app.reference.store import reference_from_db
from app.reference.tables import CodeEntry, CodeTable
from app.rules.coderules import HEAD_CODE_FIELDS, ITEM_CODE_FIELDS
from app.security.audit import record_event
from app.security.context import Actor, Permission, require, system_actor

HS_COMPARED = ("name_zh", "name_en", "unit1", "unit2", "vat_rate", "ct_rate")
CODE_COMPARED = ("name_zh", "name_en", "aliases")
LIST_COMPARED = ("name_zh", "note")


@dataclass(frozen=True)
class EditionOutcome:
    table: str
    edition: str
    effective: date | None
    rows: int
    added: tuple[str, ...]
    removed: tuple[str, ...]
    changed: tuple[str, ...]
    errors: tuple[RowError, ...] = ()
    stored: bool = False
    edition_id: int | None = None
    rechecked: int = 0  # open declarations checked again
    status_changed: int = 0  # of those, how many changed status

    def as_dict(self, lang: str) -> dict[str, Any]:
        return {"table": self.table, "edition": self.edition,
                "effective": self.effective.isoformat() if self.effective else None,
                "rows": self.rows, "added": len(self.added), "removed": len(self.removed),
                "changed": len(self.changed), "stored": self.stored,
                "rechecked": self.rechecked, "statusChanged": self.status_changed,
                "errors": [e.as_dict(lang) for e in self.errors]}


@dataclass(frozen=True)
class EditionInfo:
    id: int
    table: str
    name: str
    effective: date | None
    loaded_at: str
    loaded_by: str | None
    file_name: str
    sha256: str
    rows: int
    added: int
    removed: int
    changed: int


@dataclass
class _Diff:
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    checked_differently: set[str] = field(default_factory=set)  # units or rates changed
    renamed: set[str] = field(default_factory=set)  # what the search index holds changed


HS_CHECKED = ("unit1", "unit2", "vat_rate", "ct_rate")  # what the rules read besides the code
HS_NAMES = ("name_zh", "name_en")  # what the search index holds besides the code


def _stored_rows(session: Session, table: str) -> dict[str, dict[str, Any]]:
    internal = TABLES[table][0]
    if table == "hs":
        cols = (HsCode.code, *(getattr(HsCode, c) for c in HS_COMPARED))
        return {r[0]: dict(zip(("code", *HS_COMPARED), r, strict=True))
                for r in session.execute(select(*cols))}
    if table == "positive-list":
        return {r[0]: {"code": r[0], "name_zh": r[1] or "", "note": r[2] or ""}
                for r in session.execute(select(PositiveListEntry.code,
                                                PositiveListEntry.name_zh,
                                                PositiveListEntry.note))}
    return {r[0]: {"code": r[0], "name_zh": r[1], "name_en": r[2] or "", "aliases": r[3] or ""}
            for r in session.execute(select(RefCode.code, RefCode.name_zh, RefCode.name_en,
                                            RefCode.aliases).where(RefCode.kind == internal))}


def _units(session: Session) -> CodeTable:
    entries = [CodeEntry(code, zh, en or "", tuple(a for a in (aliases or "").split("|") if a))
               for code, zh, en, aliases in session.execute(
                   select(RefCode.code, RefCode.name_zh, RefCode.name_en, RefCode.aliases)
                   .where(RefCode.kind == "unit"))]
    return CodeTable.build("unit", entries)


def _compared(table: str) -> tuple[str, ...]:
    return HS_COMPARED if table == "hs" else LIST_COMPARED if table == "positive-list" \
        else CODE_COMPARED


def _merge_and_diff(table: str, new: dict[str, dict[str, Any]],
                    old: dict[str, dict[str, Any]]) -> _Diff:
    """Fill English names / aliases the file lacks from the stored row, then diff."""
    diff = _Diff()
    compared = _compared(table)
    keeps = [k for k in ("name_en", "aliases") if k in compared]
    for code, row in new.items():
        before = old.get(code)
        if before is None:
            diff.added.append(code)
            continue
        for keep in keeps:
            if not row.get(keep) and before.get(keep):
                row[keep] = before[keep]
        if [row.get(c) or None for c in compared] != [before.get(c) or None for c in compared]:
            diff.changed.append(code)
            if table != "hs":
                continue
            if [row.get(c) for c in HS_CHECKED] != [before.get(c) for c in HS_CHECKED]:
                diff.checked_differently.add(code)
            if [row.get(c) or None for c in HS_NAMES] != [before.get(c) or None
                                                            for c in HS_NAMES]:
                diff.renamed.add(code)
    diff.removed = sorted(set(old) - set(new))
    diff.added.sort()
    diff.changed.sort()
    return diff


def _hs_values(r: dict[str, Any], edition: str) -> dict[str, Any]:
    return {"code": r["code"], "name_zh": r["name_zh"][:250],
            "name_en": (r["name_en"] or None) and r["name_en"][:250], "unit1": r["unit1"],
            "unit2": r["unit2"], "vat_rate": r["vat_rate"], "ct_rate": r["ct_rate"],
            "source": edition[:30]}


def _chunks(values: list[Any], size: int = 500) -> Iterable[list[Any]]:
    for start in range(0, len(values), size):
        yield values[start:start + size]


def _store_hs(session: Session, rows: dict[str, dict[str, Any]], diff: _Diff,
              edition: str) -> None:
    """Apply the differences only (an edition changes a small part of the tariff), then the
    search index for the codes touched."""
    for codes in _chunks(diff.removed):
        session.execute(delete(HsCode).where(HsCode.code.in_(codes)))
    table: Table = HsCode.__table__  # type: ignore[assignment]
    if diff.changed:
        stmt = (update(table).where(table.c.code == bindparam("b_code"))
                .values({c: bindparam(f"b_{c}") for c in HS_COMPARED}))
        session.execute(stmt, [{f"b_{k}": v for k, v in _hs_values(rows[c], edition).items()
                                if k in HS_COMPARED or k == "code"} for c in diff.changed])
    session.execute(update(table).values(source=edition[:30]))
    for codes in _chunks(diff.added, 5000):
        session.execute(insert(HsCode), [_hs_values(rows[c], edition) for c in codes])
    refresh_hs_search(session, [*diff.removed, *sorted(diff.renamed), *diff.added])


def _store(session: Session, table: str, rows: Iterable[dict[str, Any]], edition: str) -> None:
    internal = TABLES[table][0]
    if table == "positive-list":
        session.execute(delete(PositiveListEntry))
        values = [{"code": r["code"], "name_zh": r["name_zh"][:250] or None,
                   "note": r["note"] or None} for r in rows]
        model: Any = PositiveListEntry
    else:
        session.execute(delete(RefCode).where(RefCode.kind == internal))
        values = [{"kind": internal, "code": r["code"], "name_zh": r["name_zh"][:100],
                   "name_en": (r["name_en"] or None) and r["name_en"][:100],
                   "aliases": r["aliases"] or None} for r in rows]
        model = RefCode
    for chunk in _chunks(values, 5000):
        session.execute(insert(model), chunk)


def _keep_base(session: Session) -> None:
    """Before the first tariff edition is loaded: keep the tariff stored so far (the shipped
    one) as edition 0, in force before the first edition's date."""
    if has_base(session) or kept_editions(session, "hs"):
        return
    h = HsCode
    session.execute(insert(RefEditionHs).from_select(
        ["edition_id", "code", "name_zh", "name_en", "unit1", "unit2", "vat_rate", "ct_rate"],
        select(literal(BASE_EDITION), h.code, h.name_zh, h.name_en, h.unit1, h.unit2,
               h.vat_rate, h.ct_rate)))


def _keep_rows(session: Session, table: str, edition_id: int) -> None:
    """Keep the edition's own rows (see the module docstring): the stored table holds exactly
    them now, so they are copied inside the database."""
    if table == "hs":
        h = HsCode
        session.execute(insert(RefEditionHs).from_select(
            ["edition_id", "code", "name_zh", "name_en", "unit1", "unit2", "vat_rate",
             "ct_rate"],
            select(literal(edition_id), h.code, h.name_zh, h.name_en, h.unit1, h.unit2,
                   h.vat_rate, h.ct_rate)))
    else:
        p = PositiveListEntry
        session.execute(insert(RefEditionListEntry).from_select(
            ["edition_id", "code", "note"], select(literal(edition_id), p.code, p.note)))


Checked = dict[str, tuple[Any, ...]]  # code → what the rules read besides the code


def _checked(table: str, rows: Iterable[dict[str, Any]]) -> Checked:
    if table == "positive-list":
        return {r["code"]: (r["note"] or None,) for r in rows}
    return {r["code"]: (r["unit1"], r["unit2"] or None, r["vat_rate"], r["ct_rate"])
            for r in rows}


def _previous_rows(session: Session, table: str, key: EditionKey) -> Checked | None:
    """What the rules read of the edition `key` names for `table` (None: no positive list)."""
    hs_id, list_id = key
    if table == "positive-list":
        if list_id is None:
            return None
        t = RefEditionListEntry
        return {c: (n or None,) for c, n in session.execute(
            select(t.code, t.note).where(t.edition_id == list_id))}
    if hs_id == STORED:
        return _checked(table, _stored_rows(session, table).values())
    h = RefEditionHs
    return {r[0]: (r[1], r[2] or None, r[3], r[4]) for r in session.execute(
        select(h.code, h.unit1, h.unit2, h.vat_rate, h.ct_rate).where(h.edition_id == hs_id))}


def _codes_checked_differently(table: str, before: Checked | None,
                               new: dict[str, dict[str, Any]]) -> set[str] | None:
    """Codes whose checks differ between the edition in force before and the new one, and
    codes whose problems name the edition (rates not known). None: every code (no list was
    in force before)."""
    if before is None:
        return None
    found = set(before).symmetric_difference(new)
    for code, now in _checked(table, new.values()).items():
        if before.get(code, now) != now or (table == "hs" and None in now[2:]):
            found.add(code)
    return found


def _affected_by_edition(session: Session, table: str, edition_id: int,
                         codes: set[str] | None, present: dict[str, Any]) -> list[int]:
    """Open declarations for which the new edition is in force on their date and whose item
    codes it checks differently (all of them when `codes` is None) or lacks (their problems
    name the edition). Declarations dated before its effective date — or after a later
    edition's — are not touched."""
    open_statuses = [s.value for s in EDITABLE_STATUSES]
    D, It = Declaration, DeclarationItem
    editions = EditionsInForce(session, lambda: reference_from_db(session))
    position = 0 if table == "hs" else 1
    today = beijing_today()
    found: set[int] = set()
    rows = session.execute(select(It.declaration_id, D.declTime, It.gcode)
                           .join(D, D.id == It.declaration_id)
                           .where(D.status.in_(open_statuses)))
    for decl_id, decl_time, gcode in rows:
        if editions.key_for(day_of(decl_time, today))[position] != edition_id:
            continue
        code = gcode or ""
        if codes is None or code in codes or code[:8] in codes or (
                table == "hs" and code not in present):
            found.add(decl_id)
    return sorted(found)


def _affected_open(session: Session, table: str, codes: set[str]) -> list[int]:
    """Ids of open declarations whose checks the changed `codes` of a code table can alter."""
    open_statuses = [s.value for s in EDITABLE_STATUSES]
    D, It = Declaration, DeclarationItem
    found: set[int] = set()
    internal = TABLES[table][0]
    head = [getattr(D, f) for f, t in HEAD_CODE_FIELDS.items() if t == internal]
    item = [getattr(It, f) for f, t in ITEM_CODE_FIELDS.items() if t == internal]
    if head:
        for decl_id, *values in session.execute(select(D.id, *head)
                                                .where(D.status.in_(open_statuses))):
            if codes.intersection(v for v in values if v):
                found.add(decl_id)
    if item:
        for decl_id, *values in session.execute(
                select(It.declaration_id, *item).join(D, D.id == It.declaration_id)
                .where(D.status.in_(open_statuses))):
            if codes.intersection(v for v in values if v):
                found.add(decl_id)
    return sorted(found)


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def import_edition(session: Session, actor: Actor, path: Path, table: str, *,
                   mapping: dict[str, str] | None = None, edition: str | None = None,
                   effective: date | None = None, dry_run: bool = False) -> EditionOutcome:
    """Load `path` as the new edition of `table` (a key of fileread.TABLES).

    `dry_run`: report rows, differences and errors, store nothing (the preview).
    Raises PermissionDeniedError without SETTINGS; ValidationError for an unreadable file.
    """
    require(actor, Permission.SETTINGS)
    parsed: ParsedFile = read_reference_file(path, table, _units(session), mapping)
    name = (edition or path.stem).strip()[:60]
    old = _stored_rows(session, table)
    diff = _merge_and_diff(table, parsed.rows, old)
    outcome = EditionOutcome(table, name, effective, len(parsed.rows), tuple(diff.added),
                             tuple(diff.removed), tuple(diff.changed), tuple(parsed.errors))
    if parsed.errors or dry_run:
        return outcome
    dated = table in ("hs", "positive-list")
    before: EditionKey | None = None
    position, newest_before = 0, None
    if dated:
        if table == "hs":
            _keep_base(session)
        # What was in force from this edition's date on, until now.
        before = EditionsInForce(session, lambda: reference_from_db(session)).key_for(
            effective or date.min)
        position = 0 if table == "hs" else 1
        kept = kept_editions(session, table)
        # The id standing for what the table holds now (newest loaded; else base / as stored)
        newest_before = max((e.id for e in kept), default=BASE_EDITION if table == "hs"
                            else None)
    if table == "hs":
        _store_hs(session, parsed.rows, diff, name)
    else:
        _store(session, table, (parsed.rows[c] for c in sorted(parsed.rows)), name)
    sha = sha256_of(path)
    row = RefEdition(table_name=table, name=name, effective=effective, loaded_by=actor.name,
                     file_name=path.name[:255], sha256=sha, rows=len(parsed.rows),
                     added=len(diff.added), removed=len(diff.removed),
                     changed=len(diff.changed))
    session.add(row)
    session.flush()
    if dated:
        _keep_rows(session, table, row.id)
    record_event(session, actor, "reference.import", entity="reference", entity_id=table,
                 details={"edition": name, "editionId": row.id, "file": path.name,
                          "sha256": sha, "rows": len(parsed.rows), "added": len(diff.added),
                          "removed": len(diff.removed), "changed": len(diff.changed),
                          "effective": effective.isoformat() if effective else None})
    if before is not None:
        # The edition in force before is usually what the table held (its rows are at hand).
        previous = (None if before[position] is None  # no list was in force
                    else _checked(table, old.values()) if before[position] == newest_before
                    else _previous_rows(session, table, before))
        changed = _codes_checked_differently(table, previous, parsed.rows)
        ids = _affected_by_edition(session, table, row.id, changed, parsed.rows)
    else:
        ids = _affected_open(session, table,
                             set(diff.added) | set(diff.removed) | diff.checked_differently)
    # The re-check follows from the import, not from the loader's role (an admin has no CHECK):
    # it runs as the system, like the unattended jobs.
    summary = check_declarations(session, system_actor(), ids, report=False) if ids else None
    return EditionOutcome(table, name, effective, len(parsed.rows), tuple(diff.added),
                          tuple(diff.removed), tuple(diff.changed), (), True, row.id,
                          len(ids), summary.status_changes if summary else 0)


def list_editions(session: Session, actor: Actor, table: str | None = None) -> list[EditionInfo]:
    """Loaded editions, newest first (everyone may look)."""
    require(actor, Permission.VIEW)
    query = select(RefEdition).order_by(RefEdition.id.desc())
    if table is not None:
        query = query.where(RefEdition.table_name == table)
    return [EditionInfo(e.id, e.table_name, e.name, e.effective, e.loaded_at.isoformat(),
                        e.loaded_by, e.file_name, e.sha256, e.rows, e.added, e.removed,
                        e.changed) for e in session.execute(query).scalars()]
