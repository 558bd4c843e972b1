from decimal import Decimal
from pathlib import Path

import pytest

from app.domain.errors import UserFacingError
from app.i18n import render
from app.intake.codes import reference_lookup
from app.intake.grouping import group_rows
from app.intake.mapping import MappingSpec
from app.intake.pipeline import open_orders, read_all
from app.reference.tables import shipped_reference_tables

from .filemakers import (
    CN_HEADERS,
    CN_ROWS,
    write_csv,
    write_json,
    write_ods,
    write_xls,
    write_xlsx,
)

LOOKUP = reference_lookup(shipped_reference_tables())


def test_chinese_xlsx_becomes_two_declarations_with_items(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "orders.xlsx", CN_HEADERS, CN_ROWS, title="五月订单",
                      text_columns=[3])
    stream, groups = read_all(path, lookup=LOOKUP, settings={"agentCode": "3301980001",
                                                             "logisticsCode": "LC1"})
    assert [g.head["orderNo"] for g in groups] == ["SO1001", "SO1002"]
    first = groups[0]
    assert not first.errors
    assert first.rows == [4, 5]
    assert first.head["buyerIdNumber"] == "110101199003071234"
    assert first.head["grossWeight"] == Decimal("1.9")
    assert first.head["agentCode"] == "3301980001"
    assert first.head["ieFlag"] == "I" and first.head["currency"] == "142"
    assert [i["gnum"] for i in first.items] == [1, 2]
    assert [i["unit"] for i in first.items] == ["122", "007"]
    assert [i["country"] for i in first.items] == ["116", "116"]
    assert first.items[1]["price"] == Decimal("1250.50")
    assert first.items[0]["gname"] == "婴儿奶粉（900克）"
    assert groups[1].head["buyerIdNumber"] == "31010419851010123X"
    assert stream.counts.rows == 3 and stream.counts.orders == 2 and stream.counts.items == 3
    assert stream.counts.rejected_rows == 0


def test_excel_float_id_is_a_row_error_and_rejects_the_order(tmp_path: Path) -> None:
    rows = [list(r) for r in CN_ROWS]
    rows[0][3] = 110101199003071234  # typed into a General cell: Excel keeps a float
    rows[2][1] = "1.30681E+17"
    path = write_xlsx(tmp_path / "f.xlsx", CN_HEADERS, rows)
    stream, groups = read_all(path, lookup=LOOKUP)
    assert all(g.rejected for g in groups)
    errors = stream.errors
    id_error = next(e for e in errors if e.field == "buyerIdNumber")
    assert (id_error.row, id_error.column) == (2, "订购人证件号码")
    assert "Excel" in render(id_error.message, "en")
    assert "Excel" in render(id_error.message, "zh_CN")
    waybill = next(e for e in errors if e.field == "logisticsNo")
    assert (waybill.row, waybill.value) == (4, "1.30681E+17")
    sibling = next(e for e in errors if e.row == 3)
    assert "row 2" in render(sibling.message, "en")
    assert stream.counts.rejected_rows == 3 and stream.counts.orders == 0


def test_conflicting_head_fields_name_both_values(tmp_path: Path) -> None:
    rows = [list(r) for r in CN_ROWS]
    rows[1][2] = "张叁"
    path = write_csv(tmp_path / "c.csv", CN_HEADERS, rows)
    stream, groups = read_all(path, lookup=LOOKUP)
    conflict = next(e for e in stream.errors if e.field == "buyerName")
    assert (conflict.row, conflict.column, conflict.value) == (3, "订购人姓名", "张叁")
    text = render(conflict.message, "en")
    assert "张三" in text and "row 2" in text
    assert groups[0].rejected and not groups[1].rejected


def test_bad_numbers_and_unknown_codes_are_row_errors(tmp_path: Path) -> None:
    rows = [list(r) for r in CN_ROWS]
    rows[2][10] = "三"
    rows[2][11] = "火星单位"
    path = write_csv(tmp_path / "b.csv", CN_HEADERS, rows)
    stream, _ = read_all(path, lookup=LOOKUP)
    fields = {(e.row, e.field) for e in stream.errors}
    assert fields == {(4, "qty"), (4, "unit")}
    assert render(next(e for e in stream.errors if e.field == "qty").message,
                  "zh_CN") != "Not a number"


def test_mapping_defaults_units_and_settings_precedence(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "m.csv", ["单号", "Tracking No", "Goods Name", "Qty",
                                          "Weight", "Price", "Platform Code", "申报企业代码"],
                     [["A1", "W1", "Cream", "2", "1500", "12345", "", "AGENT-FILE"]])
    spec = MappingSpec.from_dict({"columns": {"单号": "orderNo"},
                                  "defaults": {"ebpCode": "EBP01", "tradeMode": "9610",
                                               "agentCode": "AGENT-DEF"},
                                  "units": {"grossWeight": "g", "price": "fen"}})
    _, groups = read_all(path, spec, lookup=LOOKUP,
                         settings={"agentCode": "AGENT-SET", "logisticsCode": "LOG-SET",
                                   "exchangeDir": "/tmp/x"})
    (g,) = groups
    assert g.head["ebpCode"] == "EBP01"
    assert g.head["agentCode"] == "AGENT-FILE"
    assert g.head["logisticsCode"] == "LOG-SET"
    assert g.head["grossWeight"] == Decimal("1.5")
    assert g.items[0]["price"] == Decimal("123.45")
    assert g.items[0]["totalPrice"] == Decimal("246.90")


def test_waybill_reused_by_another_order_in_the_same_file(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "w.csv", ["订单号", "运单号", "品名"],
                     [["A1", "W1", "x"], ["A2", "W1", "y"]])
    stream, groups = read_all(path)
    assert not groups[0].rejected and groups[1].rejected
    assert "row 2" in render(stream.errors[0].message, "en")


def test_summary_row_and_missing_key(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "s.csv", ["订单号", "品名", "数量"],
                     [["A1", "x", "1"], ["", "y", "2"], ["合计", "", "3"]])
    stream, _ = read_all(path)
    assert stream.counts.rows == 2
    assert [(e.row, e.field) for e in stream.errors] == [(3, "orderNo")]


def test_rows_grouped_by_waybill_when_no_order_number(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "w.csv", ["快递单号", "品名"],
                     [["W1", "a"], ["W2", "b"], ["W1", "c"]])
    _, groups = read_all(path)
    assert [len(g.items) for g in groups] == [2, 1]


def test_small_window_emits_continuations(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "w.csv", ["订单号", "品名"],
                     [["A1", "a"], ["A2", "b"], ["A3", "c"], ["A1", "d"]])
    stream = open_orders(path, window=2)
    groups = list(stream.groups())
    assert [(g.key.rsplit("\x1f")[-1], g.continuation) for g in groups] == [
        ("A1", False), ("A2", False), ("A3", False), ("A1", True)]
    assert stream.counts.orders == 3 and stream.counts.items == 4
    assert list(group_rows([], 2)) == []


def test_nested_json_orders(tmp_path: Path) -> None:
    path = write_json(tmp_path / "n.json", [
        {"orderNo": "A1", "logisticsNo": "W1", "buyerName": "张三", "grossWeight": 1.25,
         "items": [{"gname": "面霜", "qty": 1, "price": "99.9", "country": "JP"},
                   {"gname": "奶粉", "qty": 2, "price": 10}]}])
    _, groups = read_all(path, lookup=LOOKUP)
    (g,) = groups
    assert g.head["grossWeight"] == Decimal("1.25")
    assert [i["gname"] for i in g.items] == ["面霜", "奶粉"]
    assert g.items[0]["totalPrice"] == Decimal("99.9")


def test_file_without_known_columns_is_refused(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "x.csv", ["foo", "bar"], [["1", "2"]])
    with pytest.raises(UserFacingError, match="No column"):
        open_orders(path)
    path = write_csv(tmp_path / "y.csv", ["品名", "数量"], [["1", "2"]])
    with pytest.raises(UserFacingError, match="no order number"):
        open_orders(path)


def test_mapping_file_validation(tmp_path: Path) -> None:
    with pytest.raises(UserFacingError, match="unknown field"):
        MappingSpec.from_dict({"columns": {"a": "nonsense"}})
    with pytest.raises(UserFacingError, match="Unit"):
        MappingSpec.from_dict({"columns": {}, "units": {"grossWeight": "lb"}})
    spec = MappingSpec.from_dict({"columns": {"A": "item.country", "B": "head.country"},
                                  "sheet": 2, "header_row": 3, "encoding": "gbk"})
    assert spec.columns == {"A": "item.country", "B": "country"}
    assert spec.sheet_index_or_name == 1
    assert MappingSpec.from_dict(spec.to_dict()) == spec


@pytest.mark.parametrize("maker", [write_xls, write_ods])
def test_legacy_xls_and_ods_import_like_xlsx(tmp_path: Path, maker: object) -> None:
    suffix = ".xls" if maker is write_xls else ".ods"
    path = maker(tmp_path / f"orders{suffix}", CN_HEADERS, CN_ROWS)  # type: ignore[operator]
    stream, groups = read_all(path, lookup=LOOKUP)
    assert [g.head["orderNo"] for g in groups] == ["SO1001", "SO1002"]
    assert stream.counts.items == 3 and not stream.errors
    assert groups[0].items[1]["price"] == Decimal("1250.50")
    assert groups[1].head["buyerIdNumber"] == "31010419851010123X"


SPLIT_ADDRESS = ["订单编号", "商品名称", "省", "市", "区", "详细地址"]


@pytest.mark.parametrize(("parts", "detail", "joined"), [
    (["广东省", "广州市", "天河区"], "天河路1号", "广东省广州市天河区天河路1号"),
    # a municipality: province and city are one part, however the platform spells them
    (["上海市", "上海市", "浦东新区"], "世纪大道2号", "上海市浦东新区世纪大道2号"),
    (["上海", "上海市", "浦东新区"], "世纪大道2号", "上海市浦东新区世纪大道2号"),
    # the address already starts with the district (or all of it): not twice
    (["上海市", "上海市", "浦东新区"], "浦东新区世纪大道2号", "上海市浦东新区世纪大道2号"),
    (["北京市", "北京市", "朝阳区"], "北京市朝阳区建国路1号", "北京市朝阳区建国路1号"),
])
def test_province_city_district_columns_are_joined_once_in_front_of_the_address(
        tmp_path: Path, parts: list[str], detail: str, joined: str) -> None:
    path = write_csv(tmp_path / "split.csv", SPLIT_ADDRESS, [["A1", "面霜", *parts, detail]])
    _stream, groups = read_all(path, lookup=LOOKUP)
    assert groups[0].head["consigneeAddress"] == joined


def test_a_mapping_names_address_parts_and_no_default_may_be_one() -> None:
    spec = MappingSpec.from_dict({"columns": {"省": "address_part", "详细地址":
                                              "consigneeAddress"}})
    assert spec.columns["省"] == "address_part"
    with pytest.raises(UserFacingError) as err:
        MappingSpec.from_dict({"columns": {}, "defaults": {"address_part": "上海"}})
    assert "address_part" in render(err.value.message, "en")
