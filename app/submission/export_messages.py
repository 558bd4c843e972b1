"""Build the export chain's messages (9610): CEB505 waybill, CEB507 arrival (运抵单), CEB607
master-bill list (清单总分单), CEB509 departure (离境单), CEB605 cancellation, CEB213 return,
CEB215 return tally (退货理货), CEB701 summary application (汇总申请单).

Same core as the inventory messages (app.submission.ceb): element order and the elements that
must be present come from the official export schema, values are formatted the CEB way, and
every message is checked against that schema before it is returned. A failure names the part
(batch copNo or waybill number) and the schema's complaint.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from copy import deepcopy
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from lxml import etree

from app.domain.clock import beijing_now
from app.i18n import N_
from app.submission import xsd
from app.submission.ceb import (
    APP_STATUS_DECLARE,
    APP_TYPE_NEW,
    MESSAGE_VERSION,
    BaseTransfer,
    BuiltInventory,
    BuiltMessage,
    FieldError,
    InventoryProblem,
    MessageBuildError,
    element_specs,
    fill,
    format_value,
    new_guid,
    tag,
)
from app.submission.xsd import CEB_NS, MAX_INVENTORIES_PER_MESSAGE


@dataclass(frozen=True)
class Layout:
    node: str  # the business node under the root (one per part)
    head: str | None  # its head element (None: the node holds the fields itself)
    lines: str | None  # its repeated list element


LAYOUTS: dict[str, Layout] = {
    "CEB505Message": Layout("Logistics", None, None),
    "CEB507Message": Layout("Arrival", "ArrivalHead", "ArrivalList"),
    "CEB607Message": Layout("WayBill", "WayBillHead", "WayBillList"),
    "CEB509Message": Layout("Departure", "DepartureHead", "DepartureList"),
    "CEB605Message": Layout("InvtCancel", None, None),
    "CEB213Message": Layout("InvtRefund", "InvtRefundHead", "InvtRefundList"),
    "CEB215Message": Layout("InvtRefundDetail", None, None),
    "CEB701Message": Layout("SummaryApply", "SummaryApplyHead", "SummaryApplyList"),
}
_NSMAP = {"ceb": CEB_NS}


@dataclass(frozen=True)
class Part:
    """One business node: head values (CEB names) and its list lines; `name` identifies it
    in errors (copNo, waybill number)."""

    head: Mapping[str, Any]
    lines: Sequence[Mapping[str, Any]] = ()
    name: str = ""


def build_export_message(root_name: str, parts: Sequence[Part], transfer: BaseTransfer, *,
                         app_time: datetime | None = None, guid: str | None = None,
                         validate: bool = True) -> BuiltMessage:
    """One `root_name` message (a key of LAYOUTS) holding 1..100 parts.

    Each head gets a fresh guid, appType 1 (new, unless given), appTime and appStatus 2; list
    lines are numbered (gnum) from 1. The returned `inventories` carry each part's name and
    guid. Raises MessageBuildError when a limit is exceeded or the message fails the schema.
    """
    if not parts:
        raise MessageBuildError(N_("A message needs at least one declaration."))
    if len(parts) > MAX_INVENTORIES_PER_MESSAGE:
        raise MessageBuildError(
            N_("A message holds at most {limit} declarations, got {count}."),
            limit=MAX_INVENTORIES_PER_MESSAGE, count=len(parts))
    layout = LAYOUTS[root_name]
    when = format_value(app_time or beijing_now())
    msg_guid = (guid or new_guid()).upper()
    root = etree.Element(tag(root_name), nsmap=_NSMAP)
    root.set("guid", msg_guid)
    root.set("version", MESSAGE_VERSION)
    sub = etree.SubElement
    head_specs = element_specs("E", layout.head or layout.node)
    line_specs = element_specs("E", layout.lines) if layout.lines else ()
    line_tag = tag(layout.lines) if layout.lines else ""
    built: list[BuiltInventory] = []
    for part in parts:
        head = {**part.head, "guid": part.head.get("guid") or new_guid(),
                "appType": part.head.get("appType") or APP_TYPE_NEW, "appTime": when,
                "appStatus": APP_STATUS_DECLARE}
        node = sub(root, tag(layout.node))
        try:
            fill(sub(node, tag(layout.head)) if layout.head else node, head_specs, head)
            for n, line in enumerate(part.lines, start=1):
                fill(sub(node, line_tag), line_specs,
                     line if line.get("gnum") else {**line, "gnum": n})
        except FieldError as exc:
            raise MessageBuildError(
                N_("{name}: field {field} cannot be written into a customs message ({value})."),
                name=part.name or str(head.get("copNo") or ""), field=exc.name,
                value=repr(exc.value)[:60]) from exc
        built.append(BuiltInventory(part.name or str(head.get("copNo") or ""), head["guid"],
                                    head["appType"]))
    fill(sub(root, tag("BaseTransfer")), element_specs("E", "BaseTransfer"), transfer.as_dict())
    if validate:
        check(root, built)
    xml = etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)
    return BuiltMessage(root_name, msg_guid, xml, tuple(built))


def check(root: etree._Element, built: Sequence[BuiltInventory]) -> None:
    """Raise MessageBuildError naming each part of `root` that fails the export schema."""
    schema = xsd.message_schema("E")
    if schema.validate(root):
        return
    errors = [xsd.short_message(e.message) for e in schema.error_log]
    # Which part: validate each business node on its own (failure path only).
    problems: list[InventoryProblem] = []
    nodes = [n for n in root if etree.QName(n).localname in {lay.node for lay in LAYOUTS.values()}]
    for part, node in zip(built, nodes, strict=False):
        if not schema.validate(deepcopy(node)):
            problems.extend(InventoryProblem(part.copNo, xsd.short_message(e.message))
                            for e in schema.error_log)
    if not problems:
        problems = [InventoryProblem("", e) for e in errors]
    raise MessageBuildError(
        N_("The message does not pass the customs schema check: {details}"), problems)
