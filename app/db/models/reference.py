"""Reference data editions an office loads (who, when, from which file) and the positive list."""

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Date, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.db.models.base import Base
from app.db.types import Decimal5, UTCDateTime, utcnow


class RefEdition(Base):
    """One loaded edition of a reference table. HS and positive-list editions are in force from
    their `effective` date (no date: from always); code tables: the newest is in force."""

    __tablename__ = "ref_editions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    table_name: Mapped[str] = mapped_column(String(20), nullable=False, index=True)
    name: Mapped[str] = mapped_column(String(60), nullable=False)
    effective: Mapped[date | None] = mapped_column(Date)
    loaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    loaded_by: Mapped[str | None] = mapped_column(String(60))
    file_name: Mapped[str] = mapped_column(String(255), nullable=False)
    sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    rows: Mapped[int] = mapped_column(Integer, nullable=False)
    added: Mapped[int] = mapped_column(Integer, nullable=False)
    removed: Mapped[int] = mapped_column(Integer, nullable=False)
    changed: Mapped[int] = mapped_column(Integer, nullable=False)


class PositiveListEntry(Base):
    """跨境电子商务零售进口商品清单: a tariff line (10 or 8 digits) and its note (备注)."""

    __tablename__ = "positive_list"

    code: Mapped[str] = mapped_column(String(10), primary_key=True)
    name_zh: Mapped[str | None] = mapped_column(String(250))
    note: Mapped[str | None] = mapped_column(Text)


class RefEditionHs(Base):
    """The rows of each loaded tariff edition, kept so a declaration is checked against the
    edition in force on its date (hs_codes holds only the newest). Edition 0: the tariff
    stored before the first edition was loaded (the shipped one)."""

    __tablename__ = "ref_edition_hs"

    edition_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(10), primary_key=True)
    name_zh: Mapped[str] = mapped_column(String(250), nullable=False)
    name_en: Mapped[str | None] = mapped_column(String(250))
    unit1: Mapped[str] = mapped_column(String(3), nullable=False)
    unit2: Mapped[str | None] = mapped_column(String(3))
    vat_rate: Mapped[Decimal | None] = mapped_column(Decimal5)
    ct_rate: Mapped[Decimal | None] = mapped_column(Decimal5)


class RefEditionListEntry(Base):
    """The entries of each loaded positive-list edition (see RefEditionHs)."""

    __tablename__ = "ref_edition_list"

    edition_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(10), primary_key=True)
    note: Mapped[str | None] = mapped_column(Text)


class DataRevision(Base):
    """A random token per kind of data ('reference': the code tables, tariff and positive list
    with their editions) that the database's triggers replace with every change (migration
    0017_incr21): a process may keep what it built from that data while the token is the
    same (app.reference.cache)."""

    __tablename__ = "data_revisions"

    name: Mapped[str] = mapped_column(String(20), primary_key=True)
    token: Mapped[str] = mapped_column(String(32), nullable=False)
