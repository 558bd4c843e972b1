"""Sample label data for the printing tests."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from app.documents.models import CustomsDeclaration, CustomsItem, LabelData, Party

SENDER = Party("深圳清关报关有限公司", "0755-88886666", "广东省深圳市南山区科技园南路88号3楼")


ADDRESS = "浙江省杭州市西湖区文三路478号华星时代广场A座1201室"


def make_label(index: int = 1, **overrides: Any) -> LabelData:
    values: dict[str, Any] = {
        "record_id": str(index),
        "waybill": f"YT{1000000000000 + index}",
        "order_no": f"ORD-{index:06d}",
        "sender": SENDER,
        "consignee": Party("王小明", "13812345678", ADDRESS),
        "goods_summary": "婴儿奶粉 800g ×2",
        "quantity": Decimal(2),
        "gross_weight": Decimal("1.850"),
        "declared_value": Decimal("398.00"),
        "label_date": dt.date(2026, 11, 26),
        "batch_no": "B20261126-001",
        "bag_no": "BAG-0007",
        "route_code": "HGH-310",
        "destination": "浙 杭州 西湖",
    }
    values.update(overrides)
    return LabelData(**values)


def customs(value: str = "398.00", items: int = 1, category: str = "sale") -> CustomsDeclaration:
    each = Decimal(value) / items
    return CustomsDeclaration(
        tuple(
            CustomsItem(f"奶粉 Milk powder {k}", Decimal(1), Decimal("0.800"), each,
                        "1901101000", "DE")
            for k in range(items)
        ),
        category=category,
    )
