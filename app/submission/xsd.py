"""The official CEB schemas: loading, the element order they prescribe, and validation.

The XSDs ship in `resources/ceb-xsd/` (verbatim copies of the 202205 revision). Element order
and min/max occurrences are read from the schemas themselves, so the message builder can never
drift from what customs' schema check enforces.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Literal

from lxml import etree

from app.paths import resource_path

CEB_NS = "http://www.chinaport.gov.cn/ceb"
DS_NS = "http://www.w3.org/2000/09/xmldsig#"
XS_NS = "http://www.w3.org/2001/XMLSchema"

Direction = Literal["I", "E"]

SCHEMA_FILES: dict[Direction, str] = {
    "I": "ceb-import-business-202205.xsd",
    "E": "ceb-export-business-202205.xsd",
}
ROOT_ELEMENT: dict[Direction, str] = {"I": "CEB621Message", "E": "CEB603Message"}
RETURN_ROOT: dict[Direction, str] = {"I": "CEB622Message", "E": "CEB604Message"}
# Other messages we send whose schema requires the signature the customs client adds.
SIGNED_BY_CLIENT: dict[Direction, tuple[str, ...]] = {"I": ("CEB623Message", "CEB625Message")}


@dataclass(frozen=True)
class ChildSpec:
    """One child element of a schema sequence."""

    name: str
    min_occurs: int
    max_occurs: int | None  # None = unbounded


def _schema_parser() -> etree.XMLParser:
    # Our own shipped files, but parsed with the same caution as anything else.
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)


@cache
def schema_tree(direction: Direction) -> etree._ElementTree:
    """The parsed XSD document for import (I) or export (E), unmodified."""
    path = resource_path("ceb-xsd", SCHEMA_FILES[direction])
    return etree.parse(str(path), _schema_parser())


@cache
def message_schema(direction: Direction) -> etree.XMLSchema:
    """Schema used to validate our outbound messages before they are written.

    The CEB621 schema requires `ds:Signature` as the last child of CEB621Message. ClearDesk
    never signs: the customs client (holding the e-port IC card / UKey) adds the enveloped
    signature when it transmits the file. So we validate against the official schema with
    exactly that one element made optional (minOccurs="0", patched in memory on a copy of the
    tree); every other rule is enforced as published. CEB603 already has it optional. The same
    holds for the other messages we send (CEB623 cancellation, CEB625 return).
    """
    tree = schema_tree(direction)
    root = etree.fromstring(etree.tostring(tree), _schema_parser(), base_url=tree.docinfo.URL)
    xs = {"xs": XS_NS}
    for message in (ROOT_ELEMENT[direction], *SIGNED_BY_CLIENT.get(direction, ())):
        for ref in root.xpath(
            f"xs:element[@name='{message}']//xs:element[@ref='ds:Signature']", namespaces=xs
        ):
            ref.set("minOccurs", "0")
    return etree.XMLSchema(etree.ElementTree(root))


def _global_element(direction: Direction, name: str) -> etree._Element:
    found = schema_tree(direction).getroot().xpath(
        f"xs:element[@name='{name}']", namespaces={"xs": XS_NS}
    )
    if not found:
        raise LookupError(f"{name} not in {SCHEMA_FILES[direction]}")
    return found[0]  # type: ignore[no-any-return]


@cache
def sequence(direction: Direction, element: str) -> tuple[ChildSpec, ...]:
    """Children of the global element `element` in schema order (e.g. InventoryHead)."""
    node = _global_element(direction, element)
    out: list[ChildSpec] = []
    for child in node.xpath("xs:complexType/xs:sequence/xs:element", namespaces={"xs": XS_NS}):
        name = child.get("name") or child.get("ref", "").split(":")[-1]
        max_raw = child.get("maxOccurs", "1")
        out.append(
            ChildSpec(
                name=name,
                min_occurs=int(child.get("minOccurs", "1")),
                max_occurs=None if max_raw == "unbounded" else int(max_raw),
            )
        )
    return tuple(out)


def max_items_per_inventory(direction: Direction) -> int:
    """≤ 99 items per inventory: the import schema says 99; we hold export to the same."""
    return 99


MAX_INVENTORIES_PER_MESSAGE = 100


@dataclass(frozen=True)
class SchemaProblem:
    line: int
    message: str


def validate(doc: etree._Element, direction: Direction) -> list[SchemaProblem]:
    """Schema problems of a built message (empty list when valid)."""
    schema = message_schema(direction)
    if schema.validate(doc):
        return []
    return [SchemaProblem(e.line, short_message(e.message)) for e in schema.error_log]


def short_message(message: str) -> str:
    # lxml reports "Element '{http://www.chinaport.gov.cn/ceb}copNo': ..." - drop the namespace.
    return message.replace("{" + CEB_NS + "}", "")
