"""Declarations (head and items, named by their CEB elements) and their pre-check problems."""

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from app.db.models.base import Base, TimestampMixin
from app.db.types import Decimal5, UTCDateTime
from app.domain.sortkey import SORT_KEY_FIELDS, SORT_KEY_LENGTH, name_sort_key

_ACTIVE = "status NOT IN ('cancelled', 'rejected')"
_ORDER_WHERE = f"ebp_code IS NOT NULL AND order_no IS NOT NULL AND {_ACTIVE}"
_ORDER_NO_PLATFORM_WHERE = f"ebp_code IS NULL AND order_no IS NOT NULL AND {_ACTIVE}"
_WAYBILL_WHERE = f"logistics_no IS NOT NULL AND {_ACTIVE}"


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
    # What the stored result depends on (app.precheck.fingerprint): a re-check skips the
    # declaration while it is the same.
    check_fingerprint: Mapped[str | None] = mapped_column(String(32))
    # Moved by the database itself (triggers of migration 0017_incr21) whenever the head's or
    # an item's checked content changes while a fingerprint is stored: the fingerprint names
    # the revision it was made for, so a re-check reads this instead of every row.
    content_rev: Mapped[int] = mapped_column(Integer, nullable=False, default=0,
                                             server_default=text("0"))
    # The tariff and positive-list editions the stored result was checked against (the ones
    # in force on the declaration date); NULL list: no list was in force.
    check_hs_edition: Mapped[str | None] = mapped_column(String(60))
    check_list_edition: Mapped[str | None] = mapped_column(String(60))
    tax_estimate: Mapped[Decimal | None] = mapped_column(Decimal5)
    goods_total: Mapped[Decimal | None] = mapped_column(Decimal5)
    last_return_status: Mapped[str | None] = mapped_column(String(10))
    last_return_time: Mapped[str | None] = mapped_column(String(17))
    last_return_info: Mapped[str | None] = mapped_column(String(1000))
    # Export parcels after the inventory (app.domain.export_stage): waybill_sent, arrived,
    # manifested, departed; only ever moves forward.
    export_stage: Mapped[str | None] = mapped_column(String(16))
    printed_count: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    guid: Mapped[str | None] = mapped_column('guid', String(36))
    appType: Mapped[str | None] = mapped_column('app_type', String(1))
    appTime: Mapped[str | None] = mapped_column('app_time', String(14))
    appStatus: Mapped[str | None] = mapped_column('app_status', String(3))
    orderNo: Mapped[str | None] = mapped_column('order_no', String(60))
    ebpCode: Mapped[str | None] = mapped_column('ebp_code', String(18))
    ebpName: Mapped[str | None] = mapped_column('ebp_name', String(100))
    # Pinyin sort key of ebpName (app.domain.sortkey), kept in step by `_on_name_set`.
    ebp_name_sort: Mapped[str | None] = mapped_column(String(SORT_KEY_LENGTH))
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
    # Pinyin sort key of buyerName (app.domain.sortkey), kept in step by `_on_name_set`.
    buyer_name_sort: Mapped[str | None] = mapped_column(String(SORT_KEY_LENGTH))
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

    items: Mapped[list["DeclarationItem"]] = relationship(
        back_populates="declaration",
        cascade="all, delete-orphan",
        order_by="DeclarationItem.gnum",
    )

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012
    __table_args__ = (
        Index("ix_declarations_status_id", "status", "id"),
        Index("ix_declarations_export_stage", "export_stage"),
        Index("ix_declarations_logistics_no", "logistics_no"),
        Index("ix_declarations_order", "ebp_code", "order_no"),
        Index("ix_declarations_buyer_id_number", "buyer_id_number"),
        Index("ix_declarations_batch_id", "batch_id"),
        Index("ix_declarations_import_job_id", "import_job_id"),
        Index("ix_declarations_created_at", "created_at"),
        Index("ix_declarations_cop_no", "cop_no"),
        # The partial unique indexes: PARTIAL_UNIQUE_INDEXES below.
    )

    @validates(*SORT_KEY_FIELDS)
    def _on_name_set(self, key: str, value: str | None) -> str | None:
        # Every ORM write of a name (editing, bulk edit) stores its sort key with it.
        setattr(self, SORT_KEY_FIELDS[key], name_sort_key(value))
        return value


# One declaration per platform order and per waybill, whatever runs at once on several
# workstations; a cancelled or rejected one frees its order and waybill. Their WHERE is
# dialect-specific DDL, and naming a dialect's option imports that whole dialect (PostgreSQL's
# costs ~45 ms, a tenth of a cold `cleardesk list` on SQLite). Only DDL reads them (the
# migrations create them, the drift test compares them), so they join the table with the
# whole schema: `app.db.models.Base` calls add_partial_unique_indexes().
PARTIAL_UNIQUE_INDEXES: tuple[tuple[str, tuple[str, ...], str], ...] = (
    ("uq_declarations_platform_order", ("ebp_code", "order_no"), _ORDER_WHERE),
    ("uq_declarations_order_no_platform", ("order_no",), _ORDER_NO_PLATFORM_WHERE),
    ("uq_declarations_active_waybill", ("logistics_no",), _WAYBILL_WHERE),
)


def add_partial_unique_indexes() -> None:
    """Add PARTIAL_UNIQUE_INDEXES to the declarations table (once)."""
    table = Declaration.__table__
    assert isinstance(table, Table)
    present = {index.name for index in table.indexes}
    for name, columns, where in PARTIAL_UNIQUE_INDEXES:
        if name not in present:
            Index(name, *(table.c[c] for c in columns), unique=True,
                  sqlite_where=text(where), postgresql_where=text(where))


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
