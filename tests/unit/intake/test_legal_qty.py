"""Legal quantities without a catalogue entry: the size parser and the derivation rules."""

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.intake.legal_qty import (
    MODEL_SIZE,
    NET_WEIGHT,
    SAME_UNIT,
    Size,
    derive_line,
    derive_lines,
    parse_size,
    render_size,
)

SPELLINGS = {"kg": ("kg", "KG", "Kg", "千克", "公斤", "ｋｇ"), "g": ("g", "克", "ｇ"),
             "ml": ("ml", "ML", "mL", "毫升", "ｍｌ"), "l": ("L", "l", "升", "Ｌ")}


@pytest.mark.parametrize(("text", "expected"), [
    ("50ml", Size(Decimal(50), "ml")),
    ("保湿面霜 50ml", Size(Decimal(50), "ml")),
    ("750ML/瓶", Size(Decimal(750), "ml")),
    ("1.5kg", Size(Decimal("1.5"), "kg")),
    ("200g", Size(Decimal(200), "g")),
    ("200G", Size(Decimal(200), "g")),
    ("3×100g", Size(Decimal(100), "g", 3)),
    ("3*100g", Size(Decimal(100), "g", 3)),
    ("3 x 100 g", Size(Decimal(100), "g", 3)),
    ("100g×3袋", Size(Decimal(100), "g", 3)),
    ("50mlx2", Size(Decimal(50), "ml", 2)),
    ("2x1L", Size(Decimal(1), "l", 2)),
    ("５０ｍｌ", Size(Decimal(50), "ml")),
    ("１．５ＫＧ", Size(Decimal("1.5"), "kg")),
    ("３＊１００ｇ", Size(Decimal(100), "g", 3)),
    ("500毫升", Size(Decimal(500), "ml")),
    ("1升装", Size(Decimal(1), "l")),
    ("900克/罐", Size(Decimal(900), "g")),
    ("1.5千克", Size(Decimal("1.5"), "kg")),
    ("2公斤", Size(Decimal(2), "kg")),
    ("2023款 面霜 50ml", Size(Decimal(50), "ml")),
    ("AB-200g", Size(Decimal(200), "g")),
    ("50ml 50ml", Size(Decimal(50), "ml")),  # the same size twice is one size
])
def test_sizes_found(text: str, expected: Size) -> None:
    assert parse_size(text) == expected


@pytest.mark.parametrize("text", [
    "", "X50", "2023款", "型号X50ml", "A200g", "5G手机", "iPhone 15 256G", "128GB", "5 lite",
    "200gsm 打印纸", "1,5kg", "洁面100g+面霜50ml", "2×50ml×3", "100g*3*2", "SKU-7788",
    "维生素C 500mg", "尺码 42", "0ml",
])
def test_no_size(text: str) -> None:
    assert parse_size(text) is None


amounts = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("99999"), places=2,
                      allow_nan=False, allow_infinity=False)


@settings(max_examples=300, deadline=None)
@given(amount=amounts, unit=st.sampled_from(sorted(SPELLINGS)), count=st.integers(1, 99),
       data=st.data(), times=st.sampled_from(["×", "x", "X", "*", " x ", "＊"]),
       after=st.booleans(), prefix=st.sampled_from(["", "面霜 ", "规格:", "2023款 ", "("]),
       suffix=st.sampled_from(["", "/瓶", " 装", ")", "袋"]))
def test_render_then_parse_round_trips(amount: Decimal, unit: str, count: int,
                                       data: st.DataObject, times: str, after: bool,
                                       prefix: str, suffix: str) -> None:
    size = Size(amount, unit, count)
    spelling = data.draw(st.sampled_from(SPELLINGS[unit]))
    text = render_size(size, times=times, unit_text=spelling, count_after=after)
    parsed = parse_size(prefix + text + suffix)
    assert parsed is not None, text
    assert parsed.in_base() == size.in_base() and parsed.dimension == size.dimension
    assert parse_size(render_size(parsed)) == parsed


def line(**values: object) -> dict[str, object]:
    return {"gname": "保湿面霜", "qty": Decimal(2), "unit": "142", **values}


def test_same_unit_carries_the_quantity() -> None:
    fill = derive_line(line(unit="035", qty=Decimal("1.25")), "035")
    assert fill.values == {"unit1": "035", "qty1": Decimal("1.25")}
    assert fill.how == {"qty1": SAME_UNIT}


def test_net_weight_only_for_one_line() -> None:
    fill = derive_line(line(), "035", net_weight=Decimal("0.3"), lines=1)
    assert fill.values["qty1"] == Decimal("0.3") and fill.how == {"qty1": NET_WEIGHT}
    two = derive_line(line(), "035", net_weight=Decimal("0.3"), lines=2)
    assert "qty1" not in two.values and two.missing == ("qty1",)


def test_model_size_times_quantity_in_the_legal_unit() -> None:
    cream = derive_line(line(gmodel="50ml"), "095", lines=2)
    assert cream.values == {"unit1": "095", "qty1": Decimal("0.1")}
    assert cream.how == {"qty1": MODEL_SIZE}
    snacks = derive_line(line(gmodel="3×100g", unit="140"), "035", "036", lines=3)
    assert snacks.values["qty1"] == Decimal("0.6") and snacks.values["qty2"] == Decimal(600)
    assert snacks.values["unit2"] == "036"
    named = derive_line(line(gname="红酒 750ML", gmodel="干红"), "095", lines=2)
    assert named.values["qty1"] == Decimal("1.5")
    # grams cannot become litres; "个" is neither a mass nor a volume
    assert derive_line(line(gmodel="200g"), "095", lines=2).missing == ("qty1",)
    assert derive_line(line(gmodel="200g"), "007", lines=2).missing == ("qty1",)


def test_given_values_are_never_replaced() -> None:
    fill = derive_line(line(unit="035", qty1=Decimal(9), unit1="035", gmodel="50ml"), "035",
                       net_weight=Decimal(1))
    assert fill.values == {} and fill.missing == ()
    # a line naming another legal unit than its code's gets nothing in it
    other = derive_line(line(unit="035", unit1="036"), "035")
    assert other.values == {} and other.missing == ()
    second = derive_line(line(unit="035", qty2=Decimal(3)), "095", "035")
    assert "qty2" not in second.values and "unit2" not in second.values


def test_derive_lines_reports_only_lines_with_a_fill() -> None:
    lines = [line(gmodel="50ml"), line(gmodel="型号X50"), line(unit="035")]
    out = derive_lines(lines, [("095", None), ("035", None), None], net_weight=Decimal(1))
    assert set(out) == {0, 1}
    assert out[0].how == {"qty1": MODEL_SIZE}
    assert out[1].values == {"unit1": "035"} and out[1].missing == ("qty1",)
