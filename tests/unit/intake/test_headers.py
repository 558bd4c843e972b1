from app.intake.headers import detect_header, header_unit, match_header, normalise_header
from app.intake.mapping import MappingSpec, plan_columns


def test_normalisation_ignores_case_space_width_units_and_marks() -> None:
    assert normalise_header(" Order  No ") == "orderno"
    assert normalise_header("ＯＲＤＥＲ＿ＮＯ") == "orderno"
    assert normalise_header("毛重(kg)") == "毛重"
    assert normalise_header("单价（元）") == "单价"
    assert normalise_header("*订单编号") == "订单编号"


def test_synonyms_from_the_issue() -> None:
    expected = {
        "订单编号": "orderNo", "订单号": "orderNo", "Order No": "orderNo",
        "物流运单编号": "logisticsNo", "运单号": "logisticsNo", "快递单号": "logisticsNo",
        "Tracking No": "logisticsNo", "订购人姓名": "buyerName", "收件人": "buyerName",
        "收货人": "buyerName", "订购人证件号码": "buyerIdNumber", "身份证号": "buyerIdNumber",
        "商品编码": "gcode", "HS编码": "gcode", "海关编码": "gcode", "数量": "qty",
        "单价": "price", "总价": "totalPrice", "毛重(kg)": "grossWeight", "净重": "netWeight",
        "原产国": "item.country", "起运国(地区)": "country", "Gross Weight (KG)": "grossWeight",
    }
    for header, field in expected.items():
        assert match_header(header) == field, header


def test_units_in_headers() -> None:
    assert header_unit("毛重(kg)") == "kg"
    assert header_unit("毛重（克）") == "g"
    assert header_unit("单价（元）") == "yuan"
    assert header_unit("单价(单位：分)") == "fen"
    assert header_unit("订单编号") is None


def test_header_below_title_and_blank_rows() -> None:
    rows = [["某某跨境电商订单导出 2024-05-01", "", ""], ["", "", ""], ["导出人: 王五"],
            ["订单编号", "运单号", "数量"], ["A1", "B1", 1]]
    loc = detect_header(rows)
    assert loc.row_index == 3
    assert loc.headers == ("订单编号", "运单号", "数量")


def test_two_row_header_with_merged_parent() -> None:
    rows = [["订单编号", "收件人", "", "数量"], ["", "姓名", "电话", ""], ["A1", "张三", "138", 1]]
    loc = detect_header(rows, merged_above=frozenset({(0, 2), (1, 0), (1, 3)}))
    assert loc.row_index == 1
    assert [match_header(h) for h in loc.headers] == ["orderNo", "buyerName", "buyerTelephone",
                                                      "qty"]


def test_plan_prefers_mapping_then_synonyms_and_picks_units() -> None:
    spec = MappingSpec.from_dict({"columns": {"单号": "orderNo", "备注": None},
                                  "units": {"grossWeight": "g"}})
    plan = plan_columns(["单号", "运单号", "重量", "备注", "乱七八糟"], spec)
    assert plan.targets == ("orderNo", "logisticsNo", "grossWeight", None, None)
    assert plan.units[2] == "g"
    assert plan.auto == (False, True, True, False, False)
