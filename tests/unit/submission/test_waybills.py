"""CEB511 waybills: built from the declaration, valid against the official schema."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import pytest
from lxml import etree

from app.submission import specimen as s
from app.submission import waybills
from app.submission.ceb import MessageBuildError
from app.submission.xsd import CEB_NS
from tests.unit.submission.test_submission_ceb import official_schema_errors

NS = {"ceb": CEB_NS}


def _head(n: int) -> dict[str, object]:
    decl = {**s.import_head(n), "_goods": ["婴儿奶粉", "维生素"], "consignee": None,
            "consigneeTelephone": None}
    return {**waybills.waybill_head(decl, "78412345675"), "copNo": decl["copNo"]}


def test_waybill_message_passes_the_official_schema() -> None:
    msg = waybills.build_waybill_message([_head(1), _head(2)], s.SPECIMEN_TRANSFER,
                                         app_time=datetime(2026, 11, 25, 9))
    assert official_schema_errors(msg.xml, "I") == []  # CEB511's signature is optional
    doc = etree.fromstring(msg.xml)
    heads = doc.findall("ceb:Logistics/ceb:LogisticsHead", NS)
    assert len(heads) == 2
    first = heads[0]
    decl = s.import_head(1)
    assert first.findtext("ceb:logisticsNo", namespaces=NS) == decl["logisticsNo"]
    assert first.findtext("ceb:billNo", namespaces=NS) == "78412345675"
    # No consignee of its own: the buyer receives the parcel.
    assert first.findtext("ceb:consignee", namespaces=NS) == decl["buyerName"]
    assert first.findtext("ceb:goodsInfo", namespaces=NS) == "婴儿奶粉；维生素"
    assert first.findtext("ceb:packNo", namespaces=NS) == "1"
    assert Decimal(first.findtext("ceb:weight", namespaces=NS) or "0") == decl["grossWeight"]


def test_a_waybill_without_number_names_the_declaration() -> None:
    bad = {**_head(3), "logisticsNo": None}
    with pytest.raises(MessageBuildError) as info:
        waybills.build_waybill_message([_head(1), bad], s.SPECIMEN_TRANSFER)
    assert {p.copNo for p in info.value.problems} == {bad["copNo"]}


@pytest.mark.parametrize(("status", "last", "code", "when", "expected"), [
    ("sent", None, "2", "20261125090000001", (True, "applied")),
    ("sent", None, "-504012", "20261125090000001", (True, "applied")),
    ("accepted", "20261125090000005", "120", "20261125090000006", (True, "applied")),
    ("accepted", "20261125090000005", "100", "20261125090000006", (True, "applied")),
    ("rejected", "20261125090000005", "120", "20261125090000006", (False, "backwards")),
    ("accepted", "20261125090000005", "100", "20261125090000004", (False, "older")),
    ("sent", None, "999", "20261125090000001", (False, "no_status")),
])
def test_waybill_status_moves_only_forward(status: str, last: str | None, code: str, when: str,
                                           expected: tuple[bool, str]) -> None:
    assert waybills.decide(status, last, code, when) == expected


@pytest.mark.parametrize(("value", "expected"), [("yes", True), ("是", True), ("no", False),
                                                 ("", False), (None, False)])
def test_send_waybills_setting(value: str | None, expected: bool) -> None:
    assert waybills.send_waybills({"sendWaybills": value}) is expected


def test_send_waybills_setting_refuses_other_words() -> None:
    from app.domain.errors import ValidationError
    from app.submission.exchange import check_exchange_setting

    check_exchange_setting("sendWaybills", "yes")
    with pytest.raises(ValidationError, match="yes or no"):
        check_exchange_setting("sendWaybills", "maybe")
