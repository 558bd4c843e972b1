"""The data model for the whole workflow.

Declaration and item attributes are named by their CEB element names (see
app/domain/fields.py, the one place that maps them to snake_case columns); a test checks that
the two agree. Money, quantities and weights are `Decimal5` (exact, N19,5).
"""

from app.db.models.admin import (
    AuditEvent,
    HsCode,
    PrintLog,
    RefCode,
    SavedView,
    Setting,
    User,
)
from app.db.models.autopilot import BatchRule
from app.db.models.base import NAMING_CONVENTION, Base, TimestampMixin
from app.db.models.catalogue import CatalogueEntry
from app.db.models.declarations import Declaration, DeclarationItem, Problem
from app.db.models.export import ExportDocument, SummaryApplication, SummaryInventory
from app.db.models.intake import ImportJob, ImportRowError, MappingProfile
from app.db.models.labels import RouteCode
from app.db.models.lifecycle import LifecycleRequest, TaxBill, Waybill
from app.db.models.reference import (
    DataRevision,
    PositiveListEntry,
    RefEdition,
    RefEditionHs,
    RefEditionListEntry,
)
from app.db.models.station import Bag, BagParcel, ParcelWeighing, ThermalJob
from app.db.models.submission import (
    Batch,
    InboundReceipt,
    MessageDeclaration,
    OutboundMessage,
    ReceiptFile,
)
from app.db.models.transfer import ImportedAuditEvent, ImportedAuditSegment

__all__ = [
    "NAMING_CONVENTION",
    "AuditEvent",
    "Bag",
    "BagParcel",
    "Base",
    "Batch",
    "BatchRule",
    "CatalogueEntry",
    "DataRevision",
    "Declaration",
    "DeclarationItem",
    "ExportDocument",
    "HsCode",
    "ImportJob",
    "ImportRowError",
    "ImportedAuditEvent",
    "ImportedAuditSegment",
    "InboundReceipt",
    "LifecycleRequest",
    "MappingProfile",
    "MessageDeclaration",
    "OutboundMessage",
    "ParcelWeighing",
    "PositiveListEntry",
    "PrintLog",
    "Problem",
    "ReceiptFile",
    "RefCode",
    "RefEdition",
    "RefEditionHs",
    "RefEditionListEntry",
    "RouteCode",
    "SavedView",
    "Setting",
    "SummaryApplication",
    "SummaryInventory",
    "TaxBill",
    "ThermalJob",
    "TimestampMixin",
    "User",
    "Waybill",
]
