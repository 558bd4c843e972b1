"""Build CEB621 (import) and CEB603 (export) inventory messages from plain dicts.

Input is keyed by CEB element names (`orderNo`, `gcode` …, see app.domain.fields). Element
order, and which empty elements must still be present, come from the official schema
(app.submission.xsd), so a message is laid out exactly as customs' schema check expects.
Every message is validated against that schema before it is returned.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping, Sequence
from copy import deepcopy
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from functools import cache
from typing import Any

from lxml import etree

from app.domain.clock import beijing_now
from app.domain.errors import ValidationError
from app.i18n import N_, Message
from app.rules.context import label
from app.rules.textrules import CONTROL_RE, character_name
from app.submission import xsd
from app.submission.xsd import CEB_NS, MAX_INVENTORIES_PER_MESSAGE, Direction

APP_TYPE_NEW = "1"
APP_TYPE_AMENDMENT = "2"
APP_STATUS_DECLARE = "2"
MESSAGE_VERSION = "1.0"
_NSMAP = {"ceb": CEB_NS}


def new_guid() -> str:
    """A CEB guid: 36-character UUID in upper case, as the spec requires."""
    return str(uuid.uuid4()).upper()


@dataclass(frozen=True)
class BaseTransfer:
    """The sender block; values come from the broker settings."""

    copCode: str
    copName: str
    dxpId: str
    dxpMode: str = "DXP"
    note: str = ""

    @classmethod
    def from_settings(cls, settings: Mapping[str, Any]) -> BaseTransfer:
        """From broker settings; `copCode`/`copName` fall back to the agent's code and name."""
        cop_code = str(settings.get("copCode") or settings.get("agentCode") or "")
        cop_name = str(settings.get("copName") or settings.get("agentName") or "")
        dxp_id = str(settings.get("dxpId") or "")
        missing = [n for n, v in (("copCode", cop_code), ("copName", cop_name),
                                  ("dxpId", dxp_id)) if not v]
        if missing:
            raise ValidationError(
                N_("Broker settings are incomplete for sending: {fields}"),
                fields=", ".join(missing),
            )
        return cls(cop_code, cop_name, dxp_id, str(settings.get("dxpMode") or "DXP"))

    def as_dict(self) -> dict[str, str]:
        return {"copCode": self.copCode, "copName": self.copName, "dxpMode": self.dxpMode,
                "dxpId": self.dxpId, "note": self.note}


@dataclass(frozen=True)
class InventoryInput:
    """One declaration: head fields and its items, keyed by CEB names."""

    head: Mapping[str, Any]
    items: Sequence[Mapping[str, Any]]


@dataclass(frozen=True)
class BuiltInventory:
    copNo: str
    guid: str
    appType: str


@dataclass(frozen=True)
class BuiltMessage:
    message_type: str  # "CEB621Message" / "CEB603Message"
    guid: str
    xml: bytes
    inventories: tuple[BuiltInventory, ...]


@dataclass(frozen=True)
class InventoryProblem:
    copNo: str
    message: str


class MessageBuildError(ValidationError):
    """A message cannot be built or does not pass the official schema."""

    def __init__(self, msgid: str, problems: Iterable[InventoryProblem] = (), **params: Any):
        self.problems: tuple[InventoryProblem, ...] = tuple(problems)
        if self.problems and "details" not in params:
            params["details"] = "; ".join(f"{p.copNo}: {p.message}" for p in self.problems[:10])
        super().__init__(msgid, **params)


def format_value(value: Any) -> str:
    """CEB text for a value: Decimal without exponent or trailing zeros, dates as digits."""
    if value is None:
        return ""
    if isinstance(value, bool):
        raise TypeError("booleans have no CEB representation")
    if isinstance(value, Decimal):
        text = format(value, "f")
        if "." in text:
            text = text.rstrip("0").rstrip(".")
        return "0" if text in ("-0", "") else text
    if isinstance(value, float):
        raise TypeError("money and quantities must be Decimal, not float")
    if isinstance(value, datetime):
        return value.strftime("%Y%m%d%H%M%S")
    if isinstance(value, date):
        return value.strftime("%Y%m%d")
    return str(value)


# (element name, qualified tag, required) in schema order, per part of the message.
Spec = tuple[str, str, bool]


@dataclass(frozen=True)
class _Layout:
    head: tuple[Spec, ...]
    item: tuple[Spec, ...]
    transfer: tuple[Spec, ...]


def _specs(direction: Direction, element: str) -> tuple[Spec, ...]:
    return tuple((c.name, tag(c.name), c.min_occurs > 0)
                 for c in xsd.sequence(direction, element))


def tag(name: str) -> str:
    """The qualified (namespaced) tag of a CEB element."""
    return f"{{{CEB_NS}}}{name}"


@cache
def element_specs(direction: Direction, element: str) -> tuple[Spec, ...]:
    """`fill`'s layout of the global element `element` of the import (I) or export (E)
    schema: its children in schema order, with whether each is required."""
    return _specs(direction, element)


@cache
def _layout(direction: Direction) -> _Layout:
    return _Layout(_specs(direction, "InventoryHead"), _specs(direction, "InventoryList"),
                   _specs(direction, "BaseTransfer"))


class FieldError(Exception):
    """A value lxml or the formatter refused; build_message names its declaration."""

    def __init__(self, name: str, value: Any) -> None:
        super().__init__(name)
        self.name = name
        self.value = value


def fill(parent: etree._Element, specs: Sequence[Spec], values: Mapping[str, Any]) -> None:
    """Append the children `specs` names to `parent`, text from `values` (CEB formatting);
    a required element without a value is written empty, an optional one left out."""
    # The hot loop of message building: strings pass through, the rest is formatted.
    sub = etree.SubElement
    get = values.get
    name = ""
    try:
        for name, tag, required in specs:
            value = get(name)
            if value is None:
                if required:
                    sub(parent, tag).text = ""
                continue
            text = value if type(value) is str else format_value(value)
            if text or required:
                sub(parent, tag).text = text
    except (ValueError, TypeError) as exc:  # control characters, floats, booleans
        raise FieldError(name, get(name)) from exc


def _field_error(head: Mapping[str, Any], error: FieldError,
                 gnum: int | None) -> MessageBuildError:
    value = error.value
    bad = CONTROL_RE.search(value) if isinstance(value, str) else None
    reason = (Message(N_("it holds the control character {char}"),
                      {"char": character_name(bad.group())})
              if bad is not None else Message(N_("its value cannot be written as text")))
    return MessageBuildError(
        N_("Declaration {copNo} (order {orderNo}) cannot be built into a customs message: "
           "field {field} ({name}){item} is refused, {reason}. Run the pre-check and correct "
           "it."),
        copNo=str(head.get("copNo") or ""), orderNo=str(head.get("orderNo") or ""),
        field=label(error.name, "head" if gnum is None else "item"), name=error.name,
        reason=reason,
        item=Message(N_(" of item {gnum}"), {"gnum": gnum}) if gnum is not None else "")


def prepare_head(head: Mapping[str, Any], direction: Direction, app_time: datetime | str,
                 app_type: str | None = None) -> dict[str, Any]:
    """The head as it will be sent: guid, appType, appTime, appStatus, ieFlag filled in."""
    out = dict(head)
    out["guid"] = str(out.get("guid") or new_guid()).upper()
    out["appType"] = app_type or str(out.get("appType") or APP_TYPE_NEW)
    when = app_time if isinstance(app_time, str) else format_value(app_time)
    out["appTime"] = when
    out["appStatus"] = APP_STATUS_DECLARE
    out["ieFlag"] = direction
    if direction == "I" and not out.get("declTime"):
        out["declTime"] = when[:8]
    return out


def build_message(direction: Direction, inventories: Sequence[InventoryInput],
                  transfer: BaseTransfer, *, app_time: datetime | None = None,
                  guid: str | None = None, validate: bool = True) -> BuiltMessage:
    """One CEB621Message (I) or CEB603Message (E) holding 1..100 inventories.

    Raises MessageBuildError when a limit is exceeded or the result fails the schema.
    """
    if not inventories:
        raise MessageBuildError(N_("A message needs at least one declaration."))
    if len(inventories) > MAX_INVENTORIES_PER_MESSAGE:
        raise MessageBuildError(
            N_("A message holds at most {limit} declarations, got {count}."),
            limit=MAX_INVENTORIES_PER_MESSAGE, count=len(inventories),
        )
    lay = _layout(direction)
    when_text = format_value(app_time or beijing_now())
    root_name = xsd.ROOT_ELEMENT[direction]
    msg_guid = (guid or new_guid()).upper()
    root = etree.Element(tag(root_name), nsmap=_NSMAP)
    root.set("guid", msg_guid)
    root.set("version", MESSAGE_VERSION)
    built: list[BuiltInventory] = []
    limit = xsd.max_items_per_inventory(direction)
    sub = etree.SubElement
    for inv in inventories:
        head = prepare_head(inv.head, direction, when_text)
        cop_no = str(head.get("copNo") or "")
        if not inv.items:
            raise MessageBuildError(N_("Declaration {copNo} has no items."), copNo=cop_no)
        if len(inv.items) > limit:
            raise MessageBuildError(
                N_("Declaration {copNo} has {count} items; customs accepts at most {limit} "
                   "per declaration. Split the order into several declarations."),
                copNo=cop_no, count=len(inv.items), limit=limit,
            )
        node = sub(root, tag("Inventory"))
        try:
            fill(sub(node, tag("InventoryHead")), lay.head, head)
        except FieldError as exc:
            raise _field_error(head, exc, None) from exc
        for n, item in enumerate(inv.items, start=1):
            values = item if item.get("gnum") else {**item, "gnum": n}
            try:
                fill(sub(node, tag("InventoryList")), lay.item, values)
            except FieldError as exc:
                raise _field_error(head, exc, values["gnum"]) from exc
        built.append(BuiltInventory(cop_no, head["guid"], head["appType"]))
    fill(sub(root, tag("BaseTransfer")), lay.transfer, transfer.as_dict())
    if validate:
        check_schema(root, direction)
    xml = etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)
    return BuiltMessage(root_name, msg_guid, xml, tuple(built))


def build_messages(direction: Direction, inventories: Sequence[InventoryInput],
                   transfer: BaseTransfer, *, app_time: datetime | None = None,
                   per_message: int = MAX_INVENTORIES_PER_MESSAGE,
                   validate: bool = True) -> list[BuiltMessage]:
    """Split `inventories` into as few messages as the 100-per-message limit allows."""
    per = max(1, min(per_message, MAX_INVENTORIES_PER_MESSAGE))
    when = app_time or beijing_now()
    return [
        build_message(direction, inventories[i:i + per], transfer, app_time=when,
                      validate=validate)
        for i in range(0, len(inventories), per)
    ]


def check_schema(root: etree._Element, direction: Direction) -> None:
    """Raise MessageBuildError naming each declaration whose part fails the schema."""
    problems = xsd.validate(root, direction)
    if not problems:
        return
    located = _locate_problems(root, direction)
    if not located:
        located = [InventoryProblem("", f"line {p.line}: {p.message}") for p in problems]
    raise MessageBuildError(
        N_("The message does not pass the customs schema check: {details}"), located
    )


def _locate_problems(root: etree._Element, direction: Direction) -> list[InventoryProblem]:
    # Only on the failure path: validate each global InventoryHead / InventoryList / BaseTransfer
    # on its own so the clerk learns which declaration and field is wrong.
    schema = xsd.message_schema(direction)
    ns = {"ceb": CEB_NS}
    out: list[InventoryProblem] = []
    for inv in root.iterfind("ceb:Inventory", ns):
        cop_no = inv.findtext("ceb:InventoryHead/ceb:copNo", default="", namespaces=ns)
        for part in inv:
            if not schema.validate(deepcopy(part)):
                out.extend(InventoryProblem(cop_no, xsd.short_message(e.message))
                           for e in schema.error_log)
    transfer = root.find("ceb:BaseTransfer", ns)
    if transfer is not None and not schema.validate(deepcopy(transfer)):
        out.extend(InventoryProblem("BaseTransfer", xsd.short_message(e.message))
                   for e in schema.error_log)
    return out
