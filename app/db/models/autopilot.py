"""The autopilot's batching rules: data a supervisor approves, not code."""

from datetime import datetime

from sqlalchemy import Boolean, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from app.db.models.base import Base
from app.db.types import UTCDateTime, utcnow


class BatchRule(Base):
    """Which ready declarations go together and when.

    Filters left empty match anything. `cutoffs` are Beijing times ("10:30,16:00"): at each
    one, everything the rule matches is batched (in batches of at most `size_limit`); between
    cut-offs a full batch (`size_limit` ready parcels) goes at once. A rule without a master
    bill (`bill_no`) waits until one is entered. Only an approved, enabled rule runs; every
    batch it makes is made by the autopilot acting for `approved_by`.
    """

    __tablename__ = "batch_rules"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(60), nullable=False, unique=True)
    logistics_code: Mapped[str | None] = mapped_column(String(18))
    ebp_code: Mapped[str | None] = mapped_column(String(18))
    customs_code: Mapped[str | None] = mapped_column(String(4))
    bill_no: Mapped[str | None] = mapped_column(String(37))
    traf_mode: Mapped[str | None] = mapped_column(String(1))
    traf_no: Mapped[str | None] = mapped_column(String(100))
    voyage_no: Mapped[str | None] = mapped_column(String(32))
    size_limit: Mapped[int] = mapped_column(Integer, nullable=False, default=500)
    cutoffs: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    enabled: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    # Off: the rule's batches are made at its cut-offs but wait for a person to submit them.
    auto_submit: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    created_by: Mapped[str] = mapped_column(String(60), nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    approved_by: Mapped[str | None] = mapped_column(String(60))
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_run_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
