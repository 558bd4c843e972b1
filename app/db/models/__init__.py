"""The data model for the whole workflow.

Declaration and item attributes are named by their CEB element names (see
app/domain/fields.py, the one place that maps them to snake_case columns); a test checks that
the two agree. Money, quantities and weights are `Decimal5` (exact, N19,5).

Each area's module is imported on first use of one of its classes (`from app.db.models import
Declaration` loads the declarations module and the modules its foreign keys point into, not
station, export or catalogue): a cold `cleardesk list` neither builds nor configures the
mappers of tables it never reads. `Base` (its metadata, its registry) loads every module, so
migrations, `create_all` and the transfer tables always see the whole schema.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
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
    from app.db.models.export import (
        ExportDocument,
        ReturnTally,
        SiteArrival,
        SummaryApplication,
        SummaryInventory,
    )
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

# The module (under app.db.models) defining each exported name.
MODULE_OF: dict[str, str] = {
    **dict.fromkeys(("AuditEvent", "HsCode", "PrintLog", "RefCode", "SavedView", "Setting",
                     "User"), "admin"),
    "BatchRule": "autopilot",
    **dict.fromkeys(("NAMING_CONVENTION", "TimestampMixin"), "base"),
    "CatalogueEntry": "catalogue",
    **dict.fromkeys(("Declaration", "DeclarationItem", "Problem"), "declarations"),
    **dict.fromkeys(("ExportDocument", "ReturnTally", "SiteArrival", "SummaryApplication",
                     "SummaryInventory"), "export"),
    **dict.fromkeys(("ImportJob", "ImportRowError", "MappingProfile"), "intake"),
    "RouteCode": "labels",
    **dict.fromkeys(("LifecycleRequest", "TaxBill", "Waybill"), "lifecycle"),
    **dict.fromkeys(("DataRevision", "PositiveListEntry", "RefEdition", "RefEditionHs",
                     "RefEditionListEntry"), "reference"),
    **dict.fromkeys(("Bag", "BagParcel", "ParcelWeighing", "ThermalJob"), "station"),
    **dict.fromkeys(("Batch", "InboundReceipt", "MessageDeclaration", "OutboundMessage",
                     "ReceiptFile"), "submission"),
    **dict.fromkeys(("ImportedAuditEvent", "ImportedAuditSegment"), "transfer"),
}
# The modules whose tables a module's foreign keys point into: loaded with it, so a flush
# (which orders every mapped table by its foreign keys) never meets an unknown table.
# tests/unit/test_models_lazy.py holds this to the foreign keys.
FOREIGN_KEY_MODULES: dict[str, tuple[str, ...]] = {
    "admin": ("declarations", "submission"),
    "declarations": ("submission", "intake"),
    "export": ("declarations", "submission"),
    "lifecycle": ("declarations", "submission"),
    "station": ("declarations",),
    "submission": ("declarations",),
}
ALL_MODULES: tuple[str, ...] = tuple(sorted(set(MODULE_OF.values())))

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
    "ReturnTally",
    "RouteCode",
    "SavedView",
    "Setting",
    "SiteArrival",
    "SummaryApplication",
    "SummaryInventory",
    "TaxBill",
    "ThermalJob",
    "TimestampMixin",
    "User",
    "Waybill",
]


def load(module: str) -> None:
    """Import one model module and, transitively, those its foreign keys point into."""
    pending = [module]
    seen: set[str] = set()
    while pending:
        name = pending.pop()
        if name in seen:
            continue
        seen.add(name)
        importlib.import_module(f"{__name__}.{name}")
        pending.extend(FOREIGN_KEY_MODULES.get(name, ()))


def load_all() -> None:
    """Import every model module: the metadata then holds the whole schema (with the
    declarations' partial unique indexes, left out until then: see their module)."""
    for name in ALL_MODULES:
        importlib.import_module(f"{__name__}.{name}")
    from app.db.models.declarations import add_partial_unique_indexes

    add_partial_unique_indexes()


def __getattr__(name: str) -> Any:
    if name == "Base":
        load_all()
        module = "base"
    elif name in MODULE_OF:
        module = MODULE_OF[name]
        load(module)
    else:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value
