"""File → mapped, normalised, grouped orders: the database-free half of an import."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from app.domain.clock import beijing_now
from app.domain.errors import ValidationError
from app.i18n import N_
from app.intake.codes import CodeLookup, reference_lookup
from app.intake.grouping import OrderGroup, OrderGrouper
from app.intake.limits import DEFAULT_LIMITS, ReadLimits
from app.intake.mapping import ColumnPlan, MappingSpec, plan_columns
from app.intake.readers import open_table
from app.intake.rowerrors import RowError
from app.intake.rows import NormalisedRow, RowNormaliser
from app.intake.table import Table
from app.reference.tables import shipped_reference_tables

MSG_NOTHING_MAPPED = N_(
    "No column of “{name}” matches a known field (order number, waybill number, goods …). "
    "Choose the header row or give a mapping."
)
MSG_NO_KEY_COLUMN = N_(
    "“{name}” has no order number or waybill number column; map one of them."
)


@dataclass
class ImportCounts:
    rows: int = 0
    rejected_rows: int = 0
    orders: int = 0
    rejected_orders: int = 0
    items: int = 0


@dataclass
class OrderStream:
    """An opened, mapped file: its table, column plan and a one-shot stream of groups.

    Iterate `groups()` once; `counts` and `errors` fill up while iterating.
    """

    table: Table
    plan: ColumnPlan
    normaliser: RowNormaliser
    window: int
    held: Mapping[str, int] = field(default_factory=dict)  # see OrderGrouper
    counts: ImportCounts = field(default_factory=ImportCounts)
    errors: list[RowError] = field(default_factory=list)
    rows_read: int = 0
    sum_weights: bool = False
    summed_orders: int = 0  # orders whose lines' weights were added up
    max_errors: int = DEFAULT_LIMITS.max_errors  # errors kept; the rest only counted
    more_errors: int = 0

    def normalised_rows(self) -> Iterator[NormalisedRow]:
        for number, cells in self.table.rows:
            self.rows_read += 1
            yield self.normaliser.normalise(number, cells)

    def groups(self) -> Iterator[OrderGroup]:
        grouper = OrderGrouper(self.window, self.held, sum_weights=self.sum_weights)
        for row in self.normalised_rows():
            if row.skipped:
                continue
            self.counts.rows += 1
            for group in grouper.feed(row):
                yield self._count(group)
        for group in grouper.flush():
            yield self._count(group)

    def _count(self, group: OrderGroup) -> OrderGroup:
        if group.rejected:
            self.counts.rejected_rows += len(group.rows)
            self.counts.rejected_orders += 0 if group.continuation else 1
            self._keep(group.errors)
        else:
            self.counts.orders += 0 if group.continuation else 1
            self.counts.items += len(group.items)
            self.summed_orders += 1 if group.summed and not group.continuation else 0
        return group

    def reject(self, group: OrderGroup, error: RowError) -> None:
        """Reject an already counted group after a database check failed."""
        if not group.rejected:
            self.counts.orders -= 0 if group.continuation else 1
            self.counts.items -= len(group.items)
            self.counts.rejected_rows += len(group.rows)
            self.counts.rejected_orders += 0 if group.continuation else 1
            self.summed_orders -= 1 if group.summed and not group.continuation else 0
        else:
            self.errors[:] = [e for e in self.errors if e.row not in set(group.rows)]
        group.reject(error)
        self._keep(group.errors)

    def _keep(self, errors: list[RowError]) -> None:
        room = max(0, self.max_errors - len(self.errors))
        self.errors.extend(errors[:room])
        self.more_errors += max(0, len(errors) - room)


def open_orders(path: Path, spec: MappingSpec | None = None, *,
                lookup: CodeLookup | None = None, settings: Mapping[str, Any] | None = None,
                limits: ReadLimits = DEFAULT_LIMITS, window: int = 10_000,
                sheet: str | int | None = None,
                held: Mapping[str, int] | None = None) -> OrderStream:
    """Open `path`, plan its columns and prepare the row → order stream.

    `sheet` (name or 0-based index) overrides the mapping's sheet; `lookup` defaults to the
    shipped reference tables; `held` names orders to keep whole (key → last row number)
    however far apart their rows are. Raises ValidationError for unreadable files and files where no
    order/waybill column can be found.
    """
    if lookup is None:
        lookup = reference_lookup(shipped_reference_tables())
    spec = spec or MappingSpec()
    table = open_table(path, sheet=sheet if sheet is not None else spec.sheet_index_or_name,
                       header_row=spec.header_row, encoding=spec.encoding, limits=limits)
    plan = plan_columns(table.headers, spec)
    fields = plan.fields()
    if not fields:
        raise ValidationError(MSG_NOTHING_MAPPED, name=path.name)
    defaults = dict(spec.defaults)
    if not ({"orderNo", "logisticsNo"} & (fields | set(defaults))):
        raise ValidationError(MSG_NO_KEY_COLUMN, name=path.name)
    normaliser = RowNormaliser(plan, lookup, defaults, settings, direction=spec.direction,
                               today=f"{beijing_now():%Y%m%d}")
    return OrderStream(table, plan, normaliser, window, dict(held or {}),
                       sum_weights=spec.sum_weights, max_errors=limits.max_errors)


def read_all(path: Path, spec: MappingSpec | None = None, **kwargs: Any) -> tuple[
        OrderStream, list[OrderGroup]]:
    """Every group of a (small) file at once: for previews and tests."""
    stream = open_orders(path, spec, **kwargs)
    return stream, list(stream.groups())
