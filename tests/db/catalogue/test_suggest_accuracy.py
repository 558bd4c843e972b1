"""The HS suggestions against goods names whose codes are known (tests/fixtures/
hs_suggest_testset.csv, written apart from the shipped goods words): a floor under the
tariff-only accuracy, set from what bench `hs-suggest-accuracy` measured (top-3: 88% with the
goods words, 39% from the tariff's names alone), so a regression fails."""

from __future__ import annotations

import csv
from pathlib import Path

from sqlalchemy.orm import Session

from app.catalogue.suggest import HsSuggester
from app.security.context import Actor

TEST_SET = Path(__file__).resolve().parents[2] / "fixtures" / "hs_suggest_testset.csv"


def _top3_accuracy(session: Session, actor: Actor, suggester: HsSuggester) -> float:
    with TEST_SET.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) >= 150
    hits = sum(r["gcode"] in [s.gcode for s in suggester.suggest(
        session, actor, r["gname"], r["gmodel"], limit=3, tariff_only=True)] for r in rows)
    return hits / len(rows)


def test_tariff_only_top3_accuracy_floor(session: Session, actor: Actor) -> None:
    assert _top3_accuracy(session, actor, HsSuggester()) >= 0.85
    assert _top3_accuracy(session, actor, HsSuggester(goods_words=False)) >= 0.35
