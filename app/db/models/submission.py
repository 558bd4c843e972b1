"""Batches, the messages sent to customs and the receipts that came back."""

from datetime import datetime

from sqlalchemy import (
    Boolean,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column

from app.db.models.base import Base, TimestampMixin
from app.db.types import UTCDateTime, utcnow


class Batch(TimestampMixin, Base):
    """A group of declarations submitted together under one master waybill / flight."""

    __tablename__ = "batches"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    batch_no: Mapped[str] = mapped_column(String(40), nullable=False, unique=True)
    ie_flag: Mapped[str] = mapped_column(String(1), nullable=False, default="I")
    state: Mapped[str] = mapped_column(String(16), nullable=False, default="open")
    bill_no: Mapped[str | None] = mapped_column(String(37))
    traf_mode: Mapped[str | None] = mapped_column(String(1))
    traf_no: Mapped[str | None] = mapped_column(String(100))
    traf_name: Mapped[str | None] = mapped_column(String(100))
    voyage_no: Mapped[str | None] = mapped_column(String(32))
    customs_code: Mapped[str | None] = mapped_column(String(4))
    port_code: Mapped[str | None] = mapped_column(String(4))
    ie_date: Mapped[str | None] = mapped_column(String(8))
    loct_no: Mapped[str | None] = mapped_column(String(10))
    bag_nos: Mapped[str | None] = mapped_column(Text)  # comma-separated bag numbers
    # Export: the supervised site's operator (监管场所经营人), the truck that brought the
    # parcels there, and when the transport left (离境).
    operator_code: Mapped[str | None] = mapped_column(String(18))
    operator_name: Mapped[str | None] = mapped_column(String(100))
    domestic_traf_no: Mapped[str | None] = mapped_column(String(100))
    leave_time: Mapped[str | None] = mapped_column(String(14))
    note: Mapped[str | None] = mapped_column(String(1000))
    created_by: Mapped[str | None] = mapped_column(String(60))
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class OutboundMessage(TimestampMixin, Base):
    """A CEB message, recorded (with its XML) before its file is written to the outbox."""

    __tablename__ = "outbound_messages"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    guid: Mapped[str] = mapped_column(String(36), nullable=False, unique=True)
    message_type: Mapped[str] = mapped_column(String(20), nullable=False)  # CEB621Message …
    batch_id: Mapped[int | None] = mapped_column(
        ForeignKey("batches.id", ondelete="SET NULL"), index=True
    )
    seq: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    file_name: Mapped[str] = mapped_column(String(255), nullable=False, unique=True)
    state: Mapped[str] = mapped_column(String(16), nullable=False, default="pending")
    app_type: Mapped[str] = mapped_column(String(1), nullable=False, default="1")
    content: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)
    sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    written_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    error: Mapped[str | None] = mapped_column(Text)


class MessageDeclaration(Base):
    """Which declarations an outbound message carries, under which copNo."""

    __tablename__ = "message_declarations"

    message_id: Mapped[int] = mapped_column(
        ForeignKey("outbound_messages.id", ondelete="CASCADE"), primary_key=True
    )
    declaration_id: Mapped[int] = mapped_column(
        ForeignKey("declarations.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    cop_no: Mapped[str] = mapped_column(String(30), nullable=False, index=True)
    inventory_guid: Mapped[str] = mapped_column(String(36), nullable=False)


class InboundReceipt(Base):
    """One return (CEB622 InventoryReturn, CEB604, CEB900) read from the inbox."""

    __tablename__ = "inbound_receipts"
    # Releases (or any one returnStatus) that arrived in a time range: the dashboard per hour.
    __table_args__ = (Index("ix_inbound_receipts_status_received", "return_status",
                            "received_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    message_type: Mapped[str] = mapped_column(String(20), nullable=False)
    file_name: Mapped[str] = mapped_column(String(255), nullable=False)
    file_hash: Mapped[str] = mapped_column(String(64), nullable=False, index=True)
    content_key: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)
    guid: Mapped[str | None] = mapped_column(String(36))
    cop_no: Mapped[str | None] = mapped_column(String(30), index=True)
    pre_no: Mapped[str | None] = mapped_column(String(18))
    invt_no: Mapped[str | None] = mapped_column(String(20))
    return_status: Mapped[str] = mapped_column(String(10), nullable=False)
    return_time: Mapped[str] = mapped_column(String(17), nullable=False)
    return_info: Mapped[str | None] = mapped_column(Text)
    declaration_id: Mapped[int | None] = mapped_column(
        ForeignKey("declarations.id", ondelete="SET NULL"), index=True
    )
    applied: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    note: Mapped[str | None] = mapped_column(Text)


class ReceiptFile(Base):
    """The bytes of a receipt file as it arrived, once per content (SHA-256): the evidence of
    what customs said, kept after the exchange folder has been cleaned up or moved."""

    __tablename__ = "receipt_files"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    file_name: Mapped[str] = mapped_column(String(255), nullable=False)
    content: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
