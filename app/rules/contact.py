"""Plausibility of buyer telephone numbers and mainland consignee addresses."""

from __future__ import annotations

import re

_MOBILE = re.compile(r"^1[3-9]\d{9}$")
_MOBILE_SECOND = frozenset("3456789")
_LANDLINE = re.compile(r"^0\d{2,3}\d{7,8}$")
_PREFIX = re.compile(r"^(?:\+?86|0086)")
_SEPARATORS = re.compile(r"[\s\-()（）]")

# Provinces, municipalities and autonomous regions (short names suffice to recognise them).
PROVINCES: tuple[str, ...] = (
    "北京", "天津", "上海", "重庆", "河北", "山西", "辽宁", "吉林", "黑龙江", "江苏", "浙江",
    "安徽", "福建", "江西", "山东", "河南", "湖北", "湖南", "广东", "海南", "四川", "贵州",
    "云南", "陕西", "甘肃", "青海", "台湾", "内蒙古", "广西", "西藏", "宁夏", "新疆", "香港",
    "澳门",
)
MUNICIPALITIES: tuple[str, ...] = ("北京", "天津", "上海", "重庆")
_CITY_MARKERS = re.compile(r"(市|州|盟|地区)")
MIN_ADDRESS_CHARS = 8


def normalise_phone(value: str) -> str:
    text = _SEPARATORS.sub("", value.strip())
    if len(text) > 11:
        text = _PREFIX.sub("", text)
    return text


def phone_is_plausible(value: str) -> bool:
    """A mainland mobile (1[3-9] + 9 digits) or a landline with area code, ±86 prefix."""
    if len(value) == 11 and value[0] == "1" and value[1] in _MOBILE_SECOND and value.isdecimal():
        return True  # a plain mobile number, most of them: no regular expressions needed
    return _plausible(value)


def _plausible(value: str) -> bool:
    text = normalise_phone(value)
    return bool(_MOBILE.match(text) or _LANDLINE.match(text))


def address_problem(value: str) -> str | None:
    """None when plausible, else `short`, `province` or `city`."""
    text = "".join(value.split())
    if len(text) < MIN_ADDRESS_CHARS:
        return "short"
    head = text[:12]
    province = next((p for p in PROVINCES if p in head), None)
    if province is None:
        return "province"
    if province in MUNICIPALITIES:
        return None
    rest = text[text.index(province) + len(province):]
    if not _CITY_MARKERS.search(rest[:12]):
        return "city"
    return None
