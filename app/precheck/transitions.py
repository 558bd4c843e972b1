"""Status changes in the database, decided by the state machine (the only way to change a
declaration's status). Other areas call `change_status()` for batching, sending, receipts,
cancelling and re-declaring; pre-check uses the same machine for check results."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Table, select, update
from sqlalchemy.orm import Session

from app.db.models import Declaration
from app.domain.errors import ConflictError
from app.domain.state_machine import DeclState, Event, EventKind, Outcome, apply
from app.domain.status import DeclarationStatus
from app.precheck.records import IN_CHUNK
from app.security.audit import AuditRecord, append_events
from app.security.context import Actor, Permission, require

_DT: Table = Declaration.__table__  # type: ignore[assignment]
PERMISSION: dict[EventKind, Permission] = {
    EventKind.CHECK_PASSED: Permission.CHECK, EventKind.CHECK_FAILED: Permission.CHECK,
    EventKind.EDITED: Permission.EDIT, EventKind.BATCHED: Permission.BATCH,
    EventKind.BATCH_DISSOLVED: Permission.BATCH, EventKind.SENT: Permission.SUBMIT,
    EventKind.RECEIPT: Permission.RECEIPTS, EventKind.CANCEL: Permission.REOPEN,
    EventKind.REDECLARE: Permission.EDIT,
    EventKind.REQUEST_CANCEL: Permission.REOPEN, EventKind.REQUEST_RETURN: Permission.REOPEN,
}


def change_status(session: Session, actor: Actor, ids: Sequence[int], event: Event, *,
                  strict: bool = True, reason: str | None = None) -> dict[int, Outcome]:
    """Apply `event` to the declarations `ids`; returns each outcome.

    With `strict`, nothing is written when the event is refused for any of them and a
    ConflictError explains why (e.g. editing a sent declaration). Ignored events (a stale
    receipt) change nothing and are logged by the state machine. Each change is audited.
    """
    require(actor, PERMISSION[event.kind])
    current: dict[int, str] = {}
    wanted = sorted(set(ids))
    for start in range(0, len(wanted), IN_CHUNK):
        part = wanted[start:start + IN_CHUNK]
        for decl_id, status in session.execute(select(_DT.c.id, _DT.c.status)
                                               .where(_DT.c.id.in_(part))):
            current[int(decl_id)] = str(status)
    outcomes = {i: apply(DeclState(0, DeclarationStatus(s)), event) for i, s in current.items()}
    if strict:
        refused = next((o for o in outcomes.values() if o.refused and o.reason), None)
        if refused is not None and refused.reason is not None:
            raise ConflictError(refused.reason.msgid, **refused.reason.params)
    moves: dict[tuple[str, str], list[int]] = defaultdict(list)
    audit: list[AuditRecord] = []
    shared: dict[tuple[str, str], dict[str, Any]] = {}  # one details dict per move
    for decl_id, outcome in outcomes.items():
        if not outcome.changed:
            continue
        before, after = outcome.before.status.value, outcome.after.status.value
        moves[(before, after)].append(decl_id)
        details = shared.get((before, after))
        if details is None:
            details = shared[(before, after)] = {"from": before, "to": after,
                                                 "event": event.kind.value}
            if event.kind is EventKind.RECEIPT:
                details.update(messageType=event.message_type,
                               returnStatus=event.return_status)
        audit.append(AuditRecord("declaration.status", "declaration", str(decl_id), decl_id,
                                 details, reason))
    for (before, after), moved in moves.items():
        for start in range(0, len(moved), IN_CHUNK):
            # The status guard makes a concurrent change lose rather than be overwritten.
            session.execute(update(_DT).where(_DT.c.id.in_(moved[start:start + IN_CHUNK]),
                                              _DT.c.status == before)
                            .values(status=after))
    append_events(session, actor, audit)  # one executemany: batches move 100k at once
    return outcomes
