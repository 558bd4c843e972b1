"""The sender's audit events in a transfer: carried as a run of its hash chain, kept at the
receiver as an imported segment beside (never inside) the local chain.

A segment is checked on its own: every event's hash recomputes from its content and the
previous event's hash, the run starts from `first_prev_hash` and ends at `last_hash`. The
local `transfer.import` event records those values, so a segment rewritten after the import
(even consistently) no longer matches the local chain, which `audit verify` walks first.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, func, insert, select
from sqlalchemy.orm import Session

from app.db.models import AuditEvent, ImportedAuditEvent, ImportedAuditSegment
from app.i18n import N_, Message
from app.security.audit import _content, event_hash

IMPORT_ACTION = "transfer.import"


def export_events(session: Session, declaration_ids: Select[Any]) -> list[dict[str, Any]]:
    """The sender's chain from the first event about the carried declarations to its head."""
    first = session.scalar(select(func.min(AuditEvent.id))
                           .where(AuditEvent.declaration_id.in_(declaration_ids)))
    if first is None:
        return []
    rows = session.scalars(select(AuditEvent).where(AuditEvent.id >= first)
                           .order_by(AuditEvent.id)).all()
    return [{"id": ev.id, "prevHash": ev.prev_hash, "hash": ev.hash, **_content(ev)}
            for ev in rows]


def _content_of(ev: dict[str, Any]) -> dict[str, Any]:
    return {k: ev.get(k) for k in ("at", "user", "workstation", "action", "entity",
                                   "entity_id", "declaration_id", "details", "reason")}


def first_break(events: Sequence[dict[str, Any]], first_prev: str | None = None) -> int | None:
    """1-based position of the first event whose hash or link is wrong, or None."""
    prev = first_prev if first_prev is not None else (events[0]["prevHash"] if events else "")
    for pos, ev in enumerate(events, start=1):
        if ev.get("prevHash") != prev or event_hash(prev, _content_of(ev)) != ev.get("hash"):
            return pos
        prev = str(ev["hash"])
    return None


@dataclass(frozen=True)
class SegmentRef:
    site: str
    first_prev_hash: str
    last_hash: str
    events: int

    def as_json(self) -> dict[str, Any]:
        return {"site": self.site, "firstPrevHash": self.first_prev_hash,
                "lastHash": self.last_hash, "events": self.events}


def store_segment(session: Session, site: str, events: Sequence[dict[str, Any]],
                  manifest_sha256: str, user: str) -> tuple[SegmentRef | None, bool]:
    """Keep the sender's events as a segment (once: the same run again is not stored twice).
    Returns (segment, stored now)."""
    if not events:
        return None, False
    ref = SegmentRef(site, str(events[0]["prevHash"]), str(events[-1]["hash"]), len(events))
    found = session.scalar(select(ImportedAuditSegment.id).where(
        ImportedAuditSegment.source_site == site,
        ImportedAuditSegment.first_prev_hash == ref.first_prev_hash,
        ImportedAuditSegment.last_hash == ref.last_hash))
    if found is not None:
        return ref, False
    segment = ImportedAuditSegment(source_site=site, first_prev_hash=ref.first_prev_hash,
                                   last_hash=ref.last_hash, events=ref.events,
                                   manifest_sha256=manifest_sha256, imported_by=user)
    session.add(segment)
    session.flush()
    session.execute(insert(ImportedAuditEvent), [
        {"segment_id": segment.id, "position": pos, "source_id": int(ev["id"]),
         "at": ev["at"], "user_name": ev.get("user"), "workstation": ev.get("workstation"),
         "action": ev["action"], "entity": ev.get("entity"), "entity_id": ev.get("entity_id"),
         "declaration_id": ev.get("declaration_id"), "details": ev.get("details") or {},
         "reason": ev.get("reason"), "prev_hash": ev["prevHash"], "hash": ev["hash"]}
        for pos, ev in enumerate(events, start=1)])
    return ref, True


@dataclass(frozen=True)
class SegmentProblem:
    segment_id: int
    site: str
    position: int | None  # the first bad event (None: the segment as a whole)

    def message(self) -> Message:
        if self.position is None:
            return Message(N_("The audit events imported from site {site} (segment {segment}) "
                              "do not match what this database's import event recorded."),
                           {"site": self.site, "segment": self.segment_id})
        return Message(N_("Audit event {position} imported from site {site} (segment "
                          "{segment}) was changed, deleted or inserted after the import."),
                       {"site": self.site, "segment": self.segment_id,
                        "position": self.position})


def verify_segments(session: Session) -> tuple[int, SegmentProblem | None]:
    """Check every imported segment: (segments checked, the first problem or None)."""
    anchors = set()
    for details in session.scalars(select(AuditEvent.details)
                                   .where(AuditEvent.action == IMPORT_ACTION)):
        seg = (details or {}).get("segment")
        if seg:
            anchors.add((seg.get("site"), seg.get("firstPrevHash"), seg.get("lastHash"),
                         seg.get("events")))
    segments = session.scalars(select(ImportedAuditSegment)
                               .order_by(ImportedAuditSegment.id)).all()
    for seg in segments:
        if (seg.source_site, seg.first_prev_hash, seg.last_hash, seg.events) not in anchors:
            return len(segments), SegmentProblem(seg.id, seg.source_site, None)
        rows = session.scalars(select(ImportedAuditEvent)
                               .where(ImportedAuditEvent.segment_id == seg.id)
                               .order_by(ImportedAuditEvent.position)).all()
        events = [{"prevHash": r.prev_hash, "hash": r.hash, "at": r.at, "user": r.user_name,
                   "workstation": r.workstation, "action": r.action, "entity": r.entity,
                   "entity_id": r.entity_id, "declaration_id": r.declaration_id,
                   "details": r.details, "reason": r.reason} for r in rows]
        bad = first_break(events, seg.first_prev_hash)
        if bad is None and [r.position for r in rows] != list(range(1, len(rows) + 1)):
            bad = next(i for i, r in enumerate(rows, start=1) if r.position != i)
        if bad is None and (len(rows) != seg.events or
                            (rows and rows[-1].hash != seg.last_hash)):
            bad = min(len(rows), seg.events) + 1
        if bad is not None:
            return len(segments), SegmentProblem(seg.id, seg.source_site, bad)
    return len(segments), None
