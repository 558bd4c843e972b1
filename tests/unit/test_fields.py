"""app/domain/fields.py is the one map from CEB names to columns: the models must agree."""

from __future__ import annotations

from decimal import Decimal

from app.db.models import Declaration, DeclarationItem
from app.db.types import Decimal5
from app.domain.fields import ALL_HEAD_FIELDS, HEAD_FIELDS, ITEM_FIELDS, camel_to_snake


def _columns(mapped: type) -> dict[str, object]:
    return {prop.key: prop.columns[0] for prop in mapped.__mapper__.column_attrs}


def test_every_head_field_is_a_column_with_its_name_and_kind() -> None:
    cols = _columns(Declaration)
    for spec in ALL_HEAD_FIELDS:
        col = cols[spec.name]
        assert col.name == spec.column  # type: ignore[attr-defined]
        if spec.kind == "dec":
            assert isinstance(col.type, Decimal5)  # type: ignore[attr-defined]
        elif spec.kind == "str":
            assert col.type.length >= (spec.max_len or spec.length)  # type: ignore[attr-defined]


def test_every_item_field_is_a_column() -> None:
    cols = _columns(DeclarationItem)
    for spec in ITEM_FIELDS:
        assert cols[spec.name].name == spec.column  # type: ignore[attr-defined]


def test_head_fields_follow_the_ceb621_order() -> None:
    names = [f.name for f in HEAD_FIELDS if f.in_i]
    assert names[:5] == ["guid", "appType", "appTime", "appStatus", "orderNo"]
    assert names.index("buyerIdNumber") < names.index("consigneeAddress") < names.index("note")
    assert len(names) == 47


def test_snake_case_columns() -> None:
    assert camel_to_snake("buyerIdNumber") == "buyer_id_number"
    assert camel_to_snake("qty1") == "qty1"
    assert camel_to_snake("POD") == "pod"


def test_money_fields_are_decimal_typed() -> None:
    assert Decimal5().python_type is Decimal
