"""Parsing the new receipts (CEB512, CEB624, CEB626, CEB816, CEB818) with the same hardening."""

from __future__ import annotations

from decimal import Decimal

import pytest
from lxml import etree

from app.submission import xsd
from app.submission.receipt_builders import (
    build_inventory_receipt,
    build_tax_bills,
    build_tax_statuses,
)
from app.submission.receipts import ReceiptParseError, parse_receipt

RET = {"guid": "A" * 36, "copNo": "CD000000000001", "preNo": "B20261125000000001",
       "invtNo": "51412026I000000001", "returnStatus": "399",
       "returnTime": "20261125100000000", "returnInfo": "海关审结"}


@pytest.mark.parametrize("kind", ["CEB624", "CEB626"])
@pytest.mark.parametrize("default_ns", [False, True])
def test_request_receipts(kind: str, default_ns: bool) -> None:
    data = build_inventory_receipt(kind, [RET], default_namespace=default_ns)
    assert xsd.validate(etree.fromstring(data), "I") == []
    (ret,) = parse_receipt(data).returns
    assert (ret.kind, ret.copNo, ret.returnStatus) == (kind, "CD000000000001", "399")


def test_waybill_receipt_is_named_by_waybill_number() -> None:
    data = build_inventory_receipt("CEB512", [{
        "guid": "A" * 36, "logisticsCode": "3120980105", "logisticsNo": "EA000000001CN",
        "returnStatus": "-504012", "returnTime": "20261125100000000",
        "returnInfo": "物流运单已存在"}])
    assert xsd.validate(etree.fromstring(data), "I") == []
    (ret,) = parse_receipt(data).returns
    assert (ret.kind, ret.logisticsNo, ret.returnStatus) == ("CEB512", "EA000000001CN",
                                                             "-504012")
    other = parse_receipt(data.replace(b"EA000000001CN", b"EA000000002CN")).returns[0]
    assert other.content_key != ret.content_key
    with pytest.raises(ReceiptParseError) as info:
        parse_receipt(data.replace(b"EA000000001CN", b""))
    assert info.value.reason == "missing_field"


def test_tax_bill_and_status() -> None:
    bill = {"guid": "B" * 36, "returnTime": "20261125100000000", "invtNo": "51412026I1",
            "taxNo": "TX1", "customsTax": Decimal(0), "valueAddedTax": Decimal("18.93"),
            "consumptionTax": Decimal("1.5"), "status": "1", "assureCode": "1105W6B002",
            "lines": [{"gnum": n, "gcode": "1901101000", "taxPrice": Decimal("104"),
                       "customsTax": Decimal(0), "valueAddedTax": Decimal("9"),
                       "consumptionTax": Decimal(0)} for n in (1, 2)]}
    (ret,) = parse_receipt(build_tax_bills([bill])).returns
    assert ret.tax is not None
    assert (ret.kind, ret.invtNo, ret.returnStatus) == ("CEB816", "51412026I1", "1")
    assert (ret.tax.taxNo, ret.tax.valueAddedTax, ret.tax.taxPrice) == ("TX1", "18.93", "208")
    status = parse_receipt(build_tax_statuses([{**bill, "status": "3"}])).returns[0]
    assert status.kind == "CEB818" and status.returnStatus == "3"
    assert status.content_key != ret.content_key
    broken = build_tax_bills([bill]).replace(b"<ceb:taxNo>TX1</ceb:taxNo>", b"")
    with pytest.raises(ReceiptParseError) as info:
        parse_receipt(broken)
    assert info.value.reason == "missing_field"
