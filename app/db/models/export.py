"""The export chain (9610 B2C export) after the inventories: the batch's documents customs
answers (CEB507 arrival, CEB607 master-bill list, CEB509 departure) and the monthly summary
application (CEB701) with customs' result (CEB792)."""

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.db.models.base import Base, TimestampMixin
from app.db.types import UTCDateTime, utcnow


class ExportDocument(TimestampMixin, Base):
    """One part of a batch's arrival / master-bill list / departure and customs' answer.

    A batch's parcels go in parts (`msg_seq_no` of `msg_count`, as the spec splits them);
    each part has its own status sent → accepted | rejected, moved only forward by receipts
    in returnTime order. Sending a step again replaces its parts.
    """

    __tablename__ = "export_documents"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    batch_id: Mapped[int] = mapped_column(
        ForeignKey("batches.id", ondelete="CASCADE"), nullable=False, index=True)
    kind: Mapped[str] = mapped_column(String(10), nullable=False)  # arrival|manifest|departure
    cop_no: Mapped[str] = mapped_column(String(30), nullable=False)
    msg_seq_no: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    msg_count: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    parcels: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    guid: Mapped[str] = mapped_column(String(36), nullable=False)
    message_id: Mapped[int | None] = mapped_column(
        ForeignKey("outbound_messages.id", ondelete="SET NULL"))
    status: Mapped[str] = mapped_column(String(10), nullable=False, default="sent")
    pre_no: Mapped[str | None] = mapped_column(String(18))
    return_status: Mapped[str | None] = mapped_column(String(10))
    return_time: Mapped[str | None] = mapped_column(String(17))
    return_info: Mapped[str | None] = mapped_column(String(1000))

    __table_args__ = (UniqueConstraint("cop_no", "msg_seq_no"),)


class SummaryApplication(TimestampMixin, Base):
    """A monthly summary application (CEB701 汇总申请单) for one exporter, with customs'
    receipt (CEB702: preNo, sumNo) and the summary result (CEB792: the customs declaration
    it became)."""

    __tablename__ = "summary_applications"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    month: Mapped[str] = mapped_column(String(7), nullable=False)  # YYYY-MM
    ebc_code: Mapped[str] = mapped_column(String(18), nullable=False)
    ebc_name: Mapped[str | None] = mapped_column(String(100))
    cop_no: Mapped[str] = mapped_column(String(30), nullable=False, unique=True)
    msg_seq_no: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    msg_count: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    inventories: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    guid: Mapped[str] = mapped_column(String(36), nullable=False)
    message_id: Mapped[int | None] = mapped_column(
        ForeignKey("outbound_messages.id", ondelete="SET NULL"))
    status: Mapped[str] = mapped_column(String(10), nullable=False, default="sent")
    pre_no: Mapped[str | None] = mapped_column(String(18))
    sum_no: Mapped[str | None] = mapped_column(String(18))
    return_status: Mapped[str | None] = mapped_column(String(10))
    return_time: Mapped[str | None] = mapped_column(String(17))
    return_info: Mapped[str | None] = mapped_column(String(1000))
    # CEB792 汇总结果单
    decl_seq_no: Mapped[str | None] = mapped_column(String(18))
    entry_id: Mapped[str | None] = mapped_column(String(18))
    dec_state: Mapped[str | None] = mapped_column(String(3))
    op_date: Mapped[str | None] = mapped_column(String(17))
    requested_by: Mapped[str | None] = mapped_column(String(60))

    __table_args__ = (Index("ix_summary_applications_month_ebc", "month", "ebc_code"),)


class SummaryInventory(Base):
    """Which inventories a summary application carries (an inventory is summarised once)."""

    __tablename__ = "summary_inventories"

    summary_id: Mapped[int] = mapped_column(
        ForeignKey("summary_applications.id", ondelete="CASCADE"), primary_key=True)
    declaration_id: Mapped[int] = mapped_column(
        ForeignKey("declarations.id", ondelete="CASCADE"), primary_key=True, index=True)


class ReturnTally(TimestampMixin, Base):
    """One returned export parcel tallied in at the supervised site (CEB215 退货理货明细单)
    and customs' answer (CEB216): sent → accepted | rejected, moved only forward by receipts
    in returnTime order. A refused tally may be sent again under a new `cop_no` (coElNo)."""

    __tablename__ = "return_tallies"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    declaration_id: Mapped[int] = mapped_column(
        ForeignKey("declarations.id", ondelete="CASCADE"), nullable=False, index=True)
    cop_no: Mapped[str] = mapped_column(String(20), nullable=False, unique=True)  # coElNo
    logistics_no: Mapped[str] = mapped_column(String(80), nullable=False)
    guid: Mapped[str] = mapped_column(String(36), nullable=False)
    message_id: Mapped[int | None] = mapped_column(
        ForeignKey("outbound_messages.id", ondelete="SET NULL"))
    status: Mapped[str] = mapped_column(String(10), nullable=False, default="sent")
    location: Mapped[str | None] = mapped_column(String(250))
    pre_no: Mapped[str | None] = mapped_column(String(18))
    return_status: Mapped[str | None] = mapped_column(String(10))
    return_time: Mapped[str | None] = mapped_column(String(17))
    return_info: Mapped[str | None] = mapped_column(String(1000))
    requested_by: Mapped[str | None] = mapped_column(String(60))


class SiteArrival(Base):
    """An export parcel scanned in at the supervised site (the station's arrival scan): the
    parcels of a batch scanned so far, before its arrival report (CEB507) is sent."""

    __tablename__ = "site_arrivals"

    declaration_id: Mapped[int] = mapped_column(
        ForeignKey("declarations.id", ondelete="CASCADE"), primary_key=True)
    batch_id: Mapped[int] = mapped_column(
        ForeignKey("batches.id", ondelete="CASCADE"), nullable=False, index=True)
    scanned_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    scanned_by: Mapped[str] = mapped_column(String(60), nullable=False)
    station: Mapped[str | None] = mapped_column(String(60))
