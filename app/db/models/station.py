"""The sorting-centre station: measured weights (and their holds), bags, thermal print jobs."""

from datetime import datetime
from decimal import Decimal

from sqlalchemy import Boolean, ForeignKey, Integer, LargeBinary, String
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


class Bag(Base):
    """A bag (总包) of parcels for one route. At most one open bag per route: `open_route`
    is the route code while the bag is open and NULL after, under a unique constraint, so
    two workstations cannot both open one. `bag_no` is made from the database's id."""

    __tablename__ = "bags"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    bag_no: Mapped[str | None] = mapped_column(String(30), unique=True)
    route_code: Mapped[str] = mapped_column(String(30), nullable=False, index=True)
    open_route: Mapped[str | None] = mapped_column(String(30), unique=True)
    state: Mapped[str] = mapped_column(String(10), nullable=False, default="open")
    parcel_count: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    weight_kg: Mapped[Decimal | None] = mapped_column(Decimal5)
    station: Mapped[str | None] = mapped_column(String(60))
    opened_by: Mapped[str] = mapped_column(String(60), nullable=False)
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    closed_by: Mapped[str | None] = mapped_column(String(60))
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class BagParcel(Base):
    """A parcel in a bag; unique on the declaration: a parcel is never in two bags."""

    __tablename__ = "bag_parcels"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    bag_id: Mapped[int] = mapped_column(ForeignKey("bags.id", ondelete="CASCADE"),
                                        nullable=False, index=True)
    declaration_id: Mapped[int] = mapped_column(
        ForeignKey("declarations.id", ondelete="CASCADE"), nullable=False, unique=True
    )
    added_by: Mapped[str] = mapped_column(String(60), nullable=False)
    added_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)


class ThermalJob(Base):
    """Bytes for a thermal printer, recorded before they are sent (crash-safe hand-over:
    record `pending`, send, mark `sent`; a pending job left by a crash is sent on restart)."""

    __tablename__ = "thermal_jobs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(10), nullable=False)  # parcel | bag
    declaration_id: Mapped[int | None] = mapped_column(
        ForeignKey("declarations.id", ondelete="SET NULL"), index=True
    )
    bag_id: Mapped[int | None] = mapped_column(ForeignKey("bags.id", ondelete="SET NULL"))
    profile: Mapped[str] = mapped_column(String(100), nullable=False)
    target: Mapped[str] = mapped_column(String(1000), nullable=False)
    payload: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)
    state: Mapped[str] = mapped_column(String(10), nullable=False, index=True)
    error: Mapped[str | None] = mapped_column(String(1000))
    created_by: Mapped[str] = mapped_column(String(60), nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
