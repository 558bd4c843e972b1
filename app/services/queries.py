"""Declaration filters and the grid's column catalogue, shared by CLI list, GUI and exports."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, Literal

from sqlalchemy import ColumnElement, and_, exists, func, or_, select, true
from sqlalchemy.sql import Select

from app.db.models import Declaration, Problem
from app.domain.clock import day_start_utc
from app.domain.errors import ValidationError
from app.i18n import N_
from app.security.masking import MASK, PiiKind, mask_value

Align = Literal["left", "right", "center"]
Kind = Literal["text", "int", "dec", "status", "datetime", "stage"]


@dataclass(frozen=True)
class GridColumn:
    key: str  # CEB name or our own key
    header: str  # English, translatable
    expr: Any  # SQL expression selected and sorted on
    kind: Kind = "text"
    align: Align = "left"
    width: int = 120
    pii: str | None = None  # "id" | "phone" for masking
    sort_expr: Any = None  # what ORDER BY uses when not `expr` (a name's pinyin key)

    @property
    def order_expr(self) -> Any:
        return self.expr if self.sort_expr is None else self.sort_expr


D = Declaration
GRID_COLUMNS: tuple[GridColumn, ...] = (
    GridColumn("id", N_("ID"), D.id, "int", "right", 70),
    GridColumn("status", N_("Status"), D.status, "status", "left", 100),
    GridColumn("orderNo", N_("Order No."), D.orderNo, width=170),
    GridColumn("logisticsNo", N_("Waybill No."), D.logisticsNo, width=160),
    GridColumn("buyerName", N_("Buyer"), D.buyerName, width=90, sort_expr=D.buyer_name_sort),
    GridColumn("buyerIdNumber", N_("Buyer ID number"), D.buyerIdNumber, width=170, pii="id"),
    GridColumn("buyerTelephone", N_("Telephone"), D.buyerTelephone, width=110, pii="phone"),
    GridColumn("consigneeAddress", N_("Address"), D.consigneeAddress, width=260),
    GridColumn("ebpName", N_("Platform"), D.ebpName, width=120, sort_expr=D.ebp_name_sort),
    GridColumn("goodsTotal", N_("Goods value"), D.goods_total, "dec", "right", 100),
    GridColumn("taxEstimate", N_("Tax estimate"), D.tax_estimate, "dec", "right", 90),
    GridColumn("grossWeight", N_("Gross weight (kg)"), D.grossWeight, "dec", "right", 100),
    GridColumn("problems", N_("Problems"), D.error_count, "int", "right", 70),
    GridColumn("batchId", N_("Batch"), D.batch_id, "int", "right", 60),
    GridColumn("createdAt", N_("Created"), D.created_at, "datetime", "left", 140),
    GridColumn("exportStage", N_("Export stage"), D.export_stage, "stage", "left", 110),
)
GRID_BY_KEY: dict[str, GridColumn] = {c.key: c for c in GRID_COLUMNS}


# Longer than any number, name or address searched; SQLite refuses LIKE patterns over 50,000
# bytes ("LIKE or GLOB pattern too complex"), which reached the user as a traceback.
MAX_SEARCH_LENGTH = 200
MSG_SEARCH_TOO_LONG = N_(
    "The search text is {length} characters long; at most {limit} characters are searched."
)


def escape_like(text: str) -> str:
    """Escape LIKE wildcards so user search text matches literally (escape char '\\')."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


@dataclass(frozen=True)
class DeclarationFilter:
    statuses: tuple[str, ...] = ()
    search: str = ""
    batch_id: int | None = None
    import_job_id: int | None = None
    platform: str | None = None
    created_from: date | None = None
    created_to: date | None = None  # inclusive
    has_problems: bool | None = None
    problem_code: str | None = None
    ids: tuple[int, ...] = ()
    export_stages: tuple[str, ...] = ()  # app.domain.export_stage values

    def __post_init__(self) -> None:
        """Raises ValidationError for a search text over MAX_SEARCH_LENGTH characters."""
        if len(self.search.strip()) > MAX_SEARCH_LENGTH:
            raise ValidationError(MSG_SEARCH_TOO_LONG, length=len(self.search.strip()),
                                  limit=MAX_SEARCH_LENGTH)

    def where(self) -> ColumnElement[bool]:
        conds: list[ColumnElement[bool]] = []
        if self.statuses:
            conds.append(D.status.in_(self.statuses))
        if self.ids:
            conds.append(D.id.in_(self.ids))
        if self.export_stages:
            conds.append(D.export_stage.in_(self.export_stages))
        if self.batch_id is not None:
            conds.append(D.batch_id == self.batch_id)
        if self.import_job_id is not None:
            conds.append(D.import_job_id == self.import_job_id)
        if self.platform:
            conds.append(D.ebpName == self.platform)
        # Days are Beijing days (app.domain.clock), whatever the workstation's time zone.
        if self.created_from:
            conds.append(D.created_at >= day_start_utc(self.created_from))
        if self.created_to:
            conds.append(D.created_at < day_start_utc(self.created_to + timedelta(days=1)))
        if self.has_problems is True:
            conds.append(D.error_count + D.warning_count > 0)
        elif self.has_problems is False:
            conds.append(D.error_count + D.warning_count == 0)
        if self.problem_code:
            conds.append(
                exists().where(Problem.declaration_id == D.id, Problem.code == self.problem_code)
            )
        text = self.search.strip()
        if text:
            pattern = f"%{escape_like(text)}%"
            conds.append(
                or_(
                    D.orderNo.like(pattern, escape="\\"),
                    D.logisticsNo.like(pattern, escape="\\"),
                    D.buyerName.like(pattern, escape="\\"),
                    masked_field_matches(D.buyerIdNumber, PiiKind.ID_NUMBER, text),
                    masked_field_matches(D.buyerTelephone, PiiKind.PHONE, text),
                )
            )
        return and_(true(), *conds)


# What a search may match of a masked field: only what the mask shows. Identity numbers of
# 12+ characters show 4 at each end, phones of 11+ characters their first 3 and last 4 digits.
_VISIBLE_ENDS: dict[PiiKind, tuple[int, int, int]] = {
    PiiKind.ID_NUMBER: (4, 4, 12),  # head, tail, minimum length for the ends to show
    PiiKind.PHONE: (3, 4, 11),
}


def masked_field_matches(column: Any, kind: PiiKind, text: str) -> ColumnElement[bool]:
    """Whether a masked field matches search `text` without telling anything the mask hides.

    A masked value (identity number, phone) matches only its complete value, its masked form
    (`1101**********1234`) or a fragment of its visible start or end. A fragment that reaches
    into the hidden digits matches nothing, so counting results cannot recover them (issue 16).
    """
    conds: list[ColumnElement[bool]] = [column == text]
    head, tail, min_len = _VISIBLE_ENDS[kind]
    # Separators in a phone are not hidden; every character of an identity number may be.
    digits = sum(ch.isdigit() for ch in text) if kind is PiiKind.PHONE else len(text)
    if MASK in text:
        probe = text.replace(MASK, "5")
        if mask_value(kind, probe) == text:
            like = "".join("_" if ch == MASK else escape_like(ch) for ch in text)
            conds.append(column.like(like, escape="\\"))
    elif digits <= min(head, tail):
        long_enough = func.length(column) >= min_len
        conds.append(and_(long_enough, column.like(f"{escape_like(text)}%", escape="\\")))
        conds.append(and_(long_enough, column.like(f"%{escape_like(text)}", escape="\\")))
    elif digits <= tail:
        long_enough = func.length(column) >= min_len
        conds.append(and_(long_enough, column.like(f"%{escape_like(text)}", escape="\\")))
    return or_(*conds)


def count_query(flt: DeclarationFilter) -> Select[Any]:
    return select(func.count()).select_from(D).where(flt.where())
