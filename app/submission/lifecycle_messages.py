"""Build CEB623 (撤销申请单, cancellation) and CEB625 (退货申请单, return) messages.

Same core as the inventory messages (app.submission.ceb): element order and required elements
are read from the official schema, values formatted the CEB way, and every message is checked
against the schema (Signature optional: the customs client signs) before it is returned.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any, Literal

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
    InventoryProblem,
    MessageBuildError,
    Spec,
    fill,
    format_value,
    new_guid,
    tag,
)
from app.submission.xsd import CEB_NS, MAX_INVENTORIES_PER_MESSAGE

RequestKind = Literal["cancel", "return"]
ROOT: dict[RequestKind, str] = {"cancel": "CEB623Message", "return": "CEB625Message"}
# Head fields customs requires that come from the declaration (the rest is filled here).
HEAD_FROM_DECLARATION = (
    "customsCode", "orderNo", "ebpCode", "ebpName", "ebcCode", "ebcName", "logisticsNo",
    "logisticsCode", "logisticsName", "copNo", "preNo", "invtNo", "buyerIdType",
    "buyerIdNumber", "buyerName", "buyerTelephone", "agentCode", "agentName")
_NSMAP = {"ceb": CEB_NS}


@dataclass(frozen=True)
class RequestInput:
    """One declaration to cancel or return: its head and (returns) items, by CEB names."""

    head: Mapping[str, Any]
    reason: str
    items: Sequence[Mapping[str, Any]] = ()


@cache
def _specs(element: str) -> tuple[Spec, ...]:
    return tuple((c.name, tag(c.name), c.min_occurs > 0) for c in xsd.sequence("I", element))


def _head(request: RequestInput, when: str) -> dict[str, Any]:
    head = {k: request.head.get(k) for k in HEAD_FROM_DECLARATION}
    head.update(guid=new_guid(), appType=APP_TYPE_NEW, appTime=when,
                appStatus=APP_STATUS_DECLARE, reason=request.reason)
    return head


def build_request_message(kind: RequestKind, requests: Sequence[RequestInput],
                          transfer: BaseTransfer, *, app_time: datetime | None = None,
                          guid: str | None = None) -> BuiltMessage:
    """One CEB623Message (cancel) or CEB625Message (return) for 1..100 declarations.

    The returned `inventories` carry each request's copNo and guid. Raises MessageBuildError
    when a limit is exceeded or the message fails the official schema.
    """
    if not requests:
        raise MessageBuildError(N_("A message needs at least one declaration."))
    if len(requests) > MAX_INVENTORIES_PER_MESSAGE:
        raise MessageBuildError(
            N_("A message holds at most {limit} declarations, got {count}."),
            limit=MAX_INVENTORIES_PER_MESSAGE, count=len(requests))
    when = format_value(app_time or beijing_now())
    root_name = ROOT[kind]
    msg_guid = (guid or new_guid()).upper()
    root = etree.Element(tag(root_name), nsmap=_NSMAP)
    root.set("guid", msg_guid)
    root.set("version", MESSAGE_VERSION)
    sub = etree.SubElement
    built: list[BuiltInventory] = []
    for request in requests:
        head = _head(request, when)
        if kind == "cancel":
            fill(sub(root, tag("InvtCancel")), _specs("InvtCancel"), head)
        else:
            node = sub(root, tag("InvtRefund"))
            fill(sub(node, tag("InvtRefundHead")), _specs("InvtRefundHead"), head)
            for n, item in enumerate(request.items, start=1):
                values = item if item.get("gnum") else {**item, "gnum": n}
                fill(sub(node, tag("InvtRefundList")), _specs("InvtRefundList"), values)
        built.append(BuiltInventory(str(head.get("copNo") or ""), head["guid"], APP_TYPE_NEW))
    fill(sub(root, tag("BaseTransfer")), _specs("BaseTransfer"), transfer.as_dict())
    _check(root, built)
    xml = etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)
    return BuiltMessage(root_name, msg_guid, xml, tuple(built))


def _check(root: etree._Element, built: Sequence[BuiltInventory]) -> None:
    problems = xsd.validate(root, "I")
    if not problems:
        return
    # Which declaration: the schema error's line falls in its part of the pretty message.
    located = [InventoryProblem("", f"line {p.line}: {p.message}") for p in problems]
    if len(built) == 1:
        located = [InventoryProblem(built[0].copNo, p.message) for p in problems]
    raise MessageBuildError(
        N_("The message does not pass the customs schema check: {details}"), located)
