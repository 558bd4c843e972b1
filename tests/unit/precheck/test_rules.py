from decimal import Decimal
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from app.intake.legal_qty import derive_lines
from app.rules.coderules import derive_legal_fills, derive_legal_quantities
from app.rules.context import CrossFacts
from app.rules.engine import check_record
from app.rules.problem import RuleCode, Severity

from .sample import context, item, record


def codes(rec: dict, **ctx: object) -> set[tuple[str, str, int | None]]:
    result = check_record(rec, context(**ctx))
    return {(p.code.value, p.field, p.gnum) for p in result.problems}


def test_valid_record_has_no_problems_and_a_tax_estimate() -> None:
    result = check_record(record(), context())
    assert [p.text("en") for p in result.problems] == []
    assert result.passed
    assert result.tax is not None
    assert result.tax.total == Decimal("28.21")  # (300 + 10) × 9.1 %


def test_required_too_long_and_formats() -> None:
    rec = record(buyerName="", orderNo="X" * 61, declTime="20261340", packNo=2,
                 currency="502")
    found = codes(rec)
    assert ("REQUIRED", "buyerName", None) in found
    assert ("TOO_LONG", "orderNo", None) in found
    assert ("BAD_FORMAT", "declTime", None) in found
    assert ("BAD_FORMAT", "packNo", None) in found
    assert ("BAD_FORMAT", "currency", None) in found


def test_item_number_formats_and_required() -> None:
    rec = record(items=[item(price="abc", gmodel=None, gcode="19011010")])
    found = codes(rec)
    assert ("BAD_FORMAT", "price", 1) in found
    assert ("REQUIRED", "gmodel", 1) in found
    assert ("BAD_FORMAT", "gcode", 1) in found


def test_trade_mode_requirements() -> None:
    assert ("REQUIRED", "trafNo", None) not in codes(record())
    batched = codes(record(batchId=5))
    assert {("REQUIRED", "trafNo", None), ("REQUIRED", "billNo", None)} <= batched
    bonded = codes(record(tradeMode="1210"))
    assert ("REQUIRED", "emsNo", None) in bonded
    assert ("REQUIRED", "itemRecordNo", 1) in bonded


def test_unknown_codes_and_hs() -> None:
    rec = record(country="998", items=[item(unit="999"), item(gnum=2, gcode="9999999999")])
    found = codes(rec)
    assert ("UNKNOWN_CODE", "country", None) in found
    assert ("UNKNOWN_CODE", "unit", 1) in found
    assert ("HS_UNKNOWN", "gcode", 2) in found
    msg = next(p for p in check_record(rec, context()).problems if p.field == "country")
    assert "国别" in msg.text("zh_CN") or "998" in msg.text("zh_CN")


def test_hs_code_that_cannot_exist_is_an_error_one_only_missing_a_warning() -> None:
    rec = record(items=[item(gcode="9999999999"), item(gnum=2, gcode="8517140000")])
    problems = {(p.code.value, p.gnum): p for p in check_record(rec, context()).problems}
    assert problems[("HS_UNKNOWN", 1)].is_error
    assert "999999" in problems[("HS_UNKNOWN", 1)].text("en")
    smartphone = problems[("HS_NOT_IN_EDITION", 2)]  # HS 2022 851714, not in the 2019 tariff
    assert not smartphone.is_error
    assert "update the tariff" in smartphone.text("en")
    assert "更新税则" in smartphone.text("zh_CN")


def test_hs_code_without_rates_makes_the_tax_estimate_incomplete() -> None:
    rec = record(items=[item(), item(gnum=2, gcode="6912001000", unit="011", unit1="035",
                                     qty1=Decimal(1))])
    result = check_record(rec, context())
    assert result.passed
    incomplete = [p for p in result.problems if p.code.value == "TAX_RATES_UNKNOWN"]
    assert [(p.gnum, p.is_error) for p in incomplete] == [(2, False)]
    assert result.tax is not None and result.tax.missing_rates == (2,)
    assert not result.tax.complete
    export = record(ieFlag="E", items=[item(gcode="6912001000", unit="011", unit1="035",
                                            qty1=Decimal(1))])
    assert "TAX_RATES_UNKNOWN" not in {p.code.value for p in check_record(export,
                                                                          context()).problems}


def test_hs_unit_and_derivation() -> None:
    assert ("HS_UNIT", "unit1", 1) in codes(record(items=[item(unit1="007")]))
    rec = record(items=[item(qty1=None, unit1=None)])
    assert derive_legal_quantities(rec, context().ref) == {0: {"unit1": "035",
                                                               "qty1": Decimal("1.0")}}
    shoes = record(items=[item(gcode="6404110000", unit="025", qty1=None, unit1=None,
                               qty=Decimal(3))])
    changes = derive_legal_quantities(shoes, context().ref)[0]
    assert changes["qty1"] == Decimal(3) and changes["unit1"] == "025"
    assert changes["unit2"] == "035" and changes["qty2"] == Decimal("1.0")


def test_id_checksum() -> None:
    assert ("ID_CHECKSUM", "buyerIdNumber", None) in codes(
        record(buyerIdNumber="110105194912310021"))
    assert ("ID_CHECKSUM", "buyerIdNumber", None) not in codes(
        record(buyerIdNumber="11010519491231002x"))


def test_sum_mismatch_item_and_three_documents() -> None:
    found = codes(record(items=[item(totalPrice=Decimal("299.98"))]))
    assert ("SUM_MISMATCH", "totalPrice", 1) in found
    assert ("SUM_MISMATCH", "totalPrice", 1) not in codes(
        record(items=[item(totalPrice=Decimal("299.99"))]))
    found = codes(record(goodsValue=Decimal(300), acturalPaid=Decimal(310),
                         amountPaid=Decimal(300), payerName="李四", waybillFreight=Decimal(12)))
    assert {("SUM_MISMATCH", "amountPaid", None), ("SUM_MISMATCH", "payerName", None),
            ("SUM_MISMATCH", "freight", None)} <= found
    assert ("SUM_MISMATCH", "acturalPaid", None) not in found


def test_single_limit_and_indivisible_exception() -> None:
    big = item(qty=Decimal(2), price=Decimal(2600), totalPrice=Decimal(5200))
    assert ("LIMIT_SINGLE", "totalPrice", None) in codes(record(items=[big]))
    single = item(qty=Decimal(1), price=Decimal(6000), totalPrice=Decimal(6000))
    result = check_record(record(items=[single]), context())
    limit = [p for p in result.problems if p.code is RuleCode.LIMIT_SINGLE]
    assert limit and limit[0].severity is Severity.WARNING
    assert result.passed
    assert result.tax is not None and result.tax.full
    assert result.tax.total == Decimal("781.30")  # (6000 + 10) × 13 %


def test_annual_limit_uses_cross_facts() -> None:
    facts = {1: CrossFacts(annual_used=Decimal("25800"))}
    result = check_record(record(), context(facts=facts))
    annual = [p for p in result.problems if p.code is RuleCode.LIMIT_ANNUAL]
    assert annual and "25,800.00" in annual[0].text("en")
    assert not any(p.code is RuleCode.LIMIT_ANNUAL
                   for p in check_record(record(), context(facts={1: CrossFacts()})).problems)


def test_weights() -> None:
    assert ("WEIGHT", "grossWeight", None) in codes(record(grossWeight=Decimal("0.5")))
    assert ("WEIGHT", "netWeight", None) in codes(record(netWeight=Decimal("0")))
    assert ("WEIGHT", "netWeight", None) in codes(record(netWeight=Decimal("90"),
                                                         grossWeight=Decimal("91")))


def test_duplicates_from_facts() -> None:
    facts = {1: CrossFacts(duplicate_waybill_of=(7,), duplicate_order_of=(8, 9))}
    found = codes(record(), facts=facts)
    assert {("DUPLICATE_WAYBILL", "logisticsNo", None),
            ("DUPLICATE_ORDER", "orderNo", None)} <= found


def test_restricted_phone_address_s10() -> None:
    rec = record(buyerTelephone="12345", consigneeAddress="文三路1号",
                 logisticsNo="RR123456784CN", items=[item(gname="锂电池移动电源")])
    result = check_record(rec, context())
    by_code = {p.code: p for p in result.problems}
    assert by_code[RuleCode.RESTRICTED_GOODS].severity is Severity.WARNING
    assert by_code[RuleCode.PHONE].severity is Severity.WARNING
    assert by_code[RuleCode.ADDRESS].severity is Severity.WARNING
    assert by_code[RuleCode.S10_CHECK].severity is Severity.ERROR


def test_no_items_and_export_skips_import_rules() -> None:
    assert ("REQUIRED", "gnum", None) in codes(record(items=[]))
    export = record(ieFlag="E", buyerIdNumber="bad", currency="502")
    found = codes(export)
    assert not any(code == "ID_CHECKSUM" for code, _, _ in found)
    assert check_record(export, context()).tax is None


def test_bonded_trade_mode_needs_china_as_country() -> None:
    found = codes(record(tradeMode="1210", country="116"))
    assert ("BAD_FORMAT", "country", None) in found


def test_control_characters_are_flagged_with_field_and_character() -> None:
    rec = record(buyerName="张\x1b[31m伟", items=[item(gname="奶粉\x00")])
    result = check_record(rec, context())
    found = {(p.code.value, p.field, p.gnum): p for p in result.problems}
    assert ("CONTROL_CHAR", "buyerName", None) in found
    assert ("CONTROL_CHAR", "gname", 1) in found
    assert not result.passed
    assert "U+001B" in found[("CONTROL_CHAR", "buyerName", None)].text("en")
    zh = found[("CONTROL_CHAR", "gname", 1)].text("zh_CN")
    assert "U+0000" in zh and "控制字符" in zh
    # Tab and newline are allowed; a lone surrogate is not.
    assert "CONTROL_CHAR" not in {c for c, _f, _g in codes(record(consigneeAddress=(
        "广东省广州市天河区\t天河路385号\n太古汇一座2801室")))}
    assert ("CONTROL_CHAR", "consignee", None) in codes(record(consignee="王\ud800"))


def test_missing_legal_quantity_says_what_to_record() -> None:
    cream = item(gcode="3304990029", gname="保湿面霜", gmodel="无规格", unit="142", qty1=None,
                 unit1="035")
    rec = record(items=[cream, item(gnum=2)])
    [problem] = [p for p in check_record(rec, context()).problems if p.field == "qty1"]
    assert problem.code is RuleCode.REQUIRED and problem.gnum == 1
    assert problem.text("en") == (
        "Legal quantity in 千克 for “保湿面霜” (unit 瓶): record its weight per 瓶 in the "
        "goods catalogue, or give the model size like 200g.")
    assert problem.text("zh_CN") == ("“保湿面霜”缺少以千克计的法定数量（计量单位瓶）：请在商品库"
                                     "中登记每瓶的重量，或在规格型号中写明规格，如 200g。")
    wine = item(gcode="2204210000", gname="红酒", gmodel="干红", unit="142", qty1=None,
                unit1=None)
    [problem] = [p for p in check_record(record(items=[wine, item(gnum=2)]), context()).problems
                 if p.field == "qty1"]
    assert "record its volume per 瓶" in problem.text("en")
    unknown = item(gcode=None, gname="神秘商品", qty1=None, unit1=None)
    texts = [p.text("en") for p in check_record(record(items=[unknown]), context()).problems
             if p.field == "qty1"]
    assert texts == ["Legal quantity for “神秘商品”: give its HS code first; the legal unit "
                     "of the code decides what to record."]
    # no unit of declaration yet: ask for it, not for a weight "per ?"
    nappies = item(gcode="9619002000", gname="纸尿裤", gmodel="", unit=None, qty1=None,
                   unit1=None)
    [problem] = [p for p in check_record(record(items=[nappies]), context()).problems
                 if p.field == "qty1"]
    assert problem.text("zh_CN") == ("“纸尿裤”缺少以千克计的法定数量：请先填写计量单位，再写明"
                                     "每个计量单位合多少千克。")


def test_model_size_fills_legal_quantities() -> None:
    wine = item(gcode="2204210000", gname="红酒", gmodel="750ML", unit="142", qty=Decimal(2),
                qty1=None, unit1=None, qty2=None, unit2=None)
    changes = derive_legal_quantities(record(items=[wine], netWeight=Decimal("3.1")),
                                      context().ref)
    assert changes == {0: {"unit1": "095", "qty1": Decimal("1.5"), "unit2": "035",
                           "qty2": Decimal("3.1")}}


@settings(max_examples=200, deadline=None)
@given(st.lists(st.fixed_dictionaries({
    "gcode": st.sampled_from(["1901101000", "2204210000", "6404110000", "9999999999", ""]),
    "unit": st.sampled_from(["142", "035", "025", "095"]),
    "gmodel": st.sampled_from(["750ML", "3×100g", "无", ""]),
    "qty": st.sampled_from([Decimal(2), None]),
    "unit1": st.sampled_from([None, "", "035", "095", "025"]),
    "qty1": st.sampled_from([None, "", Decimal("0.5")]),
    "unit2": st.sampled_from([None, "", "035"]),
    "qty2": st.sampled_from([None, Decimal(1)])}), min_size=1, max_size=3),
    st.sampled_from([None, Decimal("1.2")]))
def test_quick_no_fill_verdict_matches_the_full_derivation(items: list[dict[str, Any]],
                                                           net: Decimal | None) -> None:
    ref = context().ref
    units = [(h.unit1, h.unit2 or None) if (h := ref.hs(i["gcode"])) else (None, None)
             for i in items]
    full = derive_lines(items, units, net_weight=net)
    assert derive_legal_fills(record(items=items, netWeight=net), ref) == full


def test_the_waybill_consignee_falling_back_to_the_buyer_is_named_when_order_data_is_in() -> None:
    order = {"goodsValue": Decimal(300), "acturalPaid": Decimal(310), "buyerName": "王五",
             "buyerTelephone": "13812345678"}
    result = check_record(record(**order, consignee="", consigneeTelephone=None), context())
    found = {p.field: p for p in result.problems if p.code is RuleCode.CONSIGNEE_FROM_BUYER}
    assert found["consignee"].severity is Severity.WARNING
    assert "the buyer 王五 as consignee" in found["consignee"].text("en")
    phone = found["consigneeTelephone"].text("zh_CN")
    assert "138****5678" in phone and "13812345678" not in phone  # masked for every role
    assert "收货人" in phone
    # The consignee may be someone else than the buyer; and without order data no guess.
    assert not {("CONSIGNEE_FROM_BUYER", "consignee", None),
                ("CONSIGNEE_FROM_BUYER", "consigneeTelephone", None)} & codes(
        record(**order, consignee="赵六", consigneeTelephone="13900001111"))
    assert ("CONSIGNEE_FROM_BUYER", "consignee", None) not in codes(record(consignee=""))
