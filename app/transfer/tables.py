"""What a transfer file carries, table by table.

The format is driven by SPECS: each table names its natural key (how the receiving database
recognises a row it already has), which columns hold ids of other carried tables (renumbered
on import), and how its rows are chosen. Adding a table to the hand-over is one line here
(the goods catalogue, for example: `TableSpec("catalogue_entries", key=("code",),
everything=True)`), plus its export/import test.

Declarations are keyed by copNo: one that has none yet is carried with the copNo it would be
declared under (`CD<site><id>`), so it keeps that number at the office.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Column, LargeBinary, Table

from app.db.models import Base
from app.db.types import Decimal5, UTCDateTime

DECLARATIONS = "declarations"


@dataclass(frozen=True)
class TableSpec:
    """One carried table.

    key: columns (after renumbering) that identify a row in any database.
    refs: column → carried table whose id it holds.
    owner: the column holding the declaration id: the rows travel with their declaration
        and are written (or refused) with it.
    picked_by: for shared rows: (table, column, own column) — the rows whose `own column`
        value appears in `column` of the carried rows of `table`.
    everything: all rows travel (reference-like tables such as a goods catalogue).
    drop: columns that stay behind (local bookkeeping; NULL at the receiver).
    ignore: columns that may differ between two copies of the same row.
    """

    name: str
    key: tuple[str, ...]
    refs: Mapping[str, str] = field(default_factory=dict)
    owner: str | None = None
    picked_by: tuple[tuple[str, str, str], ...] = ()
    everything: bool = False
    drop: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ("updated_at",)

    @property
    def table(self) -> Table:
        return Base.metadata.tables[self.name]

    @property
    def has_id(self) -> bool:
        return "id" in self.table.c and self.table.c.id.primary_key

    def carried(self) -> list[Column[Any]]:
        return [c for c in self.table.c if c.name not in self.drop]

    def compared(self) -> list[str]:
        return [c.name for c in self.carried()
                if c.name not in self.ignore and not (c.name == "id" and self.has_id)]


def _owned(name: str, key: tuple[str, ...], **refs: str) -> TableSpec:
    return TableSpec(name, key, refs={"declaration_id": DECLARATIONS, **refs},
                     owner="declaration_id")


# In import order: shared parents, declarations, then what belongs to a declaration.
SPECS: tuple[TableSpec, ...] = (
    TableSpec("batches", ("batch_no",), picked_by=((DECLARATIONS, "batch_id", "id"),),
              ignore=("updated_at", "version")),
    TableSpec("bags", ("bag_no",), picked_by=(("bag_parcels", "bag_id", "id"),)),
    TableSpec("outbound_messages", ("guid",), refs={"batch_id": "batches"},
              picked_by=(("message_declarations", "message_id", "id"),
                         ("waybills", "message_id", "id"),
                         ("lifecycle_requests", "message_id", "id"))),
    # The goods catalogue travels whole: a sorting centre's classifications reach the office.
    TableSpec("catalogue_entries", ("entry_key",), everything=True,
              ignore=("updated_at",)),
    TableSpec("receipt_files", ("sha256",),
              picked_by=(("inbound_receipts", "file_hash", "sha256"),)),
    TableSpec(DECLARATIONS, ("cop_no",), refs={"batch_id": "batches"},
              drop=("import_job_id", "content_rev"),
              ignore=("updated_at", "version", "checked_at", "check_fingerprint",
                      "check_hs_edition", "check_list_edition", "printed_count")),
    _owned("declaration_items", ("declaration_id", "gnum")),
    _owned("problems", ("declaration_id", "gnum", "field", "code")),
    _owned("message_declarations", ("message_id", "declaration_id"),
           message_id="outbound_messages"),
    _owned("inbound_receipts", ("content_key",)),
    _owned("waybills", ("declaration_id",), message_id="outbound_messages"),
    _owned("tax_bills", ("tax_no",)),
    _owned("lifecycle_requests", ("request_guid",), message_id="outbound_messages"),
    _owned("parcel_weighings", ("declaration_id", "weighed_at")),
    _owned("bag_parcels", ("declaration_id",), bag_id="bags"),
)
SPECS_BY_NAME = {s.name: s for s in SPECS}
OWNED = tuple(s for s in SPECS if s.owner)
SHARED = tuple(s for s in SPECS if not s.owner and s.name != DECLARATIONS)


def encode(column: Column[Any], value: Any) -> Any:
    """A column value as JSON (exact: decimals as text, times in ISO form, bytes base64)."""
    if value is None:
        return None
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, bytes | bytearray | memoryview):
        return base64.b64encode(bytes(value)).decode("ascii")
    return value


def decode(column: Column[Any], value: Any) -> Any:
    """The column value back from `encode`."""
    if value is None:
        return None
    kind = column.type
    if isinstance(kind, Decimal5):
        return Decimal(str(value))
    if isinstance(kind, UTCDateTime):
        return datetime.fromisoformat(str(value))
    if isinstance(kind, LargeBinary):
        return base64.b64decode(str(value))
    return value


def encode_row(spec: TableSpec, row: Mapping[Any, Any]) -> dict[str, Any]:
    return {c.name: encode(c, row[c.name]) for c in spec.carried()}
