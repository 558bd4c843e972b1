"""A valid import declaration as a plain dict (CEB names), for rule tests."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from app.reference.tables import shipped_reference_tables
from app.rules.context import CheckContext, shipped_restricted_terms
from app.rules.idcard import check_character

TODAY = date(2026, 11, 26)


def valid_id(first17: str = "11010519491231002") -> str:
    return first17 + check_character(first17)


def record(**head: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "id": 1,
        "guid": "4CDE1D2F-8B8E-4D0A-9A8B-2E7D6C1A0B11",
        "appType": "1", "appTime": "20261126093000", "appStatus": "2",
        "orderNo": "T2026112600001", "ebpCode": "3301960001", "ebpName": "海淘平台",
        "ebcCode": "3301960002", "ebcName": "海淘电商", "logisticsNo": "EL123456785CN",
        "logisticsCode": "1100000001", "logisticsName": "中国邮政", "copNo": "CD0000001",
        "assureCode": "3301960002", "ieFlag": "I", "declTime": "20261126",
        "customsCode": "2200", "portCode": "2200", "buyerIdType": "1",
        "buyerIdNumber": valid_id(), "buyerName": "张三", "buyerTelephone": "13800138000",
        "consigneeAddress": "浙江省杭州市西湖区文三路100号", "agentCode": "3301980001",
        "agentName": "示例报关行", "tradeMode": "9610", "trafMode": "5", "country": "116",
        "freight": Decimal("10"), "insuredFee": Decimal("0"), "currency": "142",
        "packNo": 1, "grossWeight": Decimal("1.2"), "netWeight": Decimal("1.0"),
        "items": [item()],
    }
    base.update(head)
    return base


def item(**fields: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "gnum": 1, "gcode": "1901101000", "gname": "婴幼儿配方奶粉", "gmodel": "900克/罐",
        "country": "116", "currency": "142", "qty": Decimal("2"), "unit": "122",
        "qty1": Decimal("1.8"), "unit1": "035", "price": Decimal("150"),
        "totalPrice": Decimal("300"),
    }
    base.update(fields)
    return base


def context(**overrides: Any) -> CheckContext:
    values: dict[str, Any] = {"ref": shipped_reference_tables(), "today": TODAY,
                              "restricted": shipped_restricted_terms()}
    values.update(overrides)
    return CheckContext(**values)
