"""Grouping item rows into declarations by order number (or waybill number).

Streaming: groups stay open while rows of their order may still come; the least recently
touched groups are emitted once more than `window` rows are buffered, so memory stays bounded
on a million-row file. Rows of an order that come back after it was emitted form a
`continuation` group that the importer merges into the stored declaration.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal

from app.i18n import N_, Message
from app.intake.mapping import WEIGHT_FIELDS
from app.intake.rowerrors import RowError
from app.intake.rows import NormalisedRow, Value

MSG_CONFLICT = N_("Differs from row {other_row} of the same order, which has “{other}”")
MSG_WEIGHT_CONFLICT = N_(
    "Differs from row {other_row} of the same order, which has “{other}”. If each line "
    "carries its own weight, choose “add up the lines' weights” in the import wizard "
    "(mapping file: \"line_weights\": \"sum\")")
MSG_SIBLING = N_("Not imported: row {rows} of the same order has errors")
MSG_WAYBILL_TAKEN = N_("Waybill number already used by another order in row {other_row}")

@dataclass
class OrderGroup:
    """One declaration's worth of rows: head values, items in file order, row numbers."""

    key: str
    head: dict[str, Value] = field(default_factory=dict)
    head_rows: dict[str, int] = field(default_factory=dict)  # field → row, after the first
    first_row: int = 0
    head_columns: dict[str, str] = field(default_factory=dict)  # field → header it came from
    items: list[dict[str, Value]] = field(default_factory=list)
    rows: list[int] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    continuation: bool = False
    raw_rows: list[tuple[int, Sequence[object]]] = field(default_factory=list)
    # Weights on the lines are each line's own: add them up instead of requiring agreement.
    sum_weights: bool = False
    summed: bool = False  # weights of several lines were added up

    @property
    def rejected(self) -> bool:
        return bool(self.errors)

    def add(self, row: NormalisedRow) -> None:
        self.rows.append(row.row)
        self.raw_rows.append((row.row, row.raw))
        if row.errors:
            self.errors.extend(row.errors)
        if not self.items:
            self.head = row.head
            self.head_columns = row.columns
            self.first_row = row.row
            self.items.append(row.item)
            return
        head = self.head
        for name, value in row.head.items():
            have = head.get(name)
            if have is None:
                head[name] = value
                self.head_rows[name] = row.row
            elif self.sum_weights and name in WEIGHT_FIELDS and name in row.columns:
                if isinstance(have, Decimal) and isinstance(value, Decimal):
                    head[name] = have + value
                    self.summed = True
            elif have != value and name in row.columns:
                msgid = MSG_WEIGHT_CONFLICT if name in WEIGHT_FIELDS else MSG_CONFLICT
                self.errors.append(RowError(
                    row.row, row.columns[name], name, str(value),
                    Message(msgid, {"other_row": self.row_of(name), "other": str(have)})))
        self.items.append(row.item)

    def row_of(self, name: str) -> int:
        """The row a head field's value came from."""
        return self.head_rows.get(name, self.first_row)

    def finish(self) -> OrderGroup:
        """Number the items and explain the rejection of rows that have no error themselves."""
        for n, item in enumerate(self.items, start=1):
            item["gnum"] = n
        if self.errors:
            self._explain_siblings()
        return self

    def reject(self, error: RowError) -> None:
        """Reject a group that passed the file checks (e.g. its waybill is taken in the DB)."""
        self.errors = [e for e in self.errors if e.message.msgid != MSG_SIBLING]
        self.errors.append(error)
        self._explain_siblings()

    def _explain_siblings(self) -> None:
        bad_rows = sorted({e.row for e in self.errors})
        listed = ", ".join(str(r) for r in bad_rows[:10])
        for r in self.rows:
            if r not in bad_rows:
                self.errors.append(RowError(r, "", "", "",
                                            Message(MSG_SIBLING, {"rows": listed})))
        self.errors.sort(key=lambda e: e.row)
        order = self.head.get("orderNo")
        if order:
            self.errors = [e if e.order_no else replace(e, order_no=str(order))
                           for e in self.errors]


class OrderGrouper:
    """Feeds normalised rows in, yields finished OrderGroups (see module doc)."""

    def __init__(self, window: int = 10_000, held: Mapping[str, int] | None = None,
                 sum_weights: bool = False) -> None:
        self.window = window
        self.sum_weights = sum_weights
        # Orders kept whole until their last row (key → its row number), whatever the window:
        # orders known to be spread over the file whose parts would not all be accepted.
        self.held: Mapping[str, int] = held or {}
        self._held_open: dict[str, OrderGroup] = {}
        self._open: OrderedDict[str, OrderGroup] = OrderedDict()
        self._buffered = 0
        # Bookkeeping for every order of the file, kept small for million-row files: hashes
        # of emitted keys (a collision only costs a database lookup) and waybill → row.
        self._emitted: set[int] = set()
        self._waybills: dict[str, int] = {}

    def feed(self, row: NormalisedRow) -> Sequence[OrderGroup]:
        """Add a row; returns the groups that left the window (usually none)."""
        key = row.key
        if key is None:
            key = f"r\x1f{row.row}"  # a row with no key is rejected on its own
        if self.held and key in self.held:
            return self._feed_held(key, row)
        group = self._open.get(key)
        if group is None:
            group = OrderGroup(key, continuation=hash(key) in self._emitted,
                               sum_weights=self.sum_weights)
            self._open[key] = group
        else:
            self._open.move_to_end(key)
        group.add(row)
        self._buffered += 1
        if self._buffered <= self.window:
            return ()
        out = []
        while self._buffered > self.window and len(self._open) > 1:
            _, oldest = self._open.popitem(last=False)
            out.append(self._emit(oldest))
        return out

    def _feed_held(self, key: str, row: NormalisedRow) -> Sequence[OrderGroup]:
        group = self._held_open.get(key)
        if group is None:
            group = self._held_open[key] = OrderGroup(key, sum_weights=self.sum_weights)
        group.add(row)
        if row.row < self.held[key]:
            return ()
        del self._held_open[key]
        self._buffered += len(group.rows)  # _emit counts them out again
        return (self._emit(group),)

    def flush(self) -> Iterator[OrderGroup]:
        groups = sorted([*self._open.values(), *self._held_open.values()],
                        key=lambda g: g.rows[0])
        self._buffered += sum(len(g.rows) for g in self._held_open.values())
        self._open.clear()
        self._held_open.clear()
        for group in groups:
            yield self._emit(group)

    def _emit(self, group: OrderGroup) -> OrderGroup:
        self._buffered -= len(group.rows)
        self._emitted.add(hash(group.key))
        waybill = group.head.get("logisticsNo")
        # Continuations share their order's waybill; clashes with other orders already
        # written are caught by the importer's database check.
        if isinstance(waybill, str) and waybill and not group.errors and not group.continuation:
            owner = self._waybills.get(waybill)
            if owner is not None:
                group.errors.append(RowError(
                    group.row_of("logisticsNo"), group.head_columns.get("logisticsNo", ""),
                    "logisticsNo", waybill, Message(MSG_WAYBILL_TAKEN, {"other_row": owner})))
            else:
                self._waybills[waybill] = group.row_of("logisticsNo")
        return group.finish()


def group_rows(rows: Iterable[NormalisedRow], window: int = 10_000,
               sum_weights: bool = False) -> Iterator[OrderGroup]:
    """All groups of a row stream (skipped summary rows are dropped)."""
    grouper = OrderGrouper(window, sum_weights=sum_weights)
    for row in rows:
        if row.skipped:
            continue
        yield from grouper.feed(row)
    yield from grouper.flush()
