"""Goods names as the HS suggestions compare them."""

from __future__ import annotations

import csv

from app.catalogue.similarity import grams, normalise_name
from app.paths import resource_path
from app.reference.tables import shipped_reference_tables


def test_width_case_punctuation_and_sizes_are_folded_away() -> None:
    assert normalise_name("ＳＫ－ＩＩ 神仙水 230ML") == "sk ii 神仙水"
    assert normalise_name("雅培 菁智 3段 900g×2罐") == "雅培 菁智 3段"
    assert normalise_name("Swisse 维生素C（泡腾片）20片/支") == "swisse 维生素c 泡腾片"
    assert normalise_name("50ml x 2") == ""


def test_pairs_run_across_spaces_and_latin_words_count_whole() -> None:
    assert grams(normalise_name("维生素C 泡腾片")) == grams(normalise_name("维生素c泡腾片"))
    assert {"airpods", "t恤"} <= grams(normalise_name("AirPods 纯棉T恤"))


def test_every_goods_word_leads_to_a_shipped_tariff_code() -> None:
    codes = shipped_reference_tables().hs_codes
    path = resource_path("reference") / "hs_goods_words.csv"
    with path.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert rows and all(r["code"] in codes and r["words"] for r in rows)
