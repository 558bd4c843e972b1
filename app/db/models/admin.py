"""Users, the audit chain, settings, reference code tables, print log and saved grid views."""

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from app.db.models.base import Base, TimestampMixin
from app.db.types import Decimal5, UTCDateTime, utcnow


class AuditEvent(Base):
    """Append-only, hash-chained record of who did what (see app/security/audit.py)."""

    __tablename__ = "audit_events"
    # One action over a time range (the dashboard's sends per hour of a day, by user) reads
    # only that range and only the index (PostgreSQL preferred the `at` index over a narrower
    # one); also serves every look-up by action alone (it replaced ix_audit_events_action).
    __table_args__ = (Index("ix_audit_events_action_at_user", "action", "at", "user_name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False, index=True)
    user_name: Mapped[str | None] = mapped_column(String(60), index=True)
    workstation: Mapped[str | None] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(40), nullable=False)
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
    vat_rate: Mapped[Decimal | None] = mapped_column(Decimal5)  # NULL: not known
    ct_rate: Mapped[Decimal | None] = mapped_column(Decimal5)
    source: Mapped[str | None] = mapped_column(String(30))  # curated-hs2022, cn-tariff-2019 …


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
