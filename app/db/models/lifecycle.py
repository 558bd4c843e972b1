"""After submission: the declarant's requests to customs to cancel or take back a parcel."""

from datetime import datetime
from decimal import Decimal

from sqlalchemy import ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from app.db.models.base import Base, TimestampMixin
from app.db.types import Decimal5, UTCDateTime


class LifecycleRequest(TimestampMixin, Base):
    """One cancellation (CEB623) or return (CEB625) asked of customs for one declaration.

    `previous_status` is where the declaration stood when the request was made: customs
    refusing the request (CEB624/CEB626) puts it back there. `state` is open → accepted |
    refused.
    """

    __tablename__ = "lifecycle_requests"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    declaration_id: Mapped[int] = mapped_column(
        ForeignKey("declarations.id", ondelete="CASCADE"), nullable=False)
    kind: Mapped[str] = mapped_column(String(10), nullable=False)  # cancel | return
    reason: Mapped[str] = mapped_column(String(1000), nullable=False)
    previous_status: Mapped[str] = mapped_column(String(16), nullable=False)
    state: Mapped[str] = mapped_column(String(10), nullable=False, default="open")
    message_id: Mapped[int | None] = mapped_column(
        ForeignKey("outbound_messages.id", ondelete="SET NULL"))
    request_guid: Mapped[str] = mapped_column(String(36), nullable=False)
    requested_by: Mapped[str | None] = mapped_column(String(60))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    return_status: Mapped[str | None] = mapped_column(String(10))
    return_info: Mapped[str | None] = mapped_column(String(1000))

    __table_args__ = (
        Index("ix_lifecycle_requests_declaration_state", "declaration_id", "state"),
    )


class Waybill(TimestampMixin, Base):
    """The carrier's waybill (CEB511) for one declaration and customs' answer (CEB512).

    One row per declaration: sending it again (after a fix) replaces guid and status. `status`
    is sent → accepted | rejected, moved only forward by receipts in returnTime order.
    """

    __tablename__ = "waybills"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    declaration_id: Mapped[int] = mapped_column(
        ForeignKey("declarations.id", ondelete="CASCADE"), nullable=False, unique=True)
    logistics_code: Mapped[str | None] = mapped_column(String(18))
    logistics_no: Mapped[str] = mapped_column(String(60), nullable=False, index=True)
    guid: Mapped[str] = mapped_column(String(36), nullable=False)
    message_id: Mapped[int | None] = mapped_column(
        ForeignKey("outbound_messages.id", ondelete="SET NULL"))
    status: Mapped[str] = mapped_column(String(10), nullable=False, default="sent")
    return_status: Mapped[str | None] = mapped_column(String(10))
    return_time: Mapped[str | None] = mapped_column(String(17))
    return_info: Mapped[str | None] = mapped_column(String(1000))
    # The delivery (签收) reported to customs (CEB513) and its answer (CEB514).
    delivery_status: Mapped[str | None] = mapped_column(String(10))  # sent|accepted|rejected
    delivered_time: Mapped[str | None] = mapped_column(String(14))  # logisticsTime
    delivery_return_time: Mapped[str | None] = mapped_column(String(17))
    delivery_info: Mapped[str | None] = mapped_column(String(1000))


class TaxBill(TimestampMixin, Base):
    """An electronic tax bill (CEB816 电子税单) customs issued for one inventory, with the
    status of its last CEB818 (1 generated, 2 summarised for payment, 3 void)."""

    __tablename__ = "tax_bills"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    declaration_id: Mapped[int | None] = mapped_column(
        ForeignKey("declarations.id", ondelete="SET NULL"), index=True)
    invt_no: Mapped[str] = mapped_column(String(18), nullable=False, index=True)
    tax_no: Mapped[str] = mapped_column(String(50), nullable=False, unique=True)
    guid: Mapped[str | None] = mapped_column(String(36))
    customs_tax: Mapped[Decimal] = mapped_column(Decimal5, nullable=False)
    value_added_tax: Mapped[Decimal] = mapped_column(Decimal5, nullable=False)
    consumption_tax: Mapped[Decimal] = mapped_column(Decimal5, nullable=False)
    tax_price: Mapped[Decimal | None] = mapped_column(Decimal5)  # Σ dutiable value (TaxListRd)
    status: Mapped[str] = mapped_column(String(1), nullable=False)
    ent_duty_no: Mapped[str | None] = mapped_column(String(50))
    assure_code: Mapped[str | None] = mapped_column(String(64), index=True)
    return_time: Mapped[str] = mapped_column(String(17), nullable=False)
    status_time: Mapped[str | None] = mapped_column(String(17))
