"""Specimen declarations: valid, realistic inventories for tests, benchmarks and training.

Not customer data: fixed codes and names in the shape a postal CBEC broker would send.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from app.submission.ceb import BaseTransfer, InventoryInput

SPECIMEN_TRANSFER = BaseTransfer(copCode="3101980001", copName="上海清关报关有限公司",
                                 dxpId="DXPENT0000012345")


def import_head(n: int = 1, **overrides: Any) -> dict[str, Any]:
    head: dict[str, Any] = {
        "orderNo": f"SO2026112500{n:06d}",
        "ebpCode": "3101960001",
        "ebpName": "环球优选跨境电商平台",
        "ebcCode": "3101960002",
        "ebcName": "上海环球优选贸易有限公司",
        "logisticsNo": f"EA{n:09d}CN",
        "logisticsCode": "3101980002",
        "logisticsName": "中国邮政速递物流股份有限公司上海分公司",
        "copNo": f"CD{n:012d}",
        "assureCode": "3101960002",
        "customsCode": "2244",
        "portCode": "2244",
        "ieDate": "20261125",
        "buyerIdType": "1",
        "buyerIdNumber": "11010519491231002X",
        "buyerName": "王小明",
        "buyerTelephone": "13800138000",
        "consigneeAddress": "上海市浦东新区世纪大道100号",
        "agentCode": "3101980001",
        "agentName": "上海清关报关有限公司",
        "tradeMode": "9610",
        "trafMode": "5",
        "trafNo": "MU5101",
        "voyageNo": "MU5101",
        "billNo": "78412345675",
        "country": "502",
        "freight": Decimal("12.50"),
        "insuredFee": Decimal("0"),
        "currency": "142",
        "wrapType": "2",
        "packNo": 1,
        "grossWeight": Decimal("1.25"),
        "netWeight": Decimal("1.10"),
    }
    head.update(overrides)
    return head


def import_item(n: int = 1, **overrides: Any) -> dict[str, Any]:
    item: dict[str, Any] = {
        "gnum": n,
        "itemNo": f"SKU-{n:04d}",
        "itemName": "婴儿纸尿裤",
        "gcode": "9619001100",
        "gname": "婴儿纸尿裤",
        "gmodel": "L码 44片/包 无品牌型号",
        "barCode": "无",
        "country": "116",
        "currency": "142",
        "qty": Decimal("2"),
        "unit": "011",
        "qty1": Decimal("1.2"),
        "unit1": "035",
        "price": Decimal("89.90"),
        "totalPrice": Decimal("179.80"),
    }
    item.update(overrides)
    return item


def export_head(n: int = 1, **overrides: Any) -> dict[str, Any]:
    head: dict[str, Any] = {
        "customsCode": "2244",
        "ebpCode": "3101960001",
        "ebpName": "环球优选跨境电商平台",
        "orderNo": f"EO2026112500{n:06d}",
        "logisticsCode": "3101980002",
        "logisticsName": "中国邮政速递物流股份有限公司上海分公司",
        "logisticsNo": f"LX{n:09d}CN",
        "copNo": f"CE{n:012d}",
        "portCode": "2244",
        "ieDate": "20261125",
        "statisticsFlag": "A",
        "agentCode": "3101980001",
        "agentName": "上海清关报关有限公司",
        "ebcCode": "3101960002",
        "ebcName": "上海环球优选贸易有限公司",
        "ownerCode": "3101960002",
        "ownerName": "上海环球优选贸易有限公司",
        "tradeMode": "9610",
        "trafMode": "5",
        "country": "502",
        "POD": "502",
        "freight": Decimal("30"),
        "fCurrency": "142",
        "fFlag": "3",
        "insuredFee": Decimal("0"),
        "iCurrency": "142",
        "iFlag": "3",
        "wrapType": "2",
        "packNo": 1,
        "grossWeight": Decimal("0.85"),
        "netWeight": Decimal("0.80"),
    }
    head.update(overrides)
    return head


def export_item(n: int = 1, **overrides: Any) -> dict[str, Any]:
    item: dict[str, Any] = {
        "gnum": n,
        "itemNo": f"EX-{n:04d}",
        "itemName": "陶瓷茶杯",
        "gcode": "6912001000",
        "gname": "陶瓷茶杯",
        "gmodel": "350ml 白色 无品牌",
        "barCode": "无",
        "country": "502",
        "currency": "142",
        "qty": Decimal("4"),
        "qty1": Decimal("0.8"),
        "unit": "011",
        "unit1": "035",
        "price": Decimal("25"),
        "totalPrice": Decimal("100"),
    }
    item.update(overrides)
    return item


def import_inventory(n: int = 1, items: int = 1) -> InventoryInput:
    return InventoryInput(import_head(n), [import_item(i) for i in range(1, items + 1)])


def export_inventory(n: int = 1, items: int = 1) -> InventoryInput:
    return InventoryInput(export_head(n), [export_item(i) for i in range(1, items + 1)])
