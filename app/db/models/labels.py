"""The office's route / sort-code table: which code a sorting centre reads for a destination."""

from sqlalchemy import Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from app.db.models.base import Base


class RouteCode(Base):
    """One row of the route table, for a province, a city or a district.

    `scope` is the 6-digit code of the most specific division the row names (a district, or
    a city for "any district", or a province for "any city"), so one destination finds its
    row by trying its district, city and province codes in that order.
    """

    __tablename__ = "route_codes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    scope: Mapped[str] = mapped_column(String(6), nullable=False, unique=True)
    level: Mapped[str] = mapped_column(String(10), nullable=False)  # province|city|district
    place: Mapped[str] = mapped_column(String(100), nullable=False)  # 广东省深圳市南山区
    code: Mapped[str] = mapped_column(String(30), nullable=False)
    description: Mapped[str | None] = mapped_column(String(200))
