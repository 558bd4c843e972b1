"""Build receipt files (CEB622, CEB604, CEB624, CEB626, CEB900) as customs would: used by the
simulator and tests."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from lxml import etree

from app.submission import xsd
from app.submission.ceb import MESSAGE_VERSION, format_value, new_guid
from app.submission.receipts import MAX_RETURNS_PER_FILE
from app.submission.xsd import CEB_NS

_DIRECTION = {"CEB622": "I", "CEB604": "E", "CEB624": "I", "CEB626": "I", "CEB512": "I",
              "CEB514": "I", "CEB506": "E", "CEB508": "E", "CEB608": "E", "CEB510": "E",
              "CEB702": "E", "CEB606": "E", "CEB214": "E", "CEB216": "E"}
_NODE = {"CEB622": "InventoryReturn", "CEB604": "InventoryReturn",
         "CEB624": "InvtCancelReturn", "CEB626": "InvtRefundReturn",
         "CEB512": "LogisticsReturn", "CEB514": "LogisticsStatusReturn",
         "CEB506": "LogisticsReturn", "CEB508": "ArrivalReturn", "CEB608": "WayBillReturn",
         "CEB510": "DepartureReturn", "CEB702": "SummaryReturn",
         "CEB606": "InvtCancelReturn", "CEB214": "RefundReturn",
         "CEB216": "InvtRefundDetailReturn"}


def return_time(when: datetime) -> str:
    """`YYYYMMDDhhmmssSSS`, the receipt timestamp format."""
    return when.strftime("%Y%m%d%H%M%S") + f"{when.microsecond // 1000:03d}"


def build_inventory_receipt(kind: str, returns: Sequence[Mapping[str, Any]], *,
                            default_namespace: bool = False) -> bytes:
    """A CEB622 (kind "CEB622") or CEB604 ("CEB604") file with 1..100 InventoryReturn; or a
    CEB624 / CEB626 with InvtCancelReturn / InvtRefundReturn (same fields).

    `default_namespace` writes `xmlns="…"` instead of the `ceb:` prefix (both occur in real
    files; the official CEB622 sample uses the default namespace).
    """
    if not 1 <= len(returns) <= MAX_RETURNS_PER_FILE:
        raise ValueError(f"1..{MAX_RETURNS_PER_FILE} returns per receipt file")
    # Element order and required elements straight from the schema (CEB622 requires preNo).
    node_name = _NODE[kind]
    layout = xsd.sequence(_DIRECTION[kind], node_name)  # type: ignore[arg-type]
    nsmap = {None: CEB_NS} if default_namespace else {"ceb": CEB_NS}
    root = etree.Element(f"{{{CEB_NS}}}{kind}Message", nsmap=nsmap)  # type: ignore[dict-item]
    root.set("guid", new_guid())
    root.set("version", MESSAGE_VERSION)
    for values in returns:
        node = etree.SubElement(root, f"{{{CEB_NS}}}{node_name}")
        for spec in layout:
            text = format_value(values.get(spec.name))
            if text or spec.min_occurs:
                etree.SubElement(node, f"{{{CEB_NS}}}{spec.name}").text = text
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True))


def build_ceb900(original_guid: str, status: str, info: str, when: datetime, *,
                 ori_cop_msg_id: str = "", ori_message_type: str = "",
                 ori_biz_message: str = "") -> bytes:
    """A CEB900 format-check receipt; `status` < 0 means the message failed the check."""
    root = etree.Element(f"{{{CEB_NS}}}CEB900Message", nsmap={"ceb": CEB_NS})
    root.set("guid", new_guid())
    root.set("version", MESSAGE_VERSION)
    node = etree.SubElement(root, f"{{{CEB_NS}}}MessageReturn")
    for name, text in (("guid", original_guid), ("returnStatus", status),
                       ("returnInfo", info[:5000]), ("returnTime", return_time(when)),
                       ("oriCopMsgId", ori_cop_msg_id[:255]),
                       ("oriMessageType", ori_message_type[:15])):
        etree.SubElement(node, f"{{{CEB_NS}}}{name}").text = text
    biz = etree.SubElement(node, f"{{{CEB_NS}}}oriBizMessage")
    biz.text = etree.CDATA(ori_biz_message) if ori_biz_message else ""
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True))


def build_tax_bills(bills: Sequence[Mapping[str, Any]]) -> bytes:
    """A CEB816 electronic tax bill file: each bill is its TaxHeadRd values plus `lines`
    (TaxListRd values: gnum, gcode, taxPrice, customsTax, valueAddedTax, consumptionTax)."""
    root = _root("CEB816Message")
    head_layout = xsd.sequence("I", "TaxHeadRd")
    line_layout = xsd.sequence("I", "TaxListRd")
    for bill in bills:
        tax = etree.SubElement(root, f"{{{CEB_NS}}}Tax")
        _node(tax, "TaxHeadRd", head_layout, bill)
        for line in bill["lines"]:
            _node(tax, "TaxListRd", line_layout, line)
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True))


def build_tax_statuses(statuses: Sequence[Mapping[str, Any]]) -> bytes:
    """A CEB818 tax bill status file (TaxHeadStatus values per bill)."""
    root = _root("CEB818Message")
    layout = xsd.sequence("I", "TaxHeadStatus")
    for values in statuses:
        _node(etree.SubElement(root, f"{{{CEB_NS}}}Tax"), "TaxHeadStatus", layout, values)
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True))


def build_summary_results(results: Sequence[Mapping[str, Any]]) -> bytes:
    """A CEB792 summary result file: each result is its SummaryResultHead values plus `lines`
    (SummaryResultList values: invtNo, logisticsNo, gseqno, gnum, gcode)."""
    root = _root("CEB792Message")
    head_layout = xsd.sequence("E", "SummaryResultHead")
    line_layout = xsd.sequence("E", "SummaryResultList")
    for result in results:
        node = etree.SubElement(root, f"{{{CEB_NS}}}SummaryResult")
        _node(node, "SummaryResultHead", head_layout, result)
        for line in result["lines"]:
            _node(node, "SummaryResultList", line_layout, line)
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True))


def _root(name: str) -> etree._Element:
    root = etree.Element(f"{{{CEB_NS}}}{name}", nsmap={"ceb": CEB_NS})
    root.set("guid", new_guid())
    root.set("version", MESSAGE_VERSION)
    return root


def _node(parent: etree._Element, name: str, layout: Sequence[xsd.ChildSpec],
          values: Mapping[str, Any]) -> None:
    node = etree.SubElement(parent, f"{{{CEB_NS}}}{name}")
    for spec in layout:
        text = format_value(values.get(spec.name))
        if text or spec.min_occurs:
            etree.SubElement(node, f"{{{CEB_NS}}}{spec.name}").text = text
