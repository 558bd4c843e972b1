"""The data model for the whole workflow.

Declaration and item attributes are named by their CEB element names (see
app/domain/fields.py, the one place that maps them to snake_case columns); a test checks that
the two agree. Money, quantities and weights are `Decimal5` (exact, N19,5).
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from app.db.types import Decimal5, UTCDateTime, utcnow

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class TimestampMixin:
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(
        UTCDateTime, default=utcnow, onupdate=utcnow, nullable=False
    )


class Declaration(TimestampMixin, Base):
    """One parcel's declaration (CEB621 InventoryHead for import, CEB603 for export)."""

    __tablename__ = "declarations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    status: Mapped[str] = mapped_column(String(16), nullable=False, default="draft")
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    import_job_id: Mapped[int | None] = mapped_column(
        ForeignKey("import_jobs.id", ondelete="SET NULL")
    )
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("batches.id", ondelete="SET NULL"))
    # Pre-check results summarised for the grid; details in `problems`.
    error_count: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    warning_count: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    checked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    tax_estimate: Mapped[Decimal | None] = mapped_column(Decimal5)
    goods_total: Mapped[Decimal | None] = mapped_column(Decimal5)
    last_return_status: Mapped[str | None] = mapped_column(String(10))
    last_return_time: Mapped[str | None] = mapped_column(String(17))
    last_return_info: Mapped[str | None] = mapped_column(String(1000))
    printed_count: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    guid: Mapped[str | None] = mapped_column('guid', String(36))
    appType: Mapped[str | None] = mapped_column('app_type', String(1))
    appTime: Mapped[str | None] = mapped_column('app_time', String(14))
    appStatus: Mapped[str | None] = mapped_column('app_status', String(3))
    orderNo: Mapped[str | None] = mapped_column('order_no', String(60))
    ebpCode: Mapped[str | None] = mapped_column('ebp_code', String(18))
    ebpName: Mapped[str | None] = mapped_column('ebp_name', String(100))
    ebcCode: Mapped[str | None] = mapped_column('ebc_code', String(18))
    ebcName: Mapped[str | None] = mapped_column('ebc_name', String(100))
    logisticsNo: Mapped[str | None] = mapped_column('logistics_no', String(60))
    logisticsCode: Mapped[str | None] = mapped_column('logistics_code', String(18))
    logisticsName: Mapped[str | None] = mapped_column('logistics_name', String(100))
    copNo: Mapped[str | None] = mapped_column('cop_no', String(20))
    preNo: Mapped[str | None] = mapped_column('pre_no', String(18))
    assureCode: Mapped[str | None] = mapped_column('assure_code', String(30))
    emsNo: Mapped[str | None] = mapped_column('ems_no', String(30))
    invtNo: Mapped[str | None] = mapped_column('invt_no', String(20))
    ieFlag: Mapped[str | None] = mapped_column('ie_flag', String(1))
    declTime: Mapped[str | None] = mapped_column('decl_time', String(8))
    customsCode: Mapped[str | None] = mapped_column('customs_code', String(4))
    portCode: Mapped[str | None] = mapped_column('port_code', String(4))
    ieDate: Mapped[str | None] = mapped_column('ie_date', String(8))
    buyerIdType: Mapped[str | None] = mapped_column('buyer_id_type', String(1))
    buyerIdNumber: Mapped[str | None] = mapped_column('buyer_id_number', String(60))
    buyerName: Mapped[str | None] = mapped_column('buyer_name', String(60))
    buyerTelephone: Mapped[str | None] = mapped_column('buyer_telephone', String(30))
    consigneeAddress: Mapped[str | None] = mapped_column('consignee_address', String(200))
    agentCode: Mapped[str | None] = mapped_column('agent_code', String(18))
    agentName: Mapped[str | None] = mapped_column('agent_name', String(100))
    areaCode: Mapped[str | None] = mapped_column('area_code', String(18))
    areaName: Mapped[str | None] = mapped_column('area_name', String(100))
    tradeMode: Mapped[str | None] = mapped_column('trade_mode', String(4))
    trafMode: Mapped[str | None] = mapped_column('traf_mode', String(1))
    trafNo: Mapped[str | None] = mapped_column('traf_no', String(100))
    voyageNo: Mapped[str | None] = mapped_column('voyage_no', String(32))
    billNo: Mapped[str | None] = mapped_column('bill_no', String(37))
    loctNo: Mapped[str | None] = mapped_column('loct_no', String(10))
    licenseNo: Mapped[str | None] = mapped_column('license_no', String(19))
    country: Mapped[str | None] = mapped_column('country', String(3))
    freight: Mapped[Decimal | None] = mapped_column('freight', Decimal5)
    insuredFee: Mapped[Decimal | None] = mapped_column('insured_fee', Decimal5)
    currency: Mapped[str | None] = mapped_column('currency', String(3))
    wrapType: Mapped[str | None] = mapped_column('wrap_type', String(1))
    packNo: Mapped[int | None] = mapped_column('pack_no', Integer)
    grossWeight: Mapped[Decimal | None] = mapped_column('gross_weight', Decimal5)
    netWeight: Mapped[Decimal | None] = mapped_column('net_weight', Decimal5)
    note: Mapped[str | None] = mapped_column('note', String(1000))
    statisticsFlag: Mapped[str | None] = mapped_column('statistics_flag', String(1))
    ownerCode: Mapped[str | None] = mapped_column('owner_code', String(18))
    ownerName: Mapped[str | None] = mapped_column('owner_name', String(100))
    iacCode: Mapped[str | None] = mapped_column('iac_code', String(18))
    iacName: Mapped[str | None] = mapped_column('iac_name', String(100))
    trafName: Mapped[str | None] = mapped_column('traf_name', String(100))
    totalPackageNo: Mapped[str | None] = mapped_column('total_package_no', String(500))
    POD: Mapped[str | None] = mapped_column('pod', String(4))
    fCurrency: Mapped[str | None] = mapped_column('f_currency', String(3))
    fFlag: Mapped[str | None] = mapped_column('f_flag', String(1))
    iCurrency: Mapped[str | None] = mapped_column('i_currency', String(3))
    iFlag: Mapped[str | None] = mapped_column('i_flag', String(1))
    consignee: Mapped[str | None] = mapped_column('consignee', String(60))
    consigneeTelephone: Mapped[str | None] = mapped_column('consignee_telephone', String(50))
    consigneeDistrict: Mapped[str | None] = mapped_column('consignee_district', String(6))
    goodsValue: Mapped[Decimal | None] = mapped_column('goods_value', Decimal5)
    discount: Mapped[Decimal | None] = mapped_column('discount', Decimal5)
    taxTotal: Mapped[Decimal | None] = mapped_column('tax_total', Decimal5)
    acturalPaid: Mapped[Decimal | None] = mapped_column('actural_paid', Decimal5)
    payCode: Mapped[str | None] = mapped_column('pay_code', String(18))
    payName: Mapped[str | None] = mapped_column('pay_name', String(100))
    payTransactionId: Mapped[str | None] = mapped_column('pay_transaction_id', String(60))
    payerName: Mapped[str | None] = mapped_column('payer_name', String(60))
    payerIdNumber: Mapped[str | None] = mapped_column('payer_id_number', String(60))
    amountPaid: Mapped[Decimal | None] = mapped_column('amount_paid', Decimal5)
    waybillFreight: Mapped[Decimal | None] = mapped_column('waybill_freight', Decimal5)

    items: Mapped[list[DeclarationItem]] = relationship(
        back_populates="declaration",
        cascade="all, delete-orphan",
        order_by="DeclarationItem.gnum",
    )

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012
    __table_args__ = (
        Index("ix_declarations_status_id", "status", "id"),
        Index("ix_declarations_logistics_no", "logistics_no"),
        Index("ix_declarations_order", "ebp_code", "order_no"),
        Index("ix_declarations_buyer_id_number", "buyer_id_number"),
        Index("ix_declarations_batch_id", "batch_id"),
        Index("ix_declarations_import_job_id", "import_job_id"),
        Index("ix_declarations_created_at", "created_at"),
        Index("ix_declarations_cop_no", "cop_no"),
    )


class DeclarationItem(Base):
    """One goods line (CEB621 InventoryList / CEB603 InventoryList)."""

    __tablename__ = "declaration_items"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    declaration_id: Mapped[int] = mapped_column(
        ForeignKey("declarations.id", ondelete="CASCADE"), nullable=False, index=True
    )
    gnum: Mapped[int] = mapped_column(Integer, nullable=False)
    itemRecordNo: Mapped[str | None] = mapped_column('item_record_no', String(30))
    itemNo: Mapped[str | None] = mapped_column('item_no', String(20))
    itemName: Mapped[str | None] = mapped_column('item_name', String(250))
    gcode: Mapped[str | None] = mapped_column('gcode', String(10))
    gname: Mapped[str | None] = mapped_column('gname', String(250))
    gmodel: Mapped[str | None] = mapped_column('gmodel', String(510))
    barCode: Mapped[str | None] = mapped_column('bar_code', String(50))
    country: Mapped[str | None] = mapped_column('country', String(3))
    tradeCountry: Mapped[str | None] = mapped_column('trade_country', String(3))
    currency: Mapped[str | None] = mapped_column('currency', String(3))
    qty: Mapped[Decimal | None] = mapped_column('qty', Decimal5)
    unit: Mapped[str | None] = mapped_column('unit', String(3))
    qty1: Mapped[Decimal | None] = mapped_column('qty1', Decimal5)
    unit1: Mapped[str | None] = mapped_column('unit1', String(3))
    qty2: Mapped[Decimal | None] = mapped_column('qty2', Decimal5)
    unit2: Mapped[str | None] = mapped_column('unit2', String(3))
    price: Mapped[Decimal | None] = mapped_column('price', Decimal5)
    totalPrice: Mapped[Decimal | None] = mapped_column('total_price', Decimal5)
    note: Mapped[str | None] = mapped_column('note', String(1000))

    declaration: Mapped[Declaration] = relationship(back_populates="items")

    __table_args__ = (UniqueConstraint("declaration_id", "gnum"),)


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


class Problem(Base):
    """A pre-check finding on a declaration (or one of its items, by gnum)."""

    __tablename__ = "problems"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    declaration_id: Mapped[int] = mapped_column(
        ForeignKey("declarations.id", ondelete="CASCADE"), nullable=False, index=True
    )
    gnum: Mapped[int | None] = mapped_column(Integer)
    field: Mapped[str] = mapped_column(String(40), nullable=False)
    code: Mapped[str] = mapped_column(String(40), nullable=False, index=True)
    severity: Mapped[str] = mapped_column(String(10), nullable=False)  # error | warning
    msgid: Mapped[str] = mapped_column(Text, nullable=False)
    params: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False, default=dict)
    acknowledged_by: Mapped[str | None] = mapped_column(String(60))
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    acknowledge_reason: Mapped[str | None] = mapped_column(String(500))


class AuditEvent(Base):
    """Append-only, hash-chained record of who did what (see app/security/audit.py)."""

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False, index=True)
    user_name: Mapped[str | None] = mapped_column(String(60), index=True)
    workstation: Mapped[str | None] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(40), nullable=False, index=True)
    entity: Mapped[str | None] = mapped_column(String(40))
    entity_id: Mapped[str | None] = mapped_column(String(60))
    declaration_id: Mapped[int | None] = mapped_column(Integer, index=True)  # no FK: kept forever
    details: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False, default=dict)
    reason: Mapped[str | None] = mapped_column(String(500))
    prev_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    hash: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)


class User(TimestampMixin, Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(60), nullable=False, unique=True)
    display_name: Mapped[str | None] = mapped_column(String(100))
    role: Mapped[str] = mapped_column(String(16), nullable=False)  # clerk|supervisor|admin
    password_hash: Mapped[str] = mapped_column(String(255), nullable=False)
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    failed_attempts: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    must_change_password: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)


class ImportJob(Base):
    """One imported file with its counts; its rejected rows are ImportRowError."""

    __tablename__ = "import_jobs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    file_name: Mapped[str] = mapped_column(String(255), nullable=False)
    sha256: Mapped[str] = mapped_column(String(64), nullable=False, index=True)
    file_format: Mapped[str | None] = mapped_column(String(10))
    profile_name: Mapped[str | None] = mapped_column(String(100))
    user_name: Mapped[str | None] = mapped_column(String(60))
    status: Mapped[str] = mapped_column(String(16), nullable=False, default="done")
    rows: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    declarations: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    items: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    updated: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    duplicates: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    rejected_rows: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ImportRowError(Base):
    __tablename__ = "import_row_errors"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    import_job_id: Mapped[int] = mapped_column(
        ForeignKey("import_jobs.id", ondelete="CASCADE"), nullable=False, index=True
    )
    row: Mapped[int] = mapped_column(Integer, nullable=False)
    column: Mapped[str | None] = mapped_column(String(255))
    field: Mapped[str | None] = mapped_column(String(40))
    value: Mapped[str | None] = mapped_column(Text)
    msgid: Mapped[str] = mapped_column(Text, nullable=False)
    params: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False, default=dict)


class MappingProfile(TimestampMixin, Base):
    """A saved column mapping for one platform's or customer's file layout."""

    __tablename__ = "mapping_profiles"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100), nullable=False, unique=True)
    mapping: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False)
    headers: Mapped[list[str]] = mapped_column(JSON, nullable=False, default=list)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Setting(Base):
    """Broker settings keyed by CEB names (agentCode …) and our own keys (exchangeDir …)."""

    __tablename__ = "settings"

    key: Mapped[str] = mapped_column(String(60), primary_key=True)
    value: Mapped[str | None] = mapped_column(Text)


class RefCode(Base):
    """Customs parameter code tables: country, currency, unit, customs, tradeMode …"""

    __tablename__ = "ref_codes"

    kind: Mapped[str] = mapped_column(String(20), primary_key=True)
    code: Mapped[str] = mapped_column(String(10), primary_key=True)
    name_zh: Mapped[str] = mapped_column(String(100), nullable=False)
    name_en: Mapped[str | None] = mapped_column(String(100))
    aliases: Mapped[str | None] = mapped_column(Text)  # '|'-separated other names / ISO codes


class HsCode(Base):
    """HS codes (10 digits) with legal units and tax rates for the estimate."""

    __tablename__ = "hs_codes"

    code: Mapped[str] = mapped_column(String(10), primary_key=True)
    name_zh: Mapped[str] = mapped_column(String(250), nullable=False)
    name_en: Mapped[str | None] = mapped_column(String(250))
    unit1: Mapped[str] = mapped_column(String(3), nullable=False)
    unit2: Mapped[str | None] = mapped_column(String(3))
    vat_rate: Mapped[Decimal] = mapped_column(Decimal5, nullable=False)
    ct_rate: Mapped[Decimal] = mapped_column(Decimal5, nullable=False)


class PrintLog(Base):
    """Every label/CN22/manifest printed, so a reprint is confirmed and logged."""

    __tablename__ = "print_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    declaration_id: Mapped[int | None] = mapped_column(
        ForeignKey("declarations.id", ondelete="SET NULL"), index=True
    )
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("batches.id", ondelete="SET NULL"))
    document: Mapped[str] = mapped_column(String(20), nullable=False)  # label|cn22|manifest
    reprint: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    reason: Mapped[str | None] = mapped_column(String(500))
    user_name: Mapped[str | None] = mapped_column(String(60))
    printed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)


class SavedView(Base):
    """A named grid view (filter + sort + columns) of one user."""

    __tablename__ = "saved_views"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_name: Mapped[str | None] = mapped_column(String(60))
    name: Mapped[str] = mapped_column(String(100), nullable=False)
    spec: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False)

    __table_args__ = (UniqueConstraint("user_name", "name"),)
