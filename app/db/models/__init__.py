"""The data model for the whole workflow.

Declaration and item attributes are named by their CEB element names (see
app/domain/fields.py, the one place that maps them to snake_case columns); a test checks that
the two agree. Money, quantities and weights are `Decimal5` (exact, N19,5).

Each area's module is imported on first use of one of its classes (`from app.db.models import
Declaration` loads the declarations module, not station, export or catalogue): a cold
`cleardesk list` neither builds nor configures the mappers of tables it never reads. The
modules its foreign keys point into follow before rows of its tables are written (a flush, an
ORM insert/update/delete: both order tables by their foreign keys, which must then resolve);
reading needs none of them. `Base` (its metadata, its registry) loads every module, so
migrations, `create_all` and the transfer tables always see the whole schema.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from sqlalchemy import event
from sqlalchemy.orm import ORMExecuteState, Session, UOWTransaction

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
# The module of every table a foreign key points into: loaded before rows of a table pointing
# there are written, so a flush (which orders the tables it writes by their foreign keys)
# never meets an unknown table. tests/unit/test_models_lazy.py holds this to the schema.
REFERENCED_TABLES: dict[str, str] = {
    "bags": "station",
    "batches": "submission",
    "declarations": "declarations",
    "import_jobs": "intake",
    "imported_audit_segments": "transfer",
    "outbound_messages": "submission",
    "summary_applications": "export",
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
    """Import one model module (the modules its foreign keys point into follow before a
    write: see load_referenced_tables)."""
    importlib.import_module(f"{__name__}.{module}")


# Tables whose foreign keys all resolve (their referenced tables are loaded).
_RESOLVED: set[str] = set()


def load_referenced_tables(cls: type) -> None:
    """Import the modules of the tables the foreign keys of `cls`'s table point into."""
    table = getattr(cls, "__table__", None)
    if table is None or table.name in _RESOLVED:
        return
    for fk in table.foreign_keys:
        target = fk.target_fullname.split(".")[0]
        if target not in table.metadata.tables:
            load(REFERENCED_TABLES[target])
    _RESOLVED.add(table.name)


@event.listens_for(Session, "before_flush")
def _before_flush(session: Session, _context: UOWTransaction, _instances: Any) -> None:
    for obj in (*session.new, *session.dirty, *session.deleted):
        load_referenced_tables(type(obj))


@event.listens_for(Session, "do_orm_execute")
def _before_orm_write(state: ORMExecuteState) -> None:
    if state.is_insert or state.is_update or state.is_delete:
        mapper = state.bind_mapper
        if mapper is not None:
            load_referenced_tables(mapper.class_)


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
