"""Plain inputs of the printed documents; the database layer fills them.

Everything here is a frozen dataclass of strings, Decimals and dates, so documents can be
built and tested without a database. Money, quantities and weights are Decimal, never float.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal

from app.documents.fonts import MissingGlyph


@dataclass(frozen=True)
class Party:
    """Sender or consignee as printed: name, phone (printed masked for consignees), address."""

    name: str
    phone: str = ""
    address: str = ""


@dataclass(frozen=True)
class CustomsItem:
    """One article of a CN22/CN23 declaration."""

    description: str
    quantity: Decimal
    net_weight: Decimal  # kg, for the whole line
    value: Decimal  # for the whole line, in the declaration's currency
    hs_code: str = ""  # 6-digit HS tariff number (longer codes are cut to 6 digits)
    origin_country: str = ""  # ISO 3166-1 alpha-2 where known, else as given


# UPU categories of a CN22/CN23 (2016+ form); the key is what the data layer stores.
CUSTOMS_CATEGORIES: tuple[str, ...] = (
    "gift",
    "documents",
    "sample",
    "returned",
    "sale",
    "other",
)


@dataclass(frozen=True)
class CustomsDeclaration:
    """Content of a CN22 (≤ 300 SDR) or CN23 (above) for a postal item."""

    items: tuple[CustomsItem, ...]
    category: str = "sale"
    currency: str = "CNY"
    explanation: str = ""
    comments: str = ""
    licence_no: str = ""
    certificate_no: str = ""
    invoice_no: str = ""
    postal_charges: Decimal = Decimal(0)
    importer_reference: str = ""
    office_of_origin: str = ""

    @property
    def total_weight(self) -> Decimal:
        return sum((i.net_weight for i in self.items), Decimal(0))

    @property
    def total_value(self) -> Decimal:
        return sum((i.value for i in self.items), Decimal(0))


@dataclass(frozen=True)
class LabelData:
    """Everything printed on one parcel label.

    `record_id` identifies the declaration (pre-flight and reprint log); `waybill` is the
    CEB `logisticsNo`, an S10 identifier for postal items.
    """

    record_id: str
    waybill: str
    order_no: str
    sender: Party
    consignee: Party
    goods_summary: str
    quantity: Decimal
    gross_weight: Decimal  # kg
    declared_value: Decimal
    label_date: dt.date
    currency: str = "CNY"
    batch_no: str = ""
    bag_no: str = ""
    route_code: str = ""
    destination: str = ""  # 大头笔: 粤 深圳 南山
    destination_known: bool = True  # False: the address could not be read, the label says so
    piece_no: int = 1
    piece_count: int = 1
    customs: CustomsDeclaration | None = None  # postal items: CN22 block or CN23 form

    def texts(self) -> Iterator[tuple[str, str]]:
        """(field, text) of everything printed, for the glyph pre-flight."""
        yield "logisticsNo", self.waybill
        yield "orderNo", self.order_no
        yield "senderName", self.sender.name
        yield "senderAddress", self.sender.address
        yield "buyerName", self.consignee.name
        yield "consigneeAddress", self.consignee.address
        yield "goodsSummary", self.goods_summary
        yield "batchNo", self.batch_no
        yield "bagNo", self.bag_no
        yield "routeCode", self.route_code
        yield "destination", self.destination
        if self.customs is not None:
            for item in self.customs.items:
                yield "gname", item.description


@dataclass(frozen=True)
class ManifestBag:
    """One bag (总包) holding parcels of the batch, for the manifest's bags section."""

    bag_no: str
    route: str
    parcels: int  # all parcels in the bag
    weight_kg: Decimal | None


@dataclass(frozen=True)
class ManifestHeader:
    """Head of a batch manifest; counts and totals come from SQL aggregates."""

    broker_name: str
    batch_no: str
    bill_no: str
    flight_voyage: str
    port_code: str
    manifest_date: dt.date
    parcel_count: int
    bag_count: int
    total_gross_weight: Decimal
    total_declared_value: Decimal
    total_estimated_tax: Decimal
    currency: str = "CNY"
    broker_code: str = ""
    port_name: str = ""
    bags: tuple[ManifestBag, ...] = ()  # station bags, listed after the parcels


@dataclass(frozen=True)
class ManifestRow:
    """One parcel line of a manifest; `status` is a DeclarationStatus identifier."""

    record_id: str
    bag_no: str
    waybill: str
    order_no: str
    consignee_name: str
    goods_summary: str
    quantity: Decimal
    gross_weight: Decimal
    declared_value: Decimal
    status: str
    invt_no: str = ""


@dataclass(frozen=True)
class DocumentResult:
    """What was written: the file, its page count and how many labels/rows it holds."""

    file: str
    pages: int
    records: int
    missing_glyphs: tuple[MissingGlyph, ...] = field(default_factory=tuple)
    record_ids: tuple[str, ...] = ()  # set where some inputs get no page (customs forms)
