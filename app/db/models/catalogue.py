"""The goods catalogue (商品库): each product classified once, every later parcel filled from it."""

from datetime import datetime
from decimal import Decimal

from sqlalchemy import Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from app.db.models.base import Base, TimestampMixin
from app.db.types import Decimal5, UTCDateTime


class CatalogueEntry(TimestampMixin, Base):
    """One product: its HS code, legal units and legal quantity per declared unit.

    `entry_key` is the one unique key (app.catalogue.keys.entry_key): `ebcCode` + `itemNo`
    when the platform sends a SKU, else the normalised goods name + model. Learning upserts
    on it, so two workstations releasing the same product never make two entries.
    `source`: accepted (customs released a declaration with it) | confirmed (a supervisor
    classified it) | imported (from a catalogue file) | proposed (a clerk classified it, not
    yet confirmed). A classification that conflicts with the entry's waits in `proposed_*`
    until a supervisor confirms it; it never overwrites the entry silently.
    """

    __tablename__ = "catalogue_entries"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    entry_key: Mapped[str] = mapped_column(String(800), nullable=False, unique=True)
    ebc_code: Mapped[str | None] = mapped_column(String(18))
    item_no: Mapped[str | None] = mapped_column(String(60))
    barcode: Mapped[str | None] = mapped_column(String(50), index=True)
    # Normalised gname + gmodel (app.catalogue.keys.name_key): full-width → half-width,
    # spaces dropped, case folded.
    name_key: Mapped[str] = mapped_column(String(770), nullable=False, index=True)
    gname: Mapped[str | None] = mapped_column(String(250))
    gmodel: Mapped[str | None] = mapped_column(String(510))
    gcode: Mapped[str | None] = mapped_column(String(10), index=True)
    unit: Mapped[str | None] = mapped_column(String(3))  # the declared unit qty counts
    country: Mapped[str | None] = mapped_column(String(3))
    unit1: Mapped[str | None] = mapped_column(String(3))
    qty1_per_unit: Mapped[Decimal | None] = mapped_column(Decimal5)
    unit2: Mapped[str | None] = mapped_column(String(3))
    qty2_per_unit: Mapped[Decimal | None] = mapped_column(Decimal5)
    note: Mapped[str | None] = mapped_column(String(1000))
    source: Mapped[str] = mapped_column(String(10), nullable=False)
    classified_by: Mapped[str | None] = mapped_column(String(60))
    classified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # How many released declarations carried this product with this gcode.
    accepted_count: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    # A conflicting classification waiting for a supervisor (see the class docstring).
    proposed_gcode: Mapped[str | None] = mapped_column(String(10))
    proposed_unit1: Mapped[str | None] = mapped_column(String(3))
    proposed_qty1_per_unit: Mapped[Decimal | None] = mapped_column(Decimal5)
    proposed_unit2: Mapped[str | None] = mapped_column(String(3))
    proposed_qty2_per_unit: Mapped[Decimal | None] = mapped_column(Decimal5)
    proposed_by: Mapped[str | None] = mapped_column(String(60))
    proposed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    proposed_source: Mapped[str | None] = mapped_column(String(10))  # accepted | proposed …

    __table_args__ = (
        Index("ix_catalogue_entries_sku", "ebc_code", "item_no"),
    )
