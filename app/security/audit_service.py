"""Reading the audit trail: verify the chain, browse and filter events, a record's history.

Writing events is `app.security.audit.record_event`; this module only reads.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from app.db.models import AuditEvent
from app.i18n import Message
from app.security.audit import verify_chain
from app.security.chain import BreakKind, ChainBreak
from app.security.checkpoints import GIVEN, Checkpoint, CheckpointFinding, compare
from app.security.context import Actor, Permission, require
from app.security.masking import mask_details, redact_text
from app.transfer.segments import verify_segments


@dataclass(frozen=True)
class AuditVerifyResult:
    ok: bool
    events: int
    first_bad_id: int | None = None
    kind: str | None = None
    last_hash: str | None = None
    # Checkpoints the chain disagrees with (truncated / rewritten), newest first.
    findings: tuple[CheckpointFinding, ...] = ()
    checkpoints: int = 0  # how many were compared
    newest: Checkpoint | None = None  # the newest checkpoint compared
    # Other sites' audit events kept by transfer imports (app.transfer.segments).
    segments: int = 0
    segment_message: Message | None = None

    @property
    def message(self) -> Message | None:
        if self.segment_message is not None:
            return self.segment_message
        if self.findings:
            return self.findings[0].message()
        if self.ok or self.first_bad_id is None:
            return None
        return ChainBreak(BreakKind(self.kind or BreakKind.BROKEN), self.first_bad_id).message()

    @property
    def uncovered(self) -> int:
        """Events after the newest checkpoint: ClearDesk checkpoints after every command and
        session, so events it did not see there were appended by something else (or by a
        session that crashed)."""
        return max(0, self.events - self.newest.count) if self.newest is not None else 0

    @property
    def head(self) -> Checkpoint:
        """The verified head, to copy elsewhere (a checkpoint of one's own)."""
        return Checkpoint(self.events, self.last_hash, datetime.now(UTC), "database")


@dataclass(frozen=True)
class AuditEventInfo:
    id: int
    at: datetime
    user_name: str | None
    workstation: str | None
    action: str
    entity: str | None
    entity_id: str | None
    declaration_id: int | None
    details: dict[str, Any]
    reason: str | None

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        return {
            "id": data["id"], "at": data["at"], "user": data["user_name"],
            "workstation": data["workstation"], "action": data["action"],
            "entity": data["entity"], "entityId": data["entity_id"],
            "declarationId": data["declaration_id"], "details": data["details"],
            "reason": data["reason"],
        }


@dataclass(frozen=True)
class AuditFilter:
    user: str | None = None
    action: str | None = None
    declaration_id: int | None = None
    since: datetime | None = None
    until: datetime | None = None


def _info(ev: AuditEvent) -> AuditEventInfo:
    return AuditEventInfo(
        id=ev.id, at=ev.at, user_name=ev.user_name, workstation=ev.workstation,
        action=ev.action, entity=ev.entity, entity_id=ev.entity_id,
        declaration_id=ev.declaration_id, details=dict(ev.details or {}), reason=ev.reason,
    )


class AuditService:
    def __init__(self, session: Session) -> None:
        self._session = session

    def verify(self, actor: Actor,
               checkpoints: Sequence[Checkpoint] = ()) -> AuditVerifyResult:
        """Walk the whole chain (supervisors and administrators) and compare it with
        `checkpoints` kept outside the database (see app.security.checkpoints)."""
        require(actor, Permission.AUDIT)
        # Restoring an older backup shortens the chain on purpose: checkpoints taken before
        # the newest restore describe the database it replaced.
        restored = self._session.execute(
            select(func.max(AuditEvent.at)).where(AuditEvent.action == "restore")).scalar()
        if restored is not None:
            since = restored if restored.tzinfo else restored.replace(tzinfo=UTC)
            checkpoints = [c for c in checkpoints if c.at > since or c.source == GIVEN]
        check = verify_chain(self._session, positions={c.count for c in checkpoints})
        findings = (tuple(compare(check.events, check.hashes_at, checkpoints)) if check.ok
                    else ())
        newest = max(checkpoints, key=lambda c: c.at) if checkpoints else None
        segments, problem = verify_segments(self._session)
        return AuditVerifyResult(
            ok=check.ok and not findings and problem is None, events=check.events,
            first_bad_id=check.first_bad_id,
            kind=(getattr(check, "kind", None) or check.reason) if not check.ok
            else (findings[0].kind if findings else ("segment" if problem else None)),
            last_hash=getattr(check, "last_hash", None),
            findings=findings, checkpoints=len(checkpoints), newest=newest,
            segments=segments,
            segment_message=None if problem is None or not check.ok else problem.message(),
        )

    def _filtered(self, stmt: Select[Any], flt: AuditFilter) -> Select[Any]:
        if flt.user:
            stmt = stmt.where(AuditEvent.user_name == flt.user)
        if flt.action:
            stmt = stmt.where(AuditEvent.action == flt.action)
        if flt.declaration_id is not None:
            stmt = stmt.where(AuditEvent.declaration_id == flt.declaration_id)
        if flt.since is not None:
            stmt = stmt.where(AuditEvent.at >= flt.since)
        if flt.until is not None:
            stmt = stmt.where(AuditEvent.at < flt.until)
        return stmt

    def count(self, actor: Actor, flt: AuditFilter) -> int:
        require(actor, Permission.AUDIT)
        stmt = self._filtered(select(func.count()).select_from(AuditEvent), flt)
        return int(self._session.execute(stmt).scalar_one())

    def list_events(
        self, actor: Actor, flt: AuditFilter, *, limit: int = 200, offset: int = 0
    ) -> list[AuditEventInfo]:
        """Events newest first (supervisors and administrators).

        Identity numbers and phones in the details are masked as everywhere else (CLI, JSON,
        the browser); a supervisor sees one declaration's in full through an audited unmask.
        """
        require(actor, Permission.AUDIT)
        stmt = self._filtered(select(AuditEvent), flt).order_by(AuditEvent.id.desc())
        rows = self._session.execute(stmt.limit(max(1, min(limit, 10_000))).offset(offset))
        return [_redacted(_info(ev)) for ev in rows.scalars()]

    def actions(self, actor: Actor) -> list[str]:
        """Distinct actions recorded so far (for the browser's filter)."""
        require(actor, Permission.AUDIT)
        rows = self._session.execute(
            select(AuditEvent.action).distinct().order_by(AuditEvent.action)
        )
        return [str(r[0]) for r in rows]

    def history(
        self, actor: Actor, declaration_id: int, *, unmasked: bool = False
    ) -> list[AuditEventInfo]:
        """A declaration's own events, oldest first (anyone who may view declarations).

        Identity numbers and phones in before/after values are masked, unless `unmasked`
        and the actor may unmask (the caller has recorded that unmask, see app.security.pii).
        """
        require(actor, Permission.VIEW)
        stmt = (select(AuditEvent).where(AuditEvent.declaration_id == declaration_id)
                .order_by(AuditEvent.id))
        events = [_info(ev) for ev in self._session.execute(stmt).scalars()]
        if unmasked and actor.can(Permission.UNMASK):
            return events
        return [_redacted(ev) for ev in events]


def _redacted(ev: AuditEventInfo) -> AuditEventInfo:
    return AuditEventInfo(**{**asdict(ev), "details": mask_details(ev.details),
                             "reason": redact_text(ev.reason) if ev.reason else ev.reason})
