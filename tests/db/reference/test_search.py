"""`cleardesk reference show TABLE --search`: by code digits or words of the name."""

from __future__ import annotations

import json
from typing import Any

import pytest


def _show(capsys: pytest.CaptureFixture[str], db_url: str, *argv: str) -> dict[str, Any]:
    from app.cli import main

    assert main(["--db", db_url, "reference", "show", *argv, "--json"]) == 0
    return json.loads(capsys.readouterr().out)  # type: ignore[no-any-return]


def _codes(out: dict[str, Any]) -> list[str]:
    return [r["code"] for r in out["rows"]]


def test_hs_search_by_words_digits_and_english(db_url: str,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    cosmetics = _show(capsys, db_url, "hs", "--search", "化妆品", "--limit", "100")
    assert "3304990099" in _codes(cosmetics)
    assert all("化妆品" in r["name_zh"] for r in cosmetics["rows"])
    assert _codes(_show(capsys, db_url, "hs", "--search", "smartphones")) == ["8517130000"]
    earphones = _show(capsys, db_url, "hs", "--search", "耳机")  # two characters: no trigram
    assert "8518300000" in _codes(earphones)
    assert _codes(_show(capsys, db_url, "hs", "--search", "85183")) == ["8518300000"]
    both = _show(capsys, db_url, "hs", "--search", "小包装 VERMOUTH")  # every word, any case
    assert _codes(both) == ["2205100000"]
    plates = _show(capsys, db_url, "hs", "--search", "6912001000")["rows"][0]
    assert (plates["unit1"], plates["vat_rate"]) == ("035", None)  # rates not known


def test_code_table_search(db_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert "2244" in _codes(_show(capsys, db_url, "customs", "--search", "快件"))
    assert _codes(_show(capsys, db_url, "country", "--search", "JPN")) == ["116"]


def test_hs_search_by_everyday_names_the_tariff_does_not_use(
        db_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    # "面霜" is nowhere in the tariff's wording (护肤品); hs_keywords.csv maps it to 3304.99
    cream = _codes(_show(capsys, db_url, "hs", "--search", "面霜"))
    assert "3304990099" in cream and all(c.startswith("330499") for c in cream)
    assert _codes(_show(capsys, db_url, "hs", "--search", "面霜 0099")) == ["3304990099"]
    nappies = _codes(_show(capsys, db_url, "hs", "--search", "纸尿裤"))
    assert "9619001100" in nappies
