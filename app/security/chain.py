"""What kind of tampering broke the audit chain, told from the first broken link.

Pure logic: the caller walks the events in id order and, at the first event whose link
(`prev_hash`) or own hash is wrong, asks `classify_break` what happened, giving it a way to
look up which event (if any) carries a given hash. The hash column is unique and indexed, so
that lookup is one cheap query.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass

from app.i18n import N_, Message


class BreakKind(enum.StrEnum):
    EDITED = "edited"  # the row's content (or its stored hash) was changed
    DELETED = "deleted"  # one or more rows before it are missing
    INSERTED = "inserted"  # rows were added between two genuine rows
    REORDERED = "reordered"  # rows were moved (ids swapped)
    BROKEN = "broken"  # the link is wrong in some other way


@dataclass(frozen=True)
class ChainBreak:
    kind: BreakKind
    event_id: int  # the first event that is not where the chain says it should be

    def message(self) -> Message:
        return Message(_MESSAGES[self.kind], {"id": self.event_id})


_MESSAGES = {
    BreakKind.EDITED: N_("Audit event {id} was changed after it was recorded."),
    BreakKind.DELETED: N_("One or more audit events before event {id} were deleted."),
    BreakKind.INSERTED: N_("Audit event {id} was inserted outside ClearDesk."),
    BreakKind.REORDERED: N_("Audit events were reordered, starting at event {id}."),
    BreakKind.BROKEN: N_("The audit chain is broken at event {id}."),
}


def classify_break(
    *,
    event_id: int,
    prev_hash: str,
    stored_hash: str,
    recomputed_hash: str,
    expected_prev: str,
    previous_id: int | None,
    id_of_hash: Callable[[str], int | None],
    id_after: Callable[[int], int],
) -> ChainBreak | None:
    """The break at this event, or None when the event is correctly chained.

    `recomputed_hash` is the hash of the event's content over its own `prev_hash`;
    `expected_prev` is the stored hash of the event before it (genesis for the first);
    `previous_id` the id of that event; `id_of_hash(h)` the id of the event whose hash is
    `h`, or None; `id_after(i)` the id of the event following event `i`.
    """
    if recomputed_hash != stored_hash:
        return ChainBreak(BreakKind.EDITED, event_id)
    if prev_hash == expected_prev:
        return None
    predecessor = id_of_hash(prev_hash)
    if predecessor is not None and predecessor > event_id:
        return ChainBreak(BreakKind.REORDERED, event_id)
    if predecessor is not None and previous_id is not None and predecessor < previous_id:
        # The genuine predecessor is further back: the rows after it were slipped in.
        return ChainBreak(BreakKind.INSERTED, id_after(predecessor))
    if predecessor is None:
        return ChainBreak(BreakKind.DELETED, event_id)
    return ChainBreak(BreakKind.BROKEN, event_id)

