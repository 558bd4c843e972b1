"""Reading province / city / district from consignee addresses against the shipped table."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.reference.divisions import (
    PROBLEM_AMBIGUOUS,
    PROBLEM_INCOMPLETE,
    PROBLEM_NOT_FOUND,
    shipped_divisions,
)


@pytest.mark.parametrize(("address", "big", "adcode"), [
    ("广东省深圳市南山区科技园南路88号", "粤 深圳 南山", "440305"),
    ("深圳市南山区粤海街道1号", "粤 深圳 南山", "440305"),  # no province
    ("中国 广东 深圳 南山区 科技园", "粤 深圳 南山", "440305"),  # short names, spaces
    ("北京市朝阳区建国路88号", "京 朝阳", "110105"),  # municipalities: no city part
    ("上海市浦东新区世纪大道100号", "沪 浦东", "310115"),
    ("天津市和平区南京路1号", "津 和平", "120101"),
    ("重庆市酉阳土家族苗族自治县钟多街道", "渝 酉阳", "500242"),  # a county of Chongqing
    # two central districts of Chongqing the source data lacked (labels said "not recognised")
    ("重庆市江北区和平街118号", "渝 江北", "500105"),
    ("重庆市渝北区双龙大道1号", "渝 渝北", "500112"),
    ("浙江省宁波市江北区人民路1号", "浙 宁波 江北", "330205"),  # the other 江北区 stays
    ("长春市朝阳区人民大街", "吉 长春 朝阳", "220104"),
    ("吉林省吉林市船营区", "吉 吉林 船营", "220204"),  # province and city share a name
    ("广西壮族自治区南宁市青秀区民族大道", "桂 南宁 青秀", "450103"),
    ("广东省东莞市长安镇", "粤 东莞", "441900"),  # a city without districts
    ("海南省万宁市万城镇", "琼 万宁", "469006"),  # a county-level city under the province
])
def test_addresses_resolve_to_their_division(address: str, big: str, adcode: str) -> None:
    found = shipped_divisions().resolve(address)
    assert found.resolved, found.problem
    assert (found.big_text(), found.adcode) == (big, adcode)


def test_a_district_in_two_cities_is_not_guessed() -> None:
    found = shipped_divisions().resolve("朝阳区建国路88号")
    assert found.problem == PROBLEM_AMBIGUOUS
    assert found.detail == "北京市朝阳区 / 吉林省长春市朝阳区"
    assert found.adcode == "" and found.big_text() == ""


def test_unreadable_and_incomplete_addresses_say_so() -> None:
    table = shipped_divisions()
    assert table.resolve("某某路1号").problem == PROBLEM_NOT_FOUND
    partial = table.resolve("江苏省南京市")  # Nanjing has districts: which one?
    assert partial.problem == PROBLEM_INCOMPLETE and partial.detail == "江苏省南京市"
    assert partial.big_text() == "苏 南京"


@given(st.text(alphabet="路街号楼室栋单元村镇乡小区花园大道1234567890ABC", max_size=30))
def test_text_without_place_names_never_resolves(tail: str) -> None:
    assert shipped_divisions().resolve(tail).problem == PROBLEM_NOT_FOUND


@given(st.sampled_from(sorted(shipped_divisions().by_code)),
       st.text(alphabet="路街号楼室12345", max_size=12))
def test_every_district_is_found_from_its_full_name(code: str, tail: str) -> None:
    table = shipped_divisions()
    division = table.by_code[code]
    if division.level != "district":
        return
    dest = table.destination(division)
    address = "".join(dict.fromkeys(n for n in dest.names() if n)) + tail
    assert table.resolve(address).adcode == code
