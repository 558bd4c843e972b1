from decimal import Decimal

import pytest

from app.domain.errors import ValidationError
from app.reference.tables import parse_code_table, parse_hs_table, shipped_reference_tables


def test_shipped_tables_load_and_resolve_aliases() -> None:
    ref = shipped_reference_tables()
    assert ref.countries.name_of("116") == "日本"
    assert ref.countries.resolve("JPN") == "116"
    assert ref.countries.resolve("日本") == "116"
    assert ref.currencies.resolve("cny") == "142"
    assert ref.units.resolve("kg") == "035"
    assert "9610" in ref.table("tradeMode")
    assert "6" in ref.table("trafMode")
    assert "3700" in ref.table("customsCode")
    assert len(ref.hs_codes) >= 150


def test_hs_codes_have_known_units_and_rates() -> None:
    ref = shipped_reference_tables()
    for hs in ref.hs_codes.values():
        assert hs.unit1 in ref.units, hs.code
        assert hs.unit2 is None or hs.unit2 in ref.units, hs.code
        assert Decimal("0") < hs.vat_rate < 1
    milk = ref.hs("1901101000")
    assert milk is not None and milk.unit1 == "035" and milk.vat_rate == Decimal("0.13")


def test_bad_hs_row_names_the_line() -> None:
    text = "code,name_zh,name_en,unit1,unit2,vat_rate,ct_rate\n123,x,y,035,,0.13,0\n"
    with pytest.raises(ValidationError, match="line 2"):
        parse_hs_table(text)


def test_duplicate_code_refused() -> None:
    with pytest.raises(ValidationError, match="repeats"):
        parse_code_table("unit", "code,name_zh,name_en\n035,千克,kg\n035,千克,kg\n")
