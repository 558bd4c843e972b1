import zipfile
from pathlib import Path

import pytest

from app.domain.errors import UserFacingError
from app.intake.limits import ReadLimits
from app.intake.readers import list_sheets, open_table

from .filemakers import CN_HEADERS, CN_ROWS, write_csv, write_json, write_xlsx


def rows_of(path: Path, **kw: object) -> tuple[tuple[str, ...], list[tuple[int, list[object]]]]:
    table = open_table(path, **kw)  # type: ignore[arg-type]
    return table.headers, list(table.rows)


def test_xlsx_with_title_row_and_second_sheet(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "orders.xlsx", CN_HEADERS, CN_ROWS, title="五月订单",
                      extra_sheets=["说明"])
    assert list_sheets(path) == ("订单", "说明")
    table = open_table(path)
    assert table.header_row == 3 and table.sheet == "订单"
    rows = list(table.rows)
    assert [n for n, _ in rows] == [4, 5, 6]
    assert rows[0][1][0] == "SO1001"


def test_xlsx_sheet_choice_by_name_and_index(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "o.xlsx", CN_HEADERS, CN_ROWS, extra_sheets=["说明"])
    assert open_table(path, sheet="说明").headers == ("说明",)
    assert open_table(path, sheet=1).sheet == "说明"
    with pytest.raises(UserFacingError, match="no sheet"):
        open_table(path, sheet="Nope")
    with pytest.raises(UserFacingError, match="no sheet"):
        open_table(path, sheet=5)


def test_formula_is_read_as_cached_value_never_evaluated(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "f.xlsx", ["订单编号", "数量"], [["A", "=1+1"]])
    _, rows = rows_of(path)
    assert rows[0][1][1] in ("", None)  # openpyxl stores no cached value; nothing evaluated


@pytest.mark.parametrize("encoding", ["gbk", "gb18030", "utf-8", "utf-8-sig", "utf-16"])
def test_csv_in_chinese_encodings(tmp_path: Path, encoding: str) -> None:
    path = write_csv(tmp_path / "o.csv", CN_HEADERS, CN_ROWS, encoding=encoding)
    table = open_table(path)
    assert table.headers[0] == "订单编号"
    rows = list(table.rows)
    assert rows[0][1][2] == "张三"
    assert rows[1][1][6] == "面霜"


def test_tsv_and_semicolon_are_sniffed(tmp_path: Path) -> None:
    tsv = write_csv(tmp_path / "o.tsv", CN_HEADERS, CN_ROWS, delimiter="\t")
    semi = write_csv(tmp_path / "o.csv", CN_HEADERS, CN_ROWS, delimiter=";")
    for path in (tsv, semi):
        headers, rows = rows_of(path)
        assert len(headers) == len(CN_HEADERS)
        assert rows[2][1][12] == "88"


def test_multiline_quoted_cells_keep_row_numbers(tmp_path: Path) -> None:
    path = tmp_path / "m.csv"
    path.write_text('订单编号,收件地址,数量\r\nA1,"北京市\n朝阳区, 1号",1\r\nA2,上海,2\r\n',
                    encoding="utf-8")
    _, rows = rows_of(path)
    assert rows[0] == (2, ["A1", "北京市\n朝阳区, 1号", "1"])
    assert rows[1][0] == 3


def test_tsv_content_named_xls_is_read_as_text(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "export.xls", CN_HEADERS, CN_ROWS, encoding="gbk",
                     delimiter="\t")
    headers, rows = rows_of(path)
    assert headers[0] == "订单编号" and len(rows) == 3


def test_json_flat_and_nested(tmp_path: Path) -> None:
    flat = write_json(tmp_path / "flat.json", [
        {"orderNo": "A1", "logisticsNo": "W1", "gname": "面霜", "qty": 1},
        {"orderNo": "A1", "logisticsNo": "W1", "gname": "奶粉", "qty": 2}])
    headers, rows = rows_of(flat)
    assert headers == ("orderNo", "logisticsNo", "gname", "qty")
    assert rows[1] == (2, ["A1", "W1", "奶粉", "2"])
    nested = write_json(tmp_path / "nested.json", {"code": 0, "data": {"orders": [
        {"orderNo": "A1", "buyer": {"name": "张三", "idNumber": "110101199003071234"},
         "items": [{"gname": "面霜", "qty": 1}, {"gname": "奶粉", "qty": 2.5}]},
        {"orderNo": "A2", "items": [{"gname": "鞋", "qty": 1}]}]}})
    headers, rows = rows_of(nested)
    assert headers[:3] == ("orderNo", "buyer.name", "buyer.idNumber")
    assert len(rows) == 3
    assert rows[1][1][headers.index("buyer.idNumber")] == "110101199003071234"
    assert rows[1][1][headers.index("qty")] == "2.5"


@pytest.mark.parametrize(("name", "content", "fragment"), [
    ("o.csv", b"PK\x03\x04" + b"\x00" * 100, "binary file"),
    ("o.json", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "binary file"),
    ("o.pdf", b"%PDF-1.4", "not a file ClearDesk can import"),
    ("o.xlsx", b"", "empty"),
    ("o.xlsx", b"PK\x03\x04garbage" * 10, "could not be read"),
    ("o.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x01" * 600, "could not be read"),
    ("o.xls", b"<html><table><tr><td>1</td></tr></table></html>", "web page"),
    ("o.csv", bytes(range(256)) * 20, "not a text file"),
    ("o.json", b"[1, 2", "not valid JSON"),
    ("o.json", b'{"a": 1}', "no list"),
])
def test_hostile_or_mislabelled_files_give_clear_errors(tmp_path: Path, name: str,
                                                        content: bytes, fragment: str) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(UserFacingError, match=fragment):
        rows_of(path)


def test_zip_bomb_is_refused_before_inflating(tmp_path: Path) -> None:
    path = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("xl/worksheets/sheet1.xml", b"\x00" * (30 * 1024 * 1024))
    with pytest.raises(UserFacingError, match="zip bomb"):
        open_table(path)
    with pytest.raises(UserFacingError, match="unpack to more than 1 MB"):
        open_table(path, limits=ReadLimits(max_uncompressed_bytes=1024 * 1024))


def test_row_cap(tmp_path: Path) -> None:
    rows = [[f"A{i}", "W", "x", 1] for i in range(50)]
    for path in (write_xlsx(tmp_path / "r.xlsx", ["订单编号", "运单号", "商品名称", "数量"], rows),
                 write_csv(tmp_path / "r.csv", ["订单编号", "运单号", "商品名称", "数量"], rows)):
        with pytest.raises(UserFacingError, match="more than 20 rows"):
            rows_of(path, limits=ReadLimits(max_rows=20))


def test_json_depth_cap(tmp_path: Path) -> None:
    path = tmp_path / "deep.json"
    path.write_text("[" + '{"a":' * 100 + "1" + "}" * 100 + "]", encoding="utf-8")
    with pytest.raises(UserFacingError, match="nested too deeply"):
        rows_of(path)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(UserFacingError, match="not found"):
        open_table(tmp_path / "nope.xlsx")
