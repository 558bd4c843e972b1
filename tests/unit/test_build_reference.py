"""tools.build_reference: public tables merged under the curated rows, reproducibly."""

from __future__ import annotations

import csv
from pathlib import Path

from tools import build_reference


def _write(path: Path, header: str, *rows: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")


def _source(root: Path) -> Path:
    src = root / "refdata"
    _write(src / "SOURCES.md", "# copies")
    _write(src / "customs_districts.csv", "code,name", "2200,上海关区", "2244,上海快件")
    _write(src / "customs_countries.csv", "code,code_en,name", "116,Japan,日本",
           "440,El Salvador,萨尔瓦多", "444,Uruguay,乌拉圭")
    _write(src / "customs_units.csv", "code,name", "035,千克", "142,瓶")
    _write(src / "customs_currencies.csv", "code,code_en,name", "142,CNY,人民币",
           "609,NZD,新西兰元", "610,nzd,新西兰元", "118,KWD,科威特第纳尔")
    _write(src / "customs_hs_codes.csv",
           "code,name,describe,unit1,unit1_name,unit2,unit2_name,elements",
           "0403100000,酸乳,,035,千克,,,", "6912001000,陶餐具,,035,千克,,,",
           "1901101000,旧名,,035,千克,,,")
    _write(src / "hs2022" / "harmonized-system.csv", "section,hscode,description,parent,level",
           "IV,040320,Yogurt,0403,6", "XIII,691200,Ceramic tableware,6912,6",
           "IV,190110,Infant food,1901,6", "XXII,999999,Not specified,TOTAL,6")
    return src


def _rows(path: Path) -> dict[str, dict[str, str]]:
    with path.open(encoding="utf-8") as handle:
        return {r["code"]: r for r in csv.DictReader(handle)}


def test_merge_keeps_curated_rows_and_fills_the_rest(tmp_path: Path) -> None:
    src, out = _source(tmp_path), tmp_path / "out"
    out.mkdir()
    assert build_reference.main(["--source", str(src), "--out", str(out)]) == 0
    customs = _rows(out / "customs_districts.csv")
    assert customs["2244"]["name_zh"] == "上海快件"
    assert customs["2200"]["name_en"] == "Shanghai Customs"  # curated English kept
    assert "上海关区" in customs["2200"]["aliases"]  # the public name becomes an alias
    countries = _rows(out / "countries.csv")
    assert countries["444"]["aliases"].startswith("UY|URY") and countries["440"]["name_en"] == \
        "El Salvador"
    currencies = _rows(out / "currencies.csv")
    assert "610" not in currencies and currencies["118"]["name_en"] == "Kuwaiti dinar"
    hs = _rows(out / "hs_codes.csv")
    assert "0403100000" not in hs  # its HS 2017 subheading is gone from HS 2022
    assert hs["6912001000"]["source"] == "cn-tariff-2019" and hs["6912001000"]["vat_rate"] == ""
    assert hs["1901101000"]["source"] == "curated-hs2022"  # the curated row wins
    assert "999999" not in _rows(out / "hs2022_subheadings.csv")
    first = {p.name: p.read_bytes() for p in out.iterdir()}
    assert build_reference.main(["--source", str(src), "--out", str(out)]) == 0
    assert {p.name: p.read_bytes() for p in out.iterdir()} == first  # reproducible
