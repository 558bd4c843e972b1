"""The sorting-centre station: measured weights (and the holds they cause)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import Boolean, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from app.db.models.base import Base
from app.db.types import Decimal5, UTCDateTime, utcnow


class ParcelWeighing(Base):
    """One weighing of a parcel at the station.

    `state`: `recorded` (within tolerance), `held` (outside: the parcel waits for a
    supervisor), `released` (a supervisor let a held parcel go on). The declared gross weight
    is never changed here; it is copied for the record.
    """

    __tablename__ = "parcel_weighings"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    declaration_id: Mapped[int] = mapped_column(
        ForeignKey("declarations.id", ondelete="CASCADE"), nullable=False, index=True
    )
    measured_kg: Mapped[Decimal] = mapped_column(Decimal5, nullable=False)
    declared_kg: Mapped[Decimal | None] = mapped_column(Decimal5)
    within: Mapped[bool] = mapped_column(Boolean, nullable=False)
    state: Mapped[str] = mapped_column(String(10), nullable=False, index=True)
    station: Mapped[str | None] = mapped_column(String(60))
    weighed_by: Mapped[str] = mapped_column(String(60), nullable=False)
    weighed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    decided_by: Mapped[str | None] = mapped_column(String(60))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decision_reason: Mapped[str | None] = mapped_column(String(500))
