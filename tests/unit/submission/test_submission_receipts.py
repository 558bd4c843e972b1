"""Receipts are read namespace-aware and hostile XML is refused."""

from __future__ import annotations

import contextlib
from datetime import datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from app.submission import receipt_builders as rb
from app.submission import xsd
from app.submission.receipts import ReceiptParseError, parse_receipt

SAMPLES = Path(__file__).parents[2] / "fixtures" / "submission"
GUID = "4CDE1CFD-EDED-46B1-946C-B8022E42FC94"


def test_official_ceb622_sample_default_namespace() -> None:
    rf = parse_receipt((SAMPLES / "CEB622Message.sample-202205.xml").read_bytes())
    assert rf.kind == "CEB622" and len(rf.returns) == 10
    r = rf.returns[0]
    assert (r.copNo, r.preNo, r.returnStatus, r.returnTime, r.returnInfo) == (
        "cop2016032211000", "B20160512000001882", "1", "20160512102646001", "暂存")
    assert r.status_code == 1
    # ten identical returns are one report
    assert len({x.content_key for x in rf.returns}) == 1


def test_official_ceb604_sample_prefix_and_bom() -> None:
    data = (SAMPLES / "CEB604Message.sample-202205.xml").read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    rf = parse_receipt(data)
    assert rf.kind == "CEB604" and len(rf.returns) == 10
    assert rf.returns[0].invtNo == "Invt20180507000001"
    assert rf.returns[0].statisticsFlag == "1"


def test_other_prefix_is_fine() -> None:
    xml = (b'<x:CEB622Message xmlns:x="http://www.chinaport.gov.cn/ceb" guid="G">'
           b"<x:InventoryReturn>"
           b"<x:guid>G</x:guid><x:copNo>C1</x:copNo><x:returnStatus>800</x:returnStatus>"
           b"<x:returnTime>20261125101010000</x:returnTime><x:returnInfo>ok</x:returnInfo>"
           b"</x:InventoryReturn></x:CEB622Message>")
    assert parse_receipt(xml).returns[0].status_code == 800


def test_ceb900_reads_echoed_cop_nos() -> None:
    data = rb.build_ceb900(GUID, "-621001", "bad", datetime(2026, 11, 25),
                           ori_biz_message="<CEB621Message><copNo>C9</copNo></CEB621Message>")
    r = parse_receipt(data).returns[0]
    assert (r.kind, r.guid, r.status_code, r.ori_cop_nos) == ("CEB900", GUID, -621001, ("C9",))


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
]>
<CEB622Message xmlns="http://www.chinaport.gov.cn/ceb"><InventoryReturn><copNo>&lol3;</copNo>
</InventoryReturn></CEB622Message>"""

XXE = b"""<?xml version="1.0"?>
<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>
<CEB622Message xmlns="http://www.chinaport.gov.cn/ceb"><InventoryReturn><copNo>&x;</copNo>
</InventoryReturn></CEB622Message>"""

DTD_ONLY = b"""<?xml version="1.0"?>
<!DOCTYPE CEB622Message SYSTEM "http://example.com/evil.dtd">
<CEB622Message xmlns="http://www.chinaport.gov.cn/ceb"/>"""


@pytest.mark.parametrize("payload", [BILLION_LAUGHS, XXE, DTD_ONLY])
def test_hostile_xml_is_refused(payload: bytes) -> None:
    with pytest.raises(ReceiptParseError) as err:
        parse_receipt(payload)
    assert err.value.reason in {"dtd", "entity", "external"}
    assert "Refused" in str(err.value)


@pytest.mark.parametrize(("payload", "reason"), [
    (b"<CEB622Message", "malformed"),
    (b"<Order xmlns='http://www.chinaport.gov.cn/ceb'/>", "unknown_type"),
    (b"<CEB622Message xmlns='urn:other'><InventoryReturn/></CEB622Message>", "unknown_type"),
    (b"<CEB622Message xmlns='http://www.chinaport.gov.cn/ceb'/>", "empty"),
    (b"<CEB622Message xmlns='http://www.chinaport.gov.cn/ceb'><InventoryReturn>"
     b"<copNo>C</copNo></InventoryReturn></CEB622Message>", "missing_field"),
])
def test_broken_receipts_have_a_reason(payload: bytes, reason: str) -> None:
    with pytest.raises(ReceiptParseError) as err:
        parse_receipt(payload)
    assert err.value.reason == reason


def _ret(n: int) -> dict[str, str]:
    return {"guid": GUID, "copNo": f"C{n}", "preNo": "B20261125000000001", "returnStatus": "2",
            "returnTime": "20261125101010000", "returnInfo": "申报中"}


def test_more_than_100_returns_refused() -> None:
    ok = rb.build_inventory_receipt("CEB622", [_ret(n) for n in range(100)])
    assert len(parse_receipt(ok).returns) == 100
    too_many = ok.replace(b"</ceb:CEB622Message>", ok[ok.index(b"<ceb:InventoryReturn>"):
                                                        ok.index(b"</ceb:InventoryReturn>") + 22]
                          + b"</ceb:CEB622Message>")
    with pytest.raises(ReceiptParseError) as err:
        parse_receipt(too_many)
    assert err.value.reason == "too_many"


@pytest.mark.parametrize(("kind", "direction"), [("CEB622", "I"), ("CEB604", "E")])
def test_built_receipts_pass_the_official_schema(kind: str, direction: str) -> None:
    values = {**_ret(1), "statisticsFlag": "A", "invtNo": "224420261000000001"}
    for default_ns in (True, False):
        data = rb.build_inventory_receipt(kind, [values], default_namespace=default_ns)
        schema = etree.XMLSchema(xsd.schema_tree(direction))  # type: ignore[arg-type]
        assert schema.validate(etree.fromstring(data)), schema.error_log
        assert parse_receipt(data).returns[0].copNo == "C1"


def test_built_ceb900_passes_the_official_schema() -> None:
    data = rb.build_ceb900(GUID, "-1", "x", datetime(2026, 1, 1), ori_message_type="CEB621Message")
    schema = etree.XMLSchema(xsd.schema_tree("I"))
    assert schema.validate(etree.fromstring(data)), schema.error_log


@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=400))
def test_any_bytes_either_parse_or_raise_receipt_error(data: bytes) -> None:
    with contextlib.suppress(ReceiptParseError):
        parse_receipt(data)


@settings(max_examples=60, deadline=None)
@given(st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), max_size=80))
def test_return_info_round_trips(info: str) -> None:
    data = rb.build_inventory_receipt("CEB622", [{**_ret(1), "returnInfo": info}])
    assert parse_receipt(data).returns[0].returnInfo == info.strip()


def _declared(info: str, encoding: str) -> bytes:
    data = rb.build_inventory_receipt("CEB622", [{**_ret(1), "returnInfo": info}])
    return data.decode("utf-8").replace("encoding='UTF-8'", f"encoding='{encoding}'").encode(
        encoding)


@pytest.mark.parametrize(("encoding", "info"), [
    ("GBK", "海关已接收，等待审核"), ("gb2312", "海关已放行"), ("GB18030", "𠀀 扩展字符"),
    ("Big5", "海關已放行"), ("UTF-16", "海关已接收"), ("ISO-8859-1", "recu"),
])
def test_receipts_in_chinese_encodings_are_read(encoding: str, info: str) -> None:
    assert parse_receipt(_declared(info, encoding)).returns[0].returnInfo == info


def test_gb2312_declared_file_with_gbk_characters_is_read() -> None:
    """Clients declare GB2312 but write GBK (鎔 is not in GB2312): read as GB18030."""
    data = _declared("鎔", "GBK").replace(b"encoding='GBK'", b"encoding='GB2312'")
    assert parse_receipt(data).returns[0].returnInfo == "鎔"


@pytest.mark.parametrize(("data", "reason", "words"), [
    (_declared("x", "ascii").replace(b"'ascii'", b"'x-klingon'"), "encoding", "x-klingon"),
    (_declared("x", "ascii").replace(b"'ascii'", b"'utf-7'"), "encoding", "utf-7"),
    (_declared("海关", "GBK")[:-40] + b"\x81\x20" + _declared("海关", "GBK")[-40:],
     "bad_bytes", "not valid GBK"),
])
def test_unusable_encodings_have_a_reason(data: bytes, reason: str, words: str) -> None:
    with pytest.raises(ReceiptParseError) as err:
        parse_receipt(data)
    assert err.value.reason == reason and words in str(err.value)


def test_ceb900_echo_with_a_gbk_declaration_still_names_its_cop_nos() -> None:
    echoed = "<?xml version='1.0' encoding='GBK'?><CEB621Message><copNo>C9</copNo></CEB621Message>"
    data = rb.build_ceb900(GUID, "-621001", "bad", datetime(2026, 11, 25),
                           ori_biz_message=echoed)
    assert parse_receipt(data).returns[0].ori_cop_nos == ("C9",)


@settings(max_examples=150, deadline=None)
@given(st.sampled_from(["GBK", "gb2312", "GB18030", "big5", "utf-16", "x-unknown", "utf-8"]),
       st.binary(max_size=300))
def test_any_bytes_under_any_declaration_parse_or_raise_receipt_error(encoding: str,
                                                                      tail: bytes) -> None:
    with contextlib.suppress(ReceiptParseError):
        parse_receipt(f"<?xml version='1.0' encoding='{encoding}'?>".encode() + tail)
