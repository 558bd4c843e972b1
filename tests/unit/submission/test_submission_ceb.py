"""CEB621/CEB603 messages: laid out and validated exactly as the official schema says."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from pathlib import Path

import pytest
from lxml import etree

from app.submission import ceb, xsd
from app.submission import specimen as s
from app.submission.ceb import InventoryInput, MessageBuildError
from app.submission.xsd import CEB_NS

REF = Path("/work/shared/reference/ceb-xsd")
SAMPLES = Path(__file__).parents[2] / "fixtures" / "submission"
NS = {"ceb": CEB_NS}


def official_schema_errors(xml: bytes, direction: str) -> list[str]:
    """Errors from the *unmodified* official XSD (as shipped in resources/)."""
    schema = etree.XMLSchema(xsd.schema_tree(direction))  # type: ignore[arg-type]
    schema.validate(etree.fromstring(xml))
    return [e.message for e in schema.error_log]


def children(node: etree._Element) -> list[str]:
    return [etree.QName(c).localname for c in node]


@pytest.mark.parametrize("direction", ["I", "E"])
def test_message_passes_official_schema_except_the_signature(direction: str) -> None:
    inv = s.import_inventory if direction == "I" else s.export_inventory
    msg = ceb.build_message(direction, [inv(1, 3), inv(2, 1)], s.SPECIMEN_TRANSFER)  # type: ignore[arg-type]
    errors = official_schema_errors(msg.xml, direction)
    if direction == "I":
        # The only thing the published CEB621 schema misses is the customs client's signature.
        assert len(errors) == 1 and "Signature" in errors[0]
    else:
        assert errors == []
    assert xsd.validate(etree.fromstring(msg.xml), direction) == []  # type: ignore[arg-type]


def test_head_and_item_order_is_the_schema_order() -> None:
    msg = ceb.build_message("I", [s.import_inventory(1, 2)], s.SPECIMEN_TRANSFER)
    root = etree.fromstring(msg.xml)
    head = root.find("ceb:Inventory/ceb:InventoryHead", NS)
    order = [c.name for c in xsd.sequence("I", "InventoryHead")]
    names = children(head)
    assert names == [n for n in order if n in names]
    assert names[:4] == ["guid", "appType", "appTime", "appStatus"]
    assert children(root) == ["Inventory", "BaseTransfer"]
    item = root.find("ceb:Inventory/ceb:InventoryList", NS)
    assert children(item)[:2] == ["gnum", "itemNo"]


def test_export_units_come_after_quantities() -> None:
    msg = ceb.build_message("E", [s.export_inventory(1)], s.SPECIMEN_TRANSFER)
    item = etree.fromstring(msg.xml).find("ceb:Inventory/ceb:InventoryList", NS)
    names = children(item)
    assert names.index("unit") > names.index("qty1")


def test_envelope_values() -> None:
    when = datetime(2026, 11, 25, 9, 30, 5)
    msg = ceb.build_message("I", [s.import_inventory(1)], s.SPECIMEN_TRANSFER, app_time=when)
    assert msg.xml.startswith(b"<?xml version='1.0' encoding='UTF-8'?>")
    root = etree.fromstring(msg.xml)
    assert root.get("guid") == msg.guid == msg.guid.upper() and len(msg.guid) == 36
    assert root.get("version") == "1.0"
    head = root.find("ceb:Inventory/ceb:InventoryHead", NS)
    assert head.findtext("ceb:appType", namespaces=NS) == "1"
    assert head.findtext("ceb:appStatus", namespaces=NS) == "2"
    assert head.findtext("ceb:appTime", namespaces=NS) == "20261125093005"
    assert head.findtext("ceb:ieFlag", namespaces=NS) == "I"
    assert head.findtext("ceb:guid", namespaces=NS) == msg.inventories[0].guid
    assert head.findtext("ceb:buyerName", namespaces=NS) == "王小明"
    assert head.findtext("ceb:freight", namespaces=NS) == "12.5"
    transfer = root.find("ceb:BaseTransfer", NS)
    assert children(transfer) == ["copCode", "copName", "dxpMode", "dxpId"]
    assert transfer.findtext("ceb:dxpMode", namespaces=NS) == "DXP"


def test_amendment_sets_app_type_2() -> None:
    head = s.import_head(1, appType=ceb.APP_TYPE_AMENDMENT)
    msg = ceb.build_message("I", [InventoryInput(head, [s.import_item()])], s.SPECIMEN_TRANSFER)
    assert msg.inventories[0].appType == "2"
    assert b"<ceb:appType>2</ceb:appType>" in msg.xml


def test_more_than_100_inventories_are_split() -> None:
    invs = [s.import_inventory(n) for n in range(1, 251)]
    msgs = ceb.build_messages("I", invs, s.SPECIMEN_TRANSFER)
    assert [len(m.inventories) for m in msgs] == [100, 100, 50]
    assert len({m.guid for m in msgs}) == 3
    assert [i.copNo for m in msgs for i in m.inventories] == [i.head["copNo"] for i in invs]
    with pytest.raises(MessageBuildError):
        ceb.build_message("I", invs[:101], s.SPECIMEN_TRANSFER)


def test_more_than_99_items_is_a_clear_error() -> None:
    with pytest.raises(MessageBuildError) as err:
        ceb.build_message("I", [s.import_inventory(7, items=100)], s.SPECIMEN_TRANSFER)
    assert "CD000000000007" in str(err.value) and "99" in str(err.value)
    ok = ceb.build_message("I", [s.import_inventory(7, items=99)], s.SPECIMEN_TRANSFER)
    assert ok.xml.count(b"<ceb:InventoryList>") == 99


def test_schema_failure_names_the_declaration_and_field() -> None:
    bad = InventoryInput(s.import_head(3, buyerName=""), [s.import_item(1, gcode="12")])
    with pytest.raises(MessageBuildError) as err:
        ceb.build_message("I", [s.import_inventory(1), bad], s.SPECIMEN_TRANSFER)
    problems = err.value.problems
    assert {p.copNo for p in problems} == {"CD000000000003"}
    text = " ".join(p.message for p in problems)
    assert "buyerName" in text and "gcode" in text


def test_missing_broker_settings_are_reported() -> None:
    with pytest.raises(ceb.ValidationError) as err:
        ceb.BaseTransfer.from_settings({"agentCode": "3101980001"})
    assert "copName" in str(err.value) and "dxpId" in str(err.value)


@pytest.mark.parametrize(("value", "text"), [
    (Decimal("179.80000"), "179.8"), (Decimal("100"), "100"), (Decimal("0.00"), "0"),
    (Decimal("1E+2"), "100"), (7, "7"), ("abc", "abc"), (None, ""),
])
def test_format_value(value: object, text: str) -> None:
    assert ceb.format_value(value) == text


def test_float_is_refused() -> None:
    with pytest.raises(TypeError):
        ceb.format_value(1.5)


@pytest.mark.skipif(not REF.is_dir(), reason="shared reference folder not present")
def test_shipped_schemas_are_the_official_ones() -> None:
    from app.paths import resource_path

    for name in ("ceb-import-business-202205.xsd", "ceb-export-business-202205.xsd",
                 "xmldsig-core-schema.xsd"):
        shipped = resource_path("ceb-xsd", name).read_bytes()
        assert shipped == (REF / name).read_bytes()


def test_official_import_sample_validates() -> None:
    doc = etree.parse(str(SAMPLES / "CEB621Message.sample-202205.xml"))
    assert xsd.validate(doc.getroot(), "I") == []


def test_a_control_character_names_the_declaration_and_field() -> None:
    # Issue 16: lxml's own "All strings must be XML compatible" named neither.
    bad = InventoryInput(s.import_head(5, buyerName="张\x1b[0m伟"), [s.import_item(1)])
    with pytest.raises(MessageBuildError) as err:
        ceb.build_message("I", [s.import_inventory(1), bad], s.SPECIMEN_TRANSFER)
    text = err.value.text("en")
    order = s.import_head(5)["orderNo"]
    assert "CD000000000005" in text and order in text
    assert "buyerName" in text and "U+001B" in text
    assert "控制字符" in err.value.text("zh_CN")
    item = InventoryInput(s.import_head(6), [s.import_item(1), s.import_item(2, gname="奶粉\x00")])
    with pytest.raises(MessageBuildError) as err:
        ceb.build_message("I", [item], s.SPECIMEN_TRANSFER)
    assert "gname" in err.value.text("en") and "item 2" in err.value.text("en")
