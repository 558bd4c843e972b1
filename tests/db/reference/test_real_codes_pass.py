"""The issue's "done when": on a fresh database, after the office's `config set` of its real
codes (declared at 2244 上海快件), a platform file of common goods passes the code-table rules
with the shipped reference data. The file is made here by hand (no ../shared/)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from app.cli import main
from app.db.models import Declaration, Problem
from tests.factories import valid_id_number
from tests.unit.intake.filemakers import write_xlsx

OFFICE = {  # a Shanghai express-parcel broker's own codes
    "agentCode": "3122480063", "agentName": "上海快通报关有限公司",
    "logisticsCode": "3115980Z02", "logisticsName": "上海邮政速递物流有限公司",
    "copCode": "3122480063", "copName": "上海快通报关有限公司", "dxpId": "DXPENT0000458763",
    "customsCode": "2244", "portCode": "2244", "tradeMode": "9610", "trafMode": "5",
    "assureCode": "3122480063",
}
HEADERS = ["订单编号", "物流运单编号", "电商平台代码", "电商平台名称", "电商企业代码",
           "电商企业名称", "订购人姓名", "订购人证件号码", "订购人电话", "收件地址", "商品名称",
           "商品编码", "规格型号", "原产国", "数量", "计量单位", "法定数量", "法定计量单位",
           "单价", "总价", "币制", "运费", "保费", "启运国", "毛重(kg)", "净重(kg)"]
# Common goods with the unit names and countries platforms write.
GOODS = [
    ("婴幼儿配方奶粉", "1901101000", "900g/罐 3段", "荷兰", 2, "罐", "1.8", "千克", "228"),
    ("保湿面霜", "3304990099", "50ml", "日本", 1, "瓶", "0.05", "千克", "680"),
    ("维生素C片", "2106909090", "100粒/瓶", "美国", 3, "瓶", "0.3", "千克", "89"),
    ("洗发水", "3305100090", "500ml", "德国", 2, "瓶", "1", "千克", "65"),
    ("智能手机", "8517130000", "128GB", "韩国", 1, "台", "1", "台", "3999"),
    ("婴儿纸尿裤", "9619001100", "L码 54片", "日本", 4, "包", "3.2", "千克", "109"),
    ("天然蜂蜜", "0409000000", "500g", "新西兰", 2, "瓶", "1", "千克", "158"),
    ("香水", "3303000000", "100ml", "法国", 1, "瓶", "0.1", "千克", "920"),
    ("电动牙刷", "8509809010", "替换头2支", "瑞士", 1, "个", "1", "台", "499"),
    ("运动鞋", "6404110000", "42码", "越南", 1, "双", "1", "双", "799"),
]


def _cli(capsys: pytest.CaptureFixture[str], *argv: str) -> dict[str, Any]:
    assert main([*argv, "--json"]) == 0, capsys.readouterr().err
    return json.loads(capsys.readouterr().out)  # type: ignore[no-any-return]


def _rows() -> list[list[Any]]:
    rows = []
    for n, (name, hs, model, country, qty, unit, qty1, unit1, price) in enumerate(GOODS, 1):
        rows.append([f"TM2026{n:06d}", f"EA{n:08d}CN", "31209606ZN", "天猫国际",
                     "3120966A0C", "天猫国际进口超市", "王芳", valid_id_number(),
                     f"1391234{n:04d}", f"上海市浦东新区世纪大道{n}号", name, hs, model,
                     country, qty, unit, qty1, unit1, price, str(int(price) * qty), "人民币",
                     "0", "0", "日本", "2.0", "1.8"])
    return rows


def test_a_real_platform_file_declared_at_2244_passes_the_code_table_rules(
        db_url: str, sessions: sessionmaker[Session], tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    for key, value in OFFICE.items():
        _cli(capsys, "--db", db_url, "config", "set", key, value)
    path = write_xlsx(tmp_path / "天猫订单.xlsx", HEADERS, _rows())
    imported = _cli(capsys, "--db", db_url, "import", str(path))
    assert (imported["declarations"], imported["rejected_rows"]) == (len(GOODS), 0)
    _cli(capsys, "--db", db_url, "check")
    with sessions() as s:
        heads = s.execute(select(Declaration.customsCode, Declaration.currency,
                                 Declaration.country)).all()
        problems = s.execute(select(Problem.code, Problem.severity, Problem.field,
                                    Problem.params)).all()
        statuses = set(s.execute(select(Declaration.status)).scalars())
    assert {h.customsCode for h in heads} == {"2244"}
    code_rules = {"UNKNOWN_CODE", "HS_UNKNOWN", "HS_UNIT", "HS_NOT_IN_EDITION"}
    assert [p for p in problems if p.code in code_rules] == []
    assert sorted({(p.code, p.field) for p in problems if p.severity == "error"}) == []
    assert statuses == {"ready"}
