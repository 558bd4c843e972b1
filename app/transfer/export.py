"""`transfer export`: the chosen declarations, everything belonging to them and the sender's
audit events into one transfer file (temp file, then rename; owner-only)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import Select, or_, select
from sqlalchemy.orm import Session

from app.db.models import Batch, Declaration
from app.db.types import utcnow
from app.domain.clock import day_start_utc
from app.domain.errors import NotFoundError, ValidationError
from app.i18n import N_
from app.reports.atomic import atomic_path, check_target
from app.security.audit import record_event
from app.security.context import Actor, Permission, require
from app.services.settings import site_code
from app.submission.outbound import internal_number
from app.transfer import pack as P
from app.transfer.segments import export_events
from app.transfer.tables import (
    DECLARATIONS,
    OWNED,
    SHARED,
    SPECS_BY_NAME,
    TableSpec,
    encode_row,
)


@dataclass(frozen=True)
class Selection:
    """Which declarations go: one batch, those changed since a day, some ids, or all."""

    batch: str | None = None
    since: date | None = None
    ids: tuple[int, ...] = ()

    def as_json(self) -> dict[str, Any]:
        return {"batch": self.batch, "since": None if self.since is None else str(self.since),
                "ids": list(self.ids)}


@dataclass(frozen=True)
class ExportSummary:
    path: str
    site: str
    counts: dict[str, int]
    audit_events: int
    manifest_sha256: str


def require_site(session: Session) -> str:
    site = site_code(session)
    if not site:
        raise ValidationError(N_(
            "This database has no site code, so its numbers could clash with another "
            "site's. Set one first: cleardesk config set siteCode SC1 (1 to 4 letters or "
            "digits, different on every site)."))
    return site


def _declaration_ids(session: Session, sel: Selection) -> Select[Any]:
    q = select(Declaration.id)
    if sel.batch:
        batch_id = session.scalar(select(Batch.id).where(Batch.batch_no == sel.batch))
        if batch_id is None:
            raise NotFoundError(N_("No batch {batch}."), batch=sel.batch)
        q = q.where(Declaration.batch_id == batch_id)
    if sel.since is not None:
        start = day_start_utc(sel.since)
        q = q.where(or_(Declaration.created_at >= start, Declaration.updated_at >= start))
    if sel.ids:
        q = q.where(Declaration.id.in_(sel.ids))
    return q


def _rows(session: Session, spec: TableSpec, where: Any) -> list[dict[str, Any]]:
    table = spec.table
    order = [table.c.id] if spec.has_id else list(table.primary_key.columns)
    result = session.execute(select(table).where(where).order_by(*order)).mappings()
    return [encode_row(spec, r) for r in result]


def collect(session: Session, sel: Selection, site: str) -> dict[str, list[dict[str, Any]]]:
    """The carried rows per table, as JSON values."""
    ids = _declaration_ids(session, sel)
    decl = SPECS_BY_NAME[DECLARATIONS]
    rows: dict[str, list[dict[str, Any]]] = {}
    heads = _rows(session, decl, decl.table.c.id.in_(ids))
    for head in heads:  # the copNo it is (or will be) declared under goes with it
        head["cop_no"] = head["cop_no"] or internal_number(int(head["id"]), site)
    rows[DECLARATIONS] = heads
    for spec in OWNED:
        assert spec.owner is not None
        rows[spec.name] = _rows(session, spec, spec.table.c[spec.owner].in_(ids))
    for spec in SHARED:
        if spec.everything:
            rows[spec.name] = _rows(session, spec, True)
            continue
        wanted: set[Any] = set()
        own = spec.picked_by[0][2] if spec.picked_by else "id"
        for child, column, _own in spec.picked_by:
            wanted.update(r[column] for r in rows.get(child, ()) if r[column] is not None)
        rows[spec.name] = [] if not wanted else [
            r for chunk in _chunks(sorted(wanted), 500)
            for r in _rows(session, spec, spec.table.c[own].in_(chunk))]
    return rows


def _chunks(values: Sequence[Any], size: int) -> list[Sequence[Any]]:
    return [values[i:i + size] for i in range(0, len(values), size)]


def export_transfer(session: Session, actor: Actor, target: Path, sel: Selection, *,
                    schema_revision: str) -> ExportSummary:
    """Write the transfer file for `sel` to `target` (audited). Caller commits.

    Raises ValidationError without a site code or when nothing is selected.
    """
    require(actor, Permission.TRANSFER)
    target = check_target(target, (P.SUFFIX, ".zip"))
    site = require_site(session)
    tables = collect(session, sel, site)
    if not tables[DECLARATIONS]:
        raise ValidationError(N_("No declarations match; nothing was exported."))
    events = export_events(session, _declaration_ids(session, sel))
    counts = {name: len(rows) for name, rows in tables.items()}
    manifest = {"site": site, "schemaRevision": schema_revision,
                "createdAt": utcnow().isoformat(), "createdBy": actor.name,
                "selection": sel.as_json(), "counts": counts, "auditEvents": len(events),
                "audit": None if not events else {
                    "firstPrevHash": events[0]["prevHash"], "lastHash": events[-1]["hash"]}}
    with atomic_path(target) as temp:
        digest = P.write_pack(temp, manifest, tables, events)
        record_event(session, actor, "transfer.export", entity="transfer",
                     entity_id=target.name,
                     details={"file": target.name, "site": site,
                              "declarations": counts[DECLARATIONS], "counts": counts,
                              "auditEvents": len(events), "manifestSha256": digest,
                              "selection": sel.as_json()})
    return ExportSummary(str(target), site, counts, len(events), digest)
