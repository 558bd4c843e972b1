from __future__ import annotations

import logging

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.security.masking import (
    ALL_KINDS,
    PII_FIELDS,
    PiiKind,
    RedactingFilter,
    mask_address,
    mask_field,
    mask_id_number,
    mask_name,
    mask_phone,
    mask_record,
    redact_text,
)


def test_identity_number_shows_only_its_ends() -> None:
    assert mask_id_number("11010119900307123X") == "1101**********123X"
    assert mask_id_number(" 110101199003071234 ") == "1101**********1234"
    assert mask_id_number("E1234567") == "E1****67"
    assert mask_id_number("1234") == "****"


@pytest.mark.parametrize(
    ("raw", "masked"),
    [
        ("13812345678", "138****5678"),
        ("138-1234-5678", "138-****-5678"),
        ("+86 13812345678", "+86 138****5678"),
        ("+8613812345678", "+86138****5678"),
        ("010-62345678", "010-****5678"),
        ("12345", "***45"),
    ],
)
def test_phone_hides_the_middle_digits(raw: str, masked: str) -> None:
    assert mask_phone(raw) == masked


def test_names_and_addresses() -> None:
    assert mask_name("张三") == "张*"
    assert mask_name("欧阳娜娜") == "欧***"
    assert mask_name("John Smith") == "J*** S****"
    assert mask_address("浙江省杭州市西湖区文三路100号") == "浙江省杭州市****"
    assert mask_address("上海") == "上****"


def test_record_masks_ids_and_phones_by_default_and_leaves_the_rest() -> None:
    record = {
        "orderNo": "SO-1",
        "buyerIdNumber": "11010119900307123X",
        "buyerTelephone": "13812345678",
        "buyerName": "张三",
        "payerIdNumber": None,
        "consigneeTelephone": "",
    }
    masked = mask_record(record)
    assert masked == {
        "orderNo": "SO-1",
        "buyerIdNumber": "1101**********123X",
        "buyerTelephone": "138****5678",
        "buyerName": "张三",
        "payerIdNumber": None,
        "consigneeTelephone": "",
    }
    assert record["buyerIdNumber"] == "11010119900307123X"  # input untouched


def test_all_kinds_masks_names_and_addresses_too() -> None:
    assert mask_field("consignee", "李四", ALL_KINDS) == "李*"
    assert mask_field("consigneeAddress", "北京市海淀区中关村大街1号", ALL_KINDS).endswith("****")


def test_every_pii_field_is_a_declaration_field() -> None:
    from app.domain.fields import EXTRA_HEAD_FIELDS, HEAD_FIELDS

    names = {f.name for f in HEAD_FIELDS + EXTRA_HEAD_FIELDS} | {"telephone"}
    assert set(PII_FIELDS) <= names


@given(st.text(min_size=0, max_size=40))
def test_masked_id_never_reveals_more_than_eight_characters(value: str) -> None:
    masked = mask_field("buyerIdNumber", value)
    visible = [c for c in masked if c != "*"]
    assert len(visible) <= 8
    assert len(masked) == len(value.strip()) or value == ""


@given(st.from_regex(r"1[3-9]\d{9}", fullmatch=True))
def test_masked_mobile_hides_four_digits(value: str) -> None:
    masked = mask_field("buyerTelephone", value)
    assert masked.count("*") == 4
    assert masked[:3] == value[:3] and masked[-4:] == value[-4:]


def test_redact_text_masks_ids_mobiles_and_secrets() -> None:
    text = (
        "import row 7: buyer 11010119900307123X tel 13812345678 "
        "password=Hunter2-secret token: abc.def 密码：我的口令123"
    )
    out = redact_text(text)
    assert "11010119900307123X" not in out and "1101**********123X" in out
    assert "13812345678" not in out and "138****5678" in out
    assert "Hunter2-secret" not in out and "abc.def" not in out and "我的口令123" not in out
    assert "import row 7" in out


def test_redact_leaves_order_numbers_alone() -> None:
    text = "order SO20240101000012345678 amount 1380.00 batch 202401010001"
    assert redact_text(text) == text


def test_logging_filter_redacts_messages_args_and_tracebacks(
    caplog: pytest.LogCaptureFixture,
) -> None:
    logger = logging.getLogger("cleardesk.test.redact")
    handler_filter = RedactingFilter()
    caplog.handler.addFilter(handler_filter)
    try:
        logger.warning("buyer %s phone %s", "11010119900307123X", "13812345678")
        try:
            raise ValueError("bad id 110101199003071234")
        except ValueError:
            logger.exception("failed")
    finally:
        caplog.handler.removeFilter(handler_filter)
    assert "11010119900307123X" not in caplog.text
    assert "13812345678" not in caplog.text
    assert "110101199003071234" not in caplog.text
    assert "1101**********1234" in caplog.text


def test_kinds_cover_the_issue() -> None:
    assert {PiiKind.ID_NUMBER, PiiKind.PHONE} <= set(PII_FIELDS.values())
