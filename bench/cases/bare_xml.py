"""What a hand-written lxml exporter does, shared by the message benches' `bare` sides: a
message root, children with str() values in the XSD's order, the transfer block, validation
and serialisation."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from lxml import etree

from app.submission import specimen as sp
from app.submission.xsd import CEB_NS

NS = "{" + CEB_NS + "}"
FIXED = {"guid": "4CDE1CFD-EDED-46B1-946C-B8022E42FC94", "appType": "1",
         "appTime": "20261125093000", "appStatus": "2"}


def message_root(name: str) -> etree._Element:
    root = etree.Element(NS + name, nsmap={"ceb": CEB_NS})
    root.set("guid", FIXED["guid"])
    root.set("version", "1.0")
    return root


def fill(parent: etree._Element, names: Iterable[str], values: Mapping[str, Any],
         fixed: Mapping[str, Any] = FIXED) -> None:
    """One child per name with a value (from `values`, else `fixed`), in the given order."""
    for name in names:
        v = values.get(name, fixed.get(name))
        if v is not None:
            etree.SubElement(parent, NS + name).text = str(v)


def finish(root: etree._Element, schema: etree.XMLSchema) -> int:
    """Add the transfer block, validate, serialise: the bytes a message file would hold."""
    bt = etree.SubElement(root, NS + "BaseTransfer")
    for k, v in sp.SPECIMEN_TRANSFER.as_dict().items():
        if v:
            etree.SubElement(bt, NS + k).text = v
    if not schema.validate(root):
        raise AssertionError(str(schema.error_log))
    return len(etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True))
