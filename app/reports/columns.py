"""The columns of a detail export, declared once: key, heading, SQL expression, kind, width."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from app.db.models import Batch, Declaration
from app.i18n import N_

ColumnKind = Literal["text", "int", "code", "money", "weight", "status", "datetime"]


@dataclass(frozen=True)
class ExportColumn:
    key: str  # CEB name or our own camelCase key
    heading: str  # English msgid
    expr: Any
    kind: ColumnKind = "text"
    width: float = 14  # Excel character widths


D = Declaration
DETAIL_COLUMNS: tuple[ExportColumn, ...] = (
    ExportColumn("id", N_("ID"), D.id, "int", 9),
    ExportColumn("status", N_("Status"), D.status, "status", 10),
    ExportColumn("orderNo", N_("Order No."), D.orderNo, width=22),
    ExportColumn("logisticsNo", N_("Waybill No."), D.logisticsNo, width=18),
    ExportColumn("invtNo", N_("Inventory No."), D.invtNo, width=20),
    ExportColumn("ebpName", N_("Platform"), D.ebpName, width=16),
    ExportColumn("ebcName", N_("E-commerce company"), D.ebcName, width=24),
    ExportColumn("buyerName", N_("Buyer"), D.buyerName, width=10),
    ExportColumn("buyerIdNumber", N_("Buyer ID number"), D.buyerIdNumber, width=21),
    ExportColumn("buyerTelephone", N_("Telephone"), D.buyerTelephone, width=14),
    ExportColumn("consigneeAddress", N_("Address"), D.consigneeAddress, width=40),
    ExportColumn("goodsTotal", N_("Goods value"), D.goods_total, "money", 12),
    ExportColumn("freight", N_("Freight"), D.freight, "money", 10),
    ExportColumn("taxEstimate", N_("Tax estimate"), D.tax_estimate, "money", 12),
    ExportColumn("grossWeight", N_("Gross weight (kg)"), D.grossWeight, "weight", 12),
    ExportColumn("netWeight", N_("Net weight (kg)"), D.netWeight, "weight", 12),
    ExportColumn("problems", N_("Problems"), D.error_count, "int", 9),
    ExportColumn("batchNo", N_("Batch No."), Batch.batch_no, width=18),
    ExportColumn("returnStatus", N_("Customs return status"), D.last_return_status, "code",
                 10),
    ExportColumn("returnInfo", N_("Customs return text"), D.last_return_info, width=40),
    ExportColumn("createdAt", N_("Created (Beijing time)"), D.created_at, "datetime", 19),
)
