"""A platform's export order file (9610 B2C export), as a broker declaring exports gets it:
Chinese headers, one parcel per order, no buyer ID (an export has none)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from app.rules.s10 import make_s10
from tests.unit.intake.filemakers import write_csv, write_xlsx

EXPORT_HEADERS = (
    "订单编号", "电商平台代码", "电商平台名称", "电商企业代码", "电商企业名称", "物流运单编号",
    "物流企业代码", "物流企业名称", "申报海关代码", "口岸海关代码", "申报企业代码", "申报企业名称",
    "贸易方式", "运输方式", "运抵国(地区)", "指运港代码", "申报业务类型", "运费", "保费",
    "包装种类代码", "毛重(千克)", "净重(千克)", "企业商品货号", "商品名称", "商品编码",
    "规格型号", "原产国(地区)", "数量", "计量单位", "法定数量", "法定计量单位", "单价")


def export_rows(count: int = 6, prefix: str = "EXO") -> list[list[Any]]:
    base = 70_000_000 + 1000 * sum(map(ord, prefix))  # each prefix its own waybills
    return [[f"{prefix}{n:05d}", "1105910159", "京东国际", "1105W6B002", "广州出口贸易有限公司",
             make_s10("EB", f"{base + n:08d}"), "3120980105", "中国邮政速递物流股份有限公司",
             "5141", "5141", "5141980XYZ", "广州清关通报关有限公司", "9610", "5", "502", "502",
             "B", "10", "0", "2", "1.2", "1.0", f"SKU{n:03d}", "纯棉针织T恤", "6109100021",
             "男式 L码 100%棉", "142", "2", "011", "2", "011", "49.5"]
            for n in range(1, count + 1)]


def write_export_orders(path: Path, count: int = 6, prefix: str = "EXO") -> Path:
    rows = export_rows(count, prefix)
    if path.suffix == ".csv":
        return write_csv(path, EXPORT_HEADERS, rows)
    return write_xlsx(path, EXPORT_HEADERS, rows, text_columns=range(len(EXPORT_HEADERS)))
