"""The reference tables as stored, kept per process while the database's reference token is
the same.

Every change of a reference table (code tables, tariff, positive list, their editions) gives
`data_revisions.reference` a new random token (triggers of migration 0017_incr21, whatever
writes), so tables built under a token are exactly what the database holds under it. A check
of one saved declaration then reads a token instead of ~10,000 HS rows. Kept tables are shared
between checks and threads: nobody may change them (nothing does; they are built once).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.db.models import DataRevision
from app.reference.inforce import EditionKey
from app.reference.store import reference_from_db
from app.reference.tables import ReferenceTables

REFERENCE = "reference"
_LIMIT = 4  # tokens kept (databases open at once, or a few changes back)
_kept: OrderedDict[str, KeptReference] = OrderedDict()
_lock = threading.Lock()


@dataclass
class KeptReference:
    """What was built from the reference tables under one token: the stored tables, the
    tables per editions-in-force key (EditionsInForce fills them) and their version digests
    (app.precheck.fingerprint.reference_version, filled by the pre-check)."""

    stored: ReferenceTables
    tables: dict[EditionKey, ReferenceTables] = field(default_factory=dict)
    versions: dict[EditionKey | None, bytes] = field(default_factory=dict)


def reference_token(session: Session) -> str | None:
    return session.scalar(select(DataRevision.token).where(DataRevision.name == REFERENCE))


def kept_reference(session: Session) -> KeptReference:
    """The stored tables (and what was built from them) for the database's current token;
    built afresh (and kept) when the token is new."""
    token = reference_token(session)
    if token is not None:
        with _lock:
            found = _kept.get(token)
            if found is not None:
                _kept.move_to_end(token)
                return found
    built = KeptReference(reference_from_db(session))
    # Kept only when no other transaction's change came in while reading (READ COMMITTED).
    if token is not None and reference_token(session) == token:
        with _lock:
            _kept[token] = built
            while len(_kept) > _LIMIT:
                _kept.popitem(last=False)
    return built


def forget_kept() -> None:
    """Drop everything kept (tests comparing a cold and a warm run)."""
    with _lock:
        _kept.clear()
