"""What the import wizard shows before importing: headers, column plan with sample values,
the first rows with their row errors, and required fields nobody fills. Qt-free."""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from app.domain.clock import beijing_now
from app.domain.fields import ALL_HEAD_FIELDS, HEAD_BY_NAME, ITEM_FIELDS
from app.intake.codes import CodeLookup, reference_lookup
from app.intake.grouping import group_rows
from app.intake.headers import ADDRESS_PART
from app.intake.limits import DEFAULT_LIMITS, ReadLimits
from app.intake.mapping import ColumnPlan, MappingSpec, plan_columns, required_fields
from app.intake.readers import open_table
from app.intake.rowerrors import RowError, cell_text
from app.intake.rows import (
    ABSENT_COLUMN_DEFAULTS,
    EXPORT_DERIVED,
    EXPORT_FIXED_DEFAULTS,
    EXPORT_FIXED_ITEM_DEFAULTS,
    FIXED_DEFAULTS,
    FIXED_ITEM_DEFAULTS,
    RowNormaliser,
)
from app.reference.tables import shipped_reference_tables

SAMPLES = 3
# Fields a clerk may give one value for every row of a file that has no column for them
# (the wizard's "values for missing columns"): the platform, e-commerce company, freight …
# Per-order values (order and waybill numbers, buyer, goods, prices) are not among them.
DEFAULTABLE_FIELDS: tuple[str, ...] = (
    "ebpCode", "ebpName", "ebcCode", "ebcName", "freight", "insuredFee", "currency",
    "tradeMode", "trafMode", "country", "logisticsCode", "logisticsName", "assureCode",
    "agentCode", "agentName", "customsCode", "portCode", "wrapType", "packNo", "grossWeight",
    "netWeight", "gmodel", "item.country", "unit", "item.currency", "unit1", "barCode",
)
# And for an export file (CEB603): the destination, the owner, the declaration kind, the date.
EXPORT_DEFAULTABLE_FIELDS: tuple[str, ...] = (
    "POD", "ownerCode", "ownerName", "statisticsFlag", "ieDate", "fCurrency", "fFlag",
    "iCurrency", "iFlag")
# Filled by ClearDesk when the message is built, never expected from a platform file.
SYSTEM_FIELDS = frozenset({"guid", "appType", "appTime", "appStatus", "declTime", "ieFlag"})


@dataclass(frozen=True)
class FilePreview:
    headers: tuple[str, ...]
    header_row: int
    sheet: str | None
    sheet_names: tuple[str, ...]
    encoding: str | None
    plan: ColumnPlan
    samples: tuple[tuple[str, ...], ...]  # per column
    rows: tuple[tuple[int, tuple[str, ...]], ...]  # (row number, cells as text)
    errors: tuple[RowError, ...]  # errors of the previewed rows
    missing_required: tuple[str, ...]  # targets neither mapped nor filled by defaults
    # What fills a field the file and the defaults leave empty: office settings, fixed values.
    fallbacks: Mapping[str, str] = field(default_factory=dict)

    def errors_by_cell(self) -> dict[tuple[int, str], list[RowError]]:
        """{(row, column header): errors}; row-level errors use the header ""."""
        out: dict[tuple[int, str], list[RowError]] = {}
        for e in self.errors:
            out.setdefault((e.row, e.column), []).append(e)
        return out


def defaultable_fields(direction: str = "I") -> tuple[str, ...]:
    """The fields the wizard offers values for, for an import or export ("E") file."""
    return DEFAULTABLE_FIELDS + (EXPORT_DEFAULTABLE_FIELDS if direction == "E" else ())


def field_choices() -> list[str]:
    """Every mapping target in a stable order: head fields (a part of the address right
    after the address), then item fields."""
    out = [f.name for f in ALL_HEAD_FIELDS]
    out.insert(out.index("consigneeAddress") + 1, ADDRESS_PART)
    out += [f"item.{f.name}" if f.name in HEAD_BY_NAME else f.name for f in ITEM_FIELDS
            if f.name != "gnum"]
    return out


def unfilled_required(filled: set[str], direction: str = "I") -> tuple[str, ...]:
    """Required fields (mapping targets) that neither `filled` nor the fixed values fill;
    those of an export declaration (CEB603) when `direction` is "E"."""
    if direction == "E":
        filled = filled | set(EXPORT_FIXED_DEFAULTS) | {"ieDate"} | {
            f"item.{k}" if k == "currency" else k for k in EXPORT_FIXED_ITEM_DEFAULTS}
        filled |= {k for k, source in EXPORT_DERIVED.items() if source in filled}
    else:
        filled = filled | set(FIXED_DEFAULTS) | {f"item.{k}" for k in FIXED_ITEM_DEFAULTS}
    if {"qty", "price"} <= filled:
        filled.add("totalPrice")  # qty × price (rows.py)
    if "gcode" in filled:
        filled |= {"qty1", "unit1"}  # the pre-check derives them from the HS code
    return tuple(t for t in required_fields(direction)
                 if t not in filled and t not in SYSTEM_FIELDS and t != "gnum")


def preview_file(path: Path, spec: MappingSpec | None = None, *,
                 lookup: CodeLookup | None = None, settings: Mapping[str, Any] | None = None,
                 limits: ReadLimits = DEFAULT_LIMITS, sheet: str | int | None = None,
                 rows: int = 50) -> FilePreview:
    """Read the header and the first `rows` rows of `path` and check them.

    Raises ValidationError when the file itself cannot be read.
    """
    spec = spec or MappingSpec()
    table = open_table(path, sheet=sheet if sheet is not None else spec.sheet_index_or_name,
                       header_row=spec.header_row, encoding=spec.encoding, limits=limits)
    plan = plan_columns(table.headers, spec)
    first = list(itertools.islice(table.rows, rows))
    samples = tuple(
        tuple(itertools.islice((cell_text(r[i]) for _, r in first if r[i] not in (None, "")),
                               SAMPLES))
        for i in range(len(table.headers)))
    errors: list[RowError] = []
    fields = plan.fields()
    if fields & {"orderNo", "logisticsNo"}:
        if lookup is None:
            lookup = reference_lookup(shipped_reference_tables())
        normaliser = RowNormaliser(plan, lookup, spec.defaults, settings,
                                   direction=spec.direction, today=f"{beijing_now():%Y%m%d}")
        for group in group_rows((normaliser.normalise(n, r) for n, r in first), window=rows + 1,
                                sum_weights=spec.sum_weights):
            errors.extend(group.errors)
    missing = unfilled_required(fields | set(spec.defaults) | set(settings or {})
                                | set(ABSENT_COLUMN_DEFAULTS), spec.direction)
    export = spec.direction == "E"
    fixed = EXPORT_FIXED_DEFAULTS if export else FIXED_DEFAULTS
    fallbacks = {k: str(v) for k, v in {**fixed, **(settings or {})}.items()
                 if k in defaultable_fields(spec.direction) and v not in (None, "")}
    fallbacks |= {f"item.{k}" if k == "currency" else k: str(v)
                  for k, v in (EXPORT_FIXED_ITEM_DEFAULTS if export
                               else FIXED_ITEM_DEFAULTS).items()}
    # Freight and insurance fee: the office's default when the file has no column for them.
    fallbacks |= {k: str((settings or {}).get(key) or value)
                  for k, (key, value) in ABSENT_COLUMN_DEFAULTS.items() if k not in fields}
    return FilePreview(
        headers=table.headers, header_row=table.header_row, sheet=table.sheet,
        sheet_names=table.sheet_names, encoding=table.encoding, plan=plan, samples=samples,
        rows=tuple((n, tuple(cell_text(v) for v in r)) for n, r in first),
        errors=tuple(sorted(errors, key=lambda e: e.row)), missing_required=missing,
        fallbacks=fallbacks)
