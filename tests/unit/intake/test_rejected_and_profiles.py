from pathlib import Path

import openpyxl

from app.intake.mapping import MappingSpec
from app.intake.pipeline import read_all
from app.intake.profiles import NamedSpec, best_profile
from app.intake.readers import open_table
from app.intake.rejected import write_rejected_rows

from .filemakers import CN_HEADERS, CN_ROWS, write_csv, write_xlsx


def test_rejected_rows_xlsx_has_original_cells_and_error_column(tmp_path: Path) -> None:
    rows = [list(r) for r in CN_ROWS]
    rows[0][3] = 110101199003071234
    path = write_xlsx(tmp_path / "in.xlsx", CN_HEADERS, rows)
    stream, groups = read_all(path)
    rejected = [r for g in groups if g.rejected for r in g.raw_rows]
    assert [n for n, _ in rejected] == [2, 3]
    out = tmp_path / "rejected.xlsx"
    assert write_rejected_rows(out, stream.table.headers, rejected, stream.errors) == 2
    ws = openpyxl.load_workbook(out).active
    values = [[c.value for c in r] for r in ws.iter_rows()]
    assert values[0][: len(CN_HEADERS)] == CN_HEADERS
    assert values[0][-2:] == ["导入错误", "原行号"]
    assert values[1][0] == "SO1001" and values[1][-1] == 2
    assert "订购人证件号码" in values[1][-2] and "Excel" in values[1][-2]
    assert "第 2 行" in values[2][-2]
    # The fixed file imports again through the same reader (error column is ignored).
    ws.cell(row=2, column=4).value = "110101199003071234"
    ws.parent.save(out)
    again = open_table(out)
    assert again.headers[:3] == tuple(CN_HEADERS[:3])
    assert not list(tmp_path.glob(".rejected-*"))


def test_best_profile_proposed_by_header_match() -> None:
    taobao = NamedSpec("taobao", MappingSpec(columns={"订单编号": "orderNo", "运单号":
                                                      "logisticsNo", "宝贝名称": "gname"}))
    jd = NamedSpec("jd", MappingSpec(columns={"订单号": "orderNo", "京东单号": "logisticsNo",
                                              "商品名称": "gname", "数量": "qty"}))
    assert best_profile(["订单号", "京东单号", "商品名称", "数量", "备注"], [taobao, jd]) == jd
    assert best_profile(["订单编号", "运单号", "宝贝名称"], [taobao, jd]) == taobao
    assert best_profile(["foo", "bar"], [taobao, jd]) is None


def test_progress_position_reaches_the_end(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "p.csv", CN_HEADERS, CN_ROWS * 800)
    table = open_table(path)
    assert table.position.total == path.stat().st_size
    for _ in table.rows:
        pass
    assert table.position.fraction == 1.0
