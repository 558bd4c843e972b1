from __future__ import annotations

import random
from collections import Counter
from decimal import Decimal
from typing import Any

import pytest

from app.reference.tables import shipped_reference_tables
from app.services import demo
from app.services.demo import generate, id_check_character


def _check(number: str) -> bool:
    return len(number) == 18 and id_check_character(number[:17]) == number[17]


def test_demo_is_deterministic_for_a_seed() -> None:
    refs = shipped_reference_tables()
    a = generate(50, 3, refs, {})
    b = generate(50, 3, refs, {})
    c = generate(50, 4, refs, {})
    assert a == b
    assert a != c


def test_demo_records_are_realistic() -> None:
    refs = shipped_reference_tables()
    heads, items = generate(2000, 11, refs, {})
    ok = [h for h in heads if not h.get("note")]
    flawed = [h for h in heads if h.get("note")]
    assert all(_check(h["buyerIdNumber"]) for h in ok)
    assert 0.02 < len(flawed) / len(heads) < 0.12
    assert all(h["buyerTelephone"] and len(h["buyerTelephone"]) == 11 for h in ok)
    assert any(len(i) > 1 for i in items)
    statuses = Counter(h["status"] for h in heads)
    assert {"draft", "ready", "released", "invalid"} <= set(statuses)
    for h, its in zip(heads, items, strict=True):
        if h.get("note"):
            continue
        assert sum((i["totalPrice"] for i in its), Decimal(0)) == h["goods_total"] <= 5000
        for i in its:
            assert refs.hs(i["gcode"]) is not None
            assert i["totalPrice"] == i["qty"] * i["price"]
            assert i["unit1"] == refs.hs(i["gcode"]).unit1  # type: ignore[union-attr]


def test_legal_quantities_follow_the_legal_unit() -> None:
    refs = shipped_reference_tables()
    _, items = generate(400, 5, refs, {})
    wine = [i for its in items for i in its if i["unit1"] == "095"]
    assert wine, "the demo sells wine, whose legal unit is litres"
    assert all(i["qty1"] == i["qty"] * Decimal("0.75") for i in wine)
    assert all(i["qty2"] is not None and i["qty2"] > 0 for i in wine)  # second unit: kg


def test_demo_waybills_are_unique_even_when_a_draw_repeats(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """100k demo parcels drew the same postal waybill twice and the demo (and the check-100k
    bench) stopped on the unique waybill index; a repeated draw is drawn again."""

    class Repeating(random.Random):
        repeats = 3

        def randrange(self, start: int, stop: Any = None, step: int = 1) -> int:
            if (start, stop) == (10**11, 10**12) and Repeating.repeats:
                Repeating.repeats -= 1
                return 10**11
            return super().randrange(start, stop, step)

    monkeypatch.setattr(demo.random, "Random", Repeating)
    heads, _ = generate(40, 3, shipped_reference_tables(), {})
    waybills = [h["logisticsNo"] for h in heads]
    assert Repeating.repeats == 0 and len(set(waybills)) == len(waybills)
