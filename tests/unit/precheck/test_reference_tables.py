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
        if hs.source == "curated-hs2022":  # hand-checked rows carry their rates
            assert hs.vat_rate is not None and Decimal("0") < hs.vat_rate < 1, hs.code
        else:  # the 2019 tariff rows have none: the estimate must say so
            assert hs.vat_rate is None and hs.ct_rate is None, hs.code
    milk = ref.hs("1901101000")
    assert milk is not None and milk.unit1 == "035" and milk.vat_rate == Decimal("0.13")


def test_bad_hs_row_names_the_line() -> None:
    text = "code,name_zh,name_en,unit1,unit2,vat_rate,ct_rate\n123,x,y,035,,0.13,0\n"
    with pytest.raises(ValidationError, match="line 2"):
        parse_hs_table(text)


def test_duplicate_code_refused() -> None:
    with pytest.raises(ValidationError, match="repeats"):
        parse_code_table("unit", "code,name_zh,name_en\n035,千克,kg\n035,千克,kg\n")


def test_full_customs_tables_know_the_subordinate_offices() -> None:
    ref = shipped_reference_tables()
    customs = ref.table("customsCode")
    assert customs.name_of("2244") == "上海快件" and customs.name_of("2233") == "浦东机场"
    assert customs.name_of("2200", "en") == "Shanghai Customs"  # curated English kept
    assert customs.name_of("2244", "en") == "上海快件"  # no English name: the Chinese one
    assert len(customs) == 1085 and len(ref.units) == 123 and len(ref.countries) >= 245
    assert ref.countries.resolve("URY") == "444" and ref.countries.name_of("440") == "萨尔瓦多"
    assert ref.units.name_of("142") == "瓶"


def test_currencies_come_from_the_customs_table_without_the_stray_610() -> None:
    currencies = shipped_reference_tables().currencies
    assert "610" not in currencies and currencies.resolve("NZD") == "609"
    assert currencies.resolve("KWD") == "118" and currencies.name_of("118") == "科威特第纳尔"


def test_hs_starter_edition_keeps_2019_codes_that_hs_2022_still_has() -> None:
    ref = shipped_reference_tables()
    cream = ref.hs("3304990099")  # curated row wins over the 2019 one: rates known
    assert cream is not None and cream.source == "curated-hs2022" and cream.rates_known
    plates = ref.hs("6912001000")  # 陶餐具, only in the 2019 tariff
    assert plates is not None and plates.source == "cn-tariff-2019" and plates.name_zh == "陶餐具"
    assert plates.unit1 == "035" and plates.unit2 is None and not plates.rates_known
    assert ref.hs("0403100000") is None  # 2019 yoghurt: subheading 0403.10 gone in HS 2022
    assert "040320" in ref.hs_subheadings and "040310" not in ref.hs_subheadings
    assert len(ref.hs_codes) > 11_000 and len(ref.hs_subheadings) == 5612
