"""Writing one chunk of order groups: new declarations through the bulk path, editable
existing ones updated (audited), frozen ones counted as duplicates, waybill clashes rejected.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from app.catalogue.fill import fill_declarations
from app.catalogue.store import CatalogueMatcher
from app.db.bulk import insert_declarations
from app.i18n import N_, Message
from app.intake.grouping import OrderGroup
from app.intake.mapping import WEIGHT_FIELDS
from app.intake.pipeline import OrderStream
from app.intake.rowerrors import RowError
from app.intake.store import (
    UPDATABLE_STATUSES,
    Existing,
    add_items,
    add_weights,
    find_by_order,
    find_by_waybill,
    load_heads,
    max_gnum,
    replace_declarations,
)
from app.precheck.built import BuiltDeclarations
from app.security.audit import AuditRecord, record_events
from app.security.context import Actor

MSG_WAYBILL_IN_DB = N_("Waybill number already used by order {other} (declaration {id})")
MSG_CONFLICT_STORED = N_("Differs from the value already imported for this order: “{other}”")
# Keyed by the direction the order already has in the database.
MSG_OTHER_DIRECTION = {
    "I": N_("Order {other} is already an import declaration (declaration {id}); this file is "
            "read as export: import it as import, or change the order number"),
    "E": N_("Order {other} is already an export declaration (declaration {id}); this file is "
            "read as import: import it as export, or change the order number")}
MSG_ORDER_REJECTED = N_("Not imported: earlier rows of the same order were rejected")


class DeclarationWriter:
    """Accumulates what one import did; `write()` handles one chunk of groups."""

    def __init__(self, session: Session, actor: Actor, job_id: int, stream: OrderStream,
                 built: BuiltDeclarations | None = None) -> None:
        self.session = session
        # The rows of the declarations created, for the pre-check in the same transaction.
        self.built = built
        self.actor = actor
        self.job_id = job_id
        self.stream = stream
        self.created_ids: list[int] = []
        self.updated_ids: list[int] = []
        self.duplicates = 0
        self.items = 0
        self.catalogue_filled = 0  # goods lines that got values from the goods catalogue
        self.catalogue = CatalogueMatcher()  # entries read so far, for the later chunks
        self.rejected_keys: set[str] = set()
        # Orders with a part rejected after an earlier part was accepted: key → the last row
        # of the order seen so far. The importer then imports again, keeping them whole.
        self.split_rejected: dict[str, int] = {}

    def write(self, groups: list[OrderGroup]) -> None:
        for g in groups:
            if g.rejected:
                if g.continuation and g.key not in self.rejected_keys:
                    self._split_rejected(g)
                self.rejected_keys.add(g.key)
            elif g.key in self.split_rejected:
                self._split_rejected(g)
        self.catalogue_filled += fill_declarations(
            self.session, [(g.head.get("ebcCode"), g.items) for g in groups if not g.rejected],
            self.catalogue)
        # Continuations (rows of an order that came back after it was written) go second,
        # so they find the declaration their first rows created in this same chunk.
        self._write([g for g in groups if not g.rejected and not g.continuation])
        later = []
        for g in groups:
            if g.continuation and not g.rejected:
                if g.key in self.rejected_keys:
                    self.stream.reject(g, RowError(g.rows[0], "", "", "",
                                                   Message(MSG_ORDER_REJECTED)))
                else:
                    later.append(g)
        self._write(later)

    def _write(self, ok: list[OrderGroup]) -> None:
        if not ok:
            return
        by_order = find_by_order(self.session, {
            (_s(g.head.get("ebpCode")), str(g.head["orderNo"]))
            for g in ok if g.head.get("orderNo")})
        by_waybill = find_by_waybill(self.session, {
            str(g.head["logisticsNo"]) for g in ok if g.head.get("logisticsNo")})
        new: list[OrderGroup] = []
        updates: list[tuple[Existing, OrderGroup]] = []
        appends: list[tuple[Existing, OrderGroup]] = []
        for g in ok:
            order, waybill = g.head.get("orderNo"), g.head.get("logisticsNo")
            match: Existing | None
            if order:
                match = by_order.get((_s(g.head.get("ebpCode")), str(order)))
            else:
                match = next(iter(by_waybill.get(str(waybill), [])), None)
            if waybill:
                others = [e for e in by_waybill.get(str(waybill), [])
                          if match is None or e.id != match.id]
                if others:
                    self._reject(g, "logisticsNo", str(waybill), Message(
                        MSG_WAYBILL_IN_DB, {"other": others[0].label, "id": others[0].id}))
                    continue
            had = "E" if match is not None and match.ieFlag == "E" else "I"
            if match is not None and had != g.head.get("ieFlag", "I"):
                self._reject(g, "orderNo", match.label, Message(
                    MSG_OTHER_DIRECTION[had],
                    {"other": match.label, "id": match.id}))
                continue
            if match is None:
                new.append(g)
            elif match.import_job_id == self.job_id:
                appends.append((match, g))  # rows of an order seen earlier in this file
            elif match.status in UPDATABLE_STATUSES:
                updates.append((match, g))
            else:
                self.duplicates += 1
        self._insert(new)
        self._update(updates)
        self._append(appends)

    def _reject(self, g: OrderGroup, field: str, value: str, message: Message) -> None:
        column = g.head_columns.get(field, "")
        self.stream.reject(g, RowError(g.row_of(field), column, field, value, message))
        if g.continuation and g.key not in self.rejected_keys:
            self._split_rejected(g)
        self.rejected_keys.add(g.key)

    def _split_rejected(self, g: OrderGroup) -> None:
        self.split_rejected[g.key] = max(self.split_rejected.get(g.key, 0), g.rows[-1])

    def _insert(self, groups: list[OrderGroup]) -> None:
        if not groups:
            return
        heads = [{**g.head, "import_job_id": self.job_id, "goods_total": _goods_total(g)}
                 for g in groups]
        ids = insert_declarations(self.session, heads, [g.items for g in groups],
                                  sink=None if self.built is None else self.built.add)
        self.created_ids.extend(ids)
        self.items += sum(len(g.items) for g in groups)

    def _update(self, pairs: list[tuple[Existing, OrderGroup]]) -> None:
        if not pairs:
            return
        before = load_heads(self.session, [e.id for e, _ in pairs])
        rows = [(e.id, {**g.head, "goods_total": _goods_total(g)}, g.items) for e, g in pairs]
        replace_declarations(self.session, rows, self.job_id)
        records = []
        for e, g in pairs:
            old = before.get(e.id, {})
            changes = {k: [_j(old.get(k)), _j(v)] for k, v in g.head.items()
                       if k in old and old.get(k) != v}
            records.append(AuditRecord("declaration.update", entity="declaration",
                                       entity_id=str(e.id), declaration_id=e.id,
                                       details={"import_job": self.job_id, "changes": changes,
                                                "items": len(g.items)},
                                       reason="import"))
        record_events(self.session, self.actor, records)
        self.updated_ids.extend(e.id for e, _ in pairs)
        self.items += sum(len(g.items) for _, g in pairs)

    def _append(self, pairs: list[tuple[Existing, OrderGroup]]) -> None:
        if not pairs:
            return
        stored = load_heads(self.session, [e.id for e, _ in pairs])
        if self.built is not None:  # written again: their kept rows are stale
            self.built.forget([e.id for e, _ in pairs])
        summed = WEIGHT_FIELDS if self.stream.sum_weights else frozenset()
        for e, g in pairs:
            head = stored.get(e.id, {})
            clash = next(((k, v) for k, v in g.head.items() if k in g.head_columns
                          and k not in summed
                          and head.get(k) is not None and head.get(k) != v), None)
            if clash is not None:
                k, v = clash
                self.stream.reject(g, RowError(
                    g.row_of(k), g.head_columns.get(k, ""), k, str(v),
                    Message(MSG_CONFLICT_STORED, {"other": str(head.get(k))})))
                if g.key not in self.rejected_keys:
                    self._split_rejected(g)
                self.rejected_keys.add(g.key)
                continue
            # One at a time: several continuations of one order may share a chunk.
            add_items(self.session, [(e.id, max_gnum(self.session, e.id), g.items)])
            self.items += len(g.items)
            weights: dict[str, Decimal] = {}
            for k in summed:
                w = g.head.get(k)
                if k in g.head_columns and isinstance(w, Decimal):
                    weights[k] = w
            if weights:
                add_weights(self.session, e.id, weights)


def _s(value: Any) -> str | None:
    return str(value) if value else None


def _j(value: Any) -> Any:
    return str(value) if isinstance(value, Decimal) else value


def _goods_total(g: OrderGroup) -> Decimal | None:
    total = Decimal(0)
    for item in g.items:
        value = item.get("totalPrice")
        if not isinstance(value, Decimal):
            return None
        total += value
    return total

