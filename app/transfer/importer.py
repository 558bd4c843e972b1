"""`transfer import`: write a checked transfer file into this database, idempotently.

A row the database already has (same natural key, same content) is skipped; one with the same
key and other content is a conflict, reported and left as it is. Each declaration is written
with everything belonging to it inside one savepoint: a conflict anywhere in it leaves none of
it written. The whole import is one transaction and one audit event; the sender's audit events
are kept as an imported segment (app.transfer.segments).
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

from sqlalchemy import CursorResult, and_, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.db.engine import take_turns
from app.domain.errors import DuplicateDeclarationError, ValidationError
from app.i18n import N_
from app.security.audit import record_event
from app.security.context import Actor, Permission, require
from app.submission.outbound import internal_number
from app.transfer.export import require_site
from app.transfer.pack import Pack, TransferFileError, read_pack
from app.transfer.segments import first_break, store_segment
from app.transfer.tables import (
    DECLARATIONS,
    OWNED,
    SHARED,
    SPECS,
    SPECS_BY_NAME,
    TableSpec,
    decode,
    encode_row,
)

IMPORT_TURN = "declaration_import"  # the turn imports take (app.intake.service)


@dataclass(frozen=True)
class Conflict:
    """A row this database has under the same key with other content (`columns` differ), or
    one it refused (`columns` empty: e.g. the order is already declared here)."""

    table: str
    key: str
    columns: tuple[str, ...] = ()

    def as_json(self) -> dict[str, Any]:
        return {"table": self.table, "key": self.key, "columns": list(self.columns)}


@dataclass(frozen=True)
class ImportSummary:
    site: str
    added: dict[str, int]
    skipped: dict[str, int]
    conflicts: tuple[Conflict, ...]
    audit_events: int  # sender's events kept now (0: none, or kept by an earlier import)
    manifest_sha256: str = ""
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def declarations_added(self) -> int:
        return self.added.get(DECLARATIONS, 0)

    @property
    def declarations_skipped(self) -> int:
        return self.skipped.get(DECLARATIONS, 0)

    @property
    def declaration_conflicts(self) -> int:
        return sum(1 for c in self.conflicts if c.table == DECLARATIONS)

    def as_json(self) -> dict[str, Any]:
        return {"site": self.site, "added": self.added, "skipped": self.skipped,
                "conflicts": [c.as_json() for c in self.conflicts],
                "auditEvents": self.audit_events, "manifestSha256": self.manifest_sha256}


class _Refused(Exception):
    def __init__(self, conflict: Conflict) -> None:
        super().__init__(conflict.key)
        self.conflict = conflict


def _key_text(spec: TableSpec, row: Mapping[str, Any]) -> str:
    return ", ".join(f"{k}={row.get(k)}" for k in spec.key)


class _Run:
    def __init__(self, session: Session, local_site: str) -> None:
        self.session = session
        self.site = local_site
        self.ids: dict[str, dict[Any, Any]] = defaultdict(dict)  # table → sender id → ours
        self.added: Counter[str] = Counter()
        self.skipped: Counter[str] = Counter()

    def localise(self, spec: TableSpec, row: Mapping[str, Any]) -> dict[str, Any]:
        """The row with the ids of carried tables turned into this database's ids."""
        out = dict(row)
        for column, target in spec.refs.items():
            sender = row.get(column)
            if sender is None:
                continue
            ours = self.ids[target].get(sender)
            if ours is None and not spec.table.c[column].nullable:
                raise _Refused(Conflict(spec.name, _key_text(spec, row)))
            out[column] = ours
        return out

    def _existing(self, spec: TableSpec, row: Mapping[str, Any]) -> dict[str, Any] | None:
        table = spec.table
        conds = [table.c[k].is_(None) if row[k] is None else table.c[k] == decode(
            table.c[k], row[k]) for k in spec.key]
        found = self.session.execute(select(table).where(and_(*conds)).limit(1)).mappings()
        first = found.first()
        if first is None and spec.name == DECLARATIONS and row["cop_no"]:
            # One of ours coming back: carried with the copNo it would be declared under.
            mine = re.fullmatch(rf"CD{re.escape(self.site)}(\d{{12}})", str(row["cop_no"]))
            if mine:
                first = self.session.execute(select(table).where(
                    table.c.id == int(mine[1]), table.c.cop_no.is_(None))).mappings().first()
        if first is None:
            return None
        enc = encode_row(spec, first)
        if spec.name == DECLARATIONS and not enc["cop_no"]:
            enc["cop_no"] = internal_number(int(enc["id"]), self.site)
        return enc

    def put(self, spec: TableSpec, row: Mapping[str, Any], added: Counter[str],
            skipped: Counter[str]) -> None:
        """Write one row (or recognise it); raises _Refused on a conflict."""
        local = self.localise(spec, row)
        existing = self._existing(spec, local)
        if existing is not None:
            differ = tuple(c for c in spec.compared() if existing.get(c) != local.get(c))
            if differ:
                raise _Refused(Conflict(spec.name, _key_text(spec, row), differ))
            if spec.has_id:
                self.ids[spec.name][row["id"]] = existing["id"]
            skipped[spec.name] += 1
            return
        table = spec.table
        values = {c.name: decode(c, local[c.name]) for c in spec.carried()
                  if c.name in local and not (c.name == "id" and spec.has_id)}
        result = cast(CursorResult[Any], self.session.execute(insert(table).values(values)))
        if spec.has_id:
            new_key = result.inserted_primary_key
            assert new_key is not None
            self.ids[spec.name][row["id"]] = new_key[0]
        added[spec.name] += 1

    def unit(self, rows: list[tuple[TableSpec, Mapping[str, Any]]]) -> Conflict | None:
        """Write rows together or not at all (a savepoint); the conflict, if any."""
        added: Counter[str] = Counter()
        skipped: Counter[str] = Counter()
        first_spec, first_row = rows[0]
        try:
            with self.session.begin_nested():
                for spec, row in rows:
                    self.put(spec, row, added, skipped)
        except _Refused as refused:
            self._forget(rows)
            return refused.conflict
        except (IntegrityError, DuplicateDeclarationError):  # order/waybill declared here
            self._forget(rows)
            return Conflict(first_spec.name, _key_text(first_spec, first_row))
        self.added.update(added)
        self.skipped.update(skipped)
        return None

    def _forget(self, rows: list[tuple[TableSpec, Mapping[str, Any]]]) -> None:
        for spec, row in rows:
            if spec.has_id:
                self.ids[spec.name].pop(row.get("id"), None)


def _check(pack: Pack, local_site: str, schema_revision: str, name: str) -> None:
    if pack.schema_revision != schema_revision:
        raise TransferFileError(
            "{file} comes from a database at schema {theirs}; this one is at {ours}. Run the "
            "same ClearDesk version on both computers, then export again. Nothing was "
            "imported.", file=name, theirs=pack.schema_revision, ours=schema_revision)
    if pack.site == local_site:
        raise ValidationError(N_(
            "{file} was exported by a database with this database's site code ({site}). Two "
            "databases must not share a site code; nothing was imported."),
            file=name, site=local_site)
    unknown = sorted(set(pack.tables) - set(SPECS_BY_NAME))
    if unknown:
        raise TransferFileError("{file} carries a table this version does not know: {table}.",
                                file=name, table=unknown[0])
    bad = first_break(pack.audit_events)
    if bad is not None:
        raise TransferFileError(
            "The audit events in {file} do not chain (event {position} was changed). Nothing "
            "was imported.", file=name, position=bad)


def import_transfer(session: Session, actor: Actor, path: Path, *,
                    schema_revision: str) -> ImportSummary:
    """Import the transfer file at `path` (one audit event). Caller commits.

    Raises TransferFileError for a changed, damaged or foreign file or another schema
    revision (nothing is written), ValidationError without a site code or for a file from
    this same site.
    """
    require(actor, Permission.TRANSFER)
    pack = read_pack(Path(path))
    local_site = require_site(session)
    _check(pack, local_site, schema_revision, Path(path).name)
    take_turns(session.connection(), IMPORT_TURN)
    run = _Run(session, local_site)
    conflicts: list[Conflict] = []
    for spec in SHARED:
        for row in pack.tables.get(spec.name, []):
            found = run.unit([(spec, row)])
            if found is not None:
                conflicts.append(found)
    owned: dict[str, dict[Any, list[dict[str, Any]]]] = {}
    for spec in OWNED:
        by_owner: dict[Any, list[dict[str, Any]]] = defaultdict(list)
        assert spec.owner is not None
        for row in pack.tables.get(spec.name, []):
            by_owner[row[spec.owner]].append(row)
        owned[spec.name] = by_owner
    decl = SPECS_BY_NAME[DECLARATIONS]
    for head in pack.tables.get(DECLARATIONS, []):
        rows: list[tuple[TableSpec, Mapping[str, Any]]] = [(decl, head)]
        rows += [(spec, r) for spec in OWNED for r in owned[spec.name].get(head["id"], [])]
        found = run.unit(rows)
        if found is not None:
            conflicts.append(found)
    segment, stored = store_segment(session, pack.site, pack.audit_events,
                                    pack.manifest_sha256, actor.name)
    summary = ImportSummary(
        pack.site, {s.name: run.added[s.name] for s in SPECS},
        {s.name: run.skipped[s.name] for s in SPECS}, tuple(conflicts),
        len(pack.audit_events) if stored else 0, pack.manifest_sha256)
    record_event(session, actor, "transfer.import", entity="transfer", entity_id=Path(path).name,
                 details={"file": Path(path).name, "site": pack.site,
                          "manifestSha256": pack.manifest_sha256,
                          "declarationsAdded": summary.declarations_added,
                          "declarationsSkipped": summary.declarations_skipped,
                          "added": summary.added, "skipped": summary.skipped,
                          "conflicts": len(conflicts),
                          "segment": None if segment is None else segment.as_json()})
    return summary
