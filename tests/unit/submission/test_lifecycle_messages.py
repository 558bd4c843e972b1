"""CEB623 (cancellation) and CEB625 (return): built from the schema, valid against it."""

from __future__ import annotations

from datetime import datetime

import pytest
from lxml import etree

from app.submission import specimen as s
from app.submission import xsd
from app.submission.ceb import MessageBuildError
from app.submission.lifecycle_messages import RequestInput, build_request_message
from app.submission.xsd import CEB_NS
from tests.unit.submission.test_submission_ceb import children, official_schema_errors

NS = {"ceb": CEB_NS}
WHEN = datetime(2026, 11, 25, 9, 30)


def _request(n: int, items: int = 0) -> RequestInput:
    head = {**s.import_head(n), "invtNo": f"51412026I{n:09d}", "preNo": f"B20261125{n:09d}"}
    return RequestInput(head, "订购人取消订单", [s.import_item(i) for i in range(1, items + 1)])


@pytest.mark.parametrize(("kind", "root"), [("cancel", "CEB623Message"),
                                            ("return", "CEB625Message")])
def test_request_passes_the_official_schema_except_the_signature(kind: str, root: str) -> None:
    msg = build_request_message(kind, [_request(1, 2), _request(2, 1)],  # type: ignore[arg-type]
                                s.SPECIMEN_TRANSFER, app_time=WHEN)
    assert msg.message_type == root
    errors = official_schema_errors(msg.xml, "I")
    # Like CEB621, the published schema only misses the signature the customs client adds.
    assert len(errors) == 1 and "Signature" in errors[0]
    assert xsd.validate(etree.fromstring(msg.xml), "I") == []
    assert [i.copNo for i in msg.inventories] == [_request(1).head["copNo"],
                                                  _request(2).head["copNo"]]


def test_cancel_carries_reason_and_inventory_number_in_schema_order() -> None:
    msg = build_request_message("cancel", [_request(7)], s.SPECIMEN_TRANSFER, app_time=WHEN)
    doc = etree.fromstring(msg.xml)
    node = doc.find("ceb:InvtCancel", NS)
    assert node is not None
    assert node.findtext("ceb:reason", namespaces=NS) == "订购人取消订单"
    assert node.findtext("ceb:invtNo", namespaces=NS) == "51412026I000000007"
    assert node.findtext("ceb:appTime", namespaces=NS) == "20261125093000"
    expected = [c.name for c in xsd.sequence("I", "InvtCancel")]
    assert children(node) == [n for n in expected if n in children(node)]


def test_return_lists_the_items_returned() -> None:
    msg = build_request_message("return", [_request(3, 3)], s.SPECIMEN_TRANSFER, app_time=WHEN)
    doc = etree.fromstring(msg.xml)
    rows = doc.findall("ceb:InvtRefund/ceb:InvtRefundList", NS)
    assert [r.findtext("ceb:gnum", namespaces=NS) for r in rows] == ["1", "2", "3"]
    assert all(r.findtext("ceb:qty", namespaces=NS) for r in rows)


def test_missing_inventory_number_fails_the_schema_with_the_declaration_named() -> None:
    bad = RequestInput({**_request(4).head, "invtNo": None}, "x")
    with pytest.raises(MessageBuildError) as info:
        build_request_message("cancel", [bad], s.SPECIMEN_TRANSFER, app_time=WHEN)
    assert info.value.problems[0].copNo == bad.head["copNo"]
    assert "invtNo" in info.value.problems[0].message
