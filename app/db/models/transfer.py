"""Site hand-over (app/transfer): the audit events another site sent with its work, kept as
imported segments beside (never inside) this database's own hash chain."""

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.db.models.base import Base
from app.db.types import UTCDateTime, utcnow


class ImportedAuditSegment(Base):
    """A run of another site's audit chain, as its transfer file carried it.

    `first_prev_hash` is the link the run starts from on the sender (its chain before the
    run), `last_hash` the sender's head when it exported. This database's own `transfer.import`
    event records the same three values, so the segment is anchored in the local chain.
    """

    __tablename__ = "imported_audit_segments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source_site: Mapped[str] = mapped_column(String(4), nullable=False)
    first_prev_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    last_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    events: Mapped[int] = mapped_column(Integer, nullable=False)
    manifest_sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    imported_by: Mapped[str | None] = mapped_column(String(60))
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)

    __table_args__ = (UniqueConstraint("source_site", "first_prev_hash", "last_hash"),)


class ImportedAuditEvent(Base):
    """One sender's audit event, exactly as hashed there (`at` as the hashed text)."""

    __tablename__ = "imported_audit_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    segment_id: Mapped[int] = mapped_column(
        ForeignKey("imported_audit_segments.id", ondelete="CASCADE"), nullable=False)
    position: Mapped[int] = mapped_column(Integer, nullable=False)  # 1.. in chain order
    source_id: Mapped[int] = mapped_column(Integer, nullable=False)  # the sender's event id
    at: Mapped[str] = mapped_column(String(32), nullable=False)
    user_name: Mapped[str | None] = mapped_column(String(60))
    workstation: Mapped[str | None] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(40), nullable=False)
    entity: Mapped[str | None] = mapped_column(String(40))
    entity_id: Mapped[str | None] = mapped_column(String(60))
    declaration_id: Mapped[int | None] = mapped_column(Integer)  # the sender's id
    details: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False, default=dict)
    reason: Mapped[str | None] = mapped_column(Text)
    prev_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    hash: Mapped[str] = mapped_column(String(64), nullable=False)

    __table_args__ = (UniqueConstraint("segment_id", "position"),)
