"""Small factories that fill valid defaults; tests override what they are about."""

from __future__ import annotations

import itertools
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from app.db.bulk import insert_declarations
from app.rules.s10 import make_s10
from app.services.demo import id_check_character

_seq = itertools.count(1)


def valid_id_number(first17: str = "11010519491231002") -> str:
    return first17 + id_check_character(first17)


def declaration_values(**overrides: Any) -> dict[str, Any]:
    n = next(_seq)
    values: dict[str, Any] = {
        "orderNo": f"ORD{n:08d}", "ebpCode": "1105910159", "ebpName": "京东国际",
        "ebcCode": "1105W6B002", "ebcName": "京东全球购(香港)贸易有限公司",
        "logisticsNo": make_s10("EA", f"{n:08d}"), "logisticsCode": "3120980105",
        "logisticsName": "中国邮政速递物流股份有限公司", "assureCode": "1105W6B002",
        "ieFlag": "I", "declTime": "20261120", "customsCode": "5141", "portCode": "5141",
        "buyerIdType": "1", "buyerIdNumber": valid_id_number(), "buyerName": "张伟",
        "buyerTelephone": "13812345678",
        "consigneeAddress": "广东省广州市天河区天河路385号太古汇一座2801室",
        "agentCode": "5141980XYZ", "agentName": "广州清关通报关有限公司", "tradeMode": "9610",
        "trafMode": "5", "country": "116", "freight": Decimal("10"), "insuredFee": Decimal("0"),
        "currency": "142", "wrapType": "2", "packNo": 1, "grossWeight": Decimal("1.2"),
        "netWeight": Decimal("1.0"), "goods_total": Decimal("198"),
    }
    values.update(overrides)
    return values


def item_values(**overrides: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "gcode": "1901101000", "gname": "婴幼儿配方奶粉", "gmodel": "800g/罐 3段",
        "barCode": "无", "country": "116", "currency": "142", "qty": Decimal("1"),
        "unit": "122", "qty1": Decimal("0.8"), "unit1": "035", "price": Decimal("198"),
        "totalPrice": Decimal("198"), "itemNo": "SKU001",
    }
    values.update(overrides)
    return values


def make_declaration(session: Session, items: list[dict[str, Any]] | None = None,
                     **overrides: Any) -> int:
    """Insert one declaration (with one item unless `items` is given); returns its id."""
    its = items if items is not None else [item_values()]
    (decl_id,) = insert_declarations(session, [declaration_values(**overrides)], [its])
    return decl_id
