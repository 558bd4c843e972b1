"""hs-suggest-accuracy: how often the right HS code is the first / among the first three
suggestions for the goods names of tests/fixtures/hs_suggest_testset.csv (names written apart
from anything the suggestions learn from), from the tariff alone and with a 50,000-product
catalogue built from other names (bench/cases/suggest_data.py). No ratio: the figures are the
result. hs-suggest-time: median time per suggestion over that catalogue plus the full tariff,
against the 30 ms budget of issue 18. With --quick the catalogue has 10,000 products."""

from __future__ import annotations

import csv
import statistics
import time
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import insert
from sqlalchemy.orm import Session

from app.catalogue.suggest import HsSuggester
from app.db.engine import make_engine
from app.db.migrate import ensure_schema
from app.db.models import CatalogueEntry
from app.security.context import system_actor
from app.services.bootstrap import after_migration
from bench.cases.suggest_data import catalogue_rows
from bench.registry import Outcome, case, scratch_dir

TEST_SET = Path(__file__).resolve().parents[2] / "tests" / "fixtures" / "hs_suggest_testset.csv"
CATALOGUE_SIZE = 50_000
QUICK_CATALOGUE_SIZE = 10_000  # --quick: the suite stays near a minute
SUGGEST_BUDGET = 0.030  # seconds per suggestion (median), from issue 18


@dataclass(frozen=True)
class Accuracy:
    names: int
    top1: float  # the first suggestion is the code (10 digits)
    top3: float  # the code is among the first three
    top1_subheading: float  # the first suggestion has the code's six-digit subheading

    def text(self) -> str:
        return (f"top1={self.top1:.0%} top3={self.top3:.0%} "
                f"top1_6digit={self.top1_subheading:.0%} (n={self.names})")


def test_set() -> list[tuple[str, str, str]]:
    with TEST_SET.open(encoding="utf-8", newline="") as fh:
        return [(r["gname"], r["gmodel"], r["gcode"]) for r in csv.DictReader(fh)]


def accuracy(session: Session, suggester: HsSuggester, tariff_only: bool) -> Accuracy:
    """Scores the suggestions for every name of the test set."""
    rows = test_set()
    top1 = top3 = sub1 = 0
    for gname, gmodel, gcode in rows:
        codes = [s.gcode for s in suggester.suggest(session, system_actor(), gname, gmodel,
                                                    limit=3, tariff_only=tariff_only)]
        top1 += codes[:1] == [gcode]
        top3 += gcode in codes
        sub1 += [c[:6] for c in codes[:1]] == [gcode[:6]]
    n = len(rows)
    return Accuracy(n, top1 / n, top3 / n, sub1 / n)


def _catalogue_db(path: Path, size: int) -> None:
    engine = make_engine(f"sqlite:///{path}")
    ensure_schema(engine)
    after_migration(engine)
    rows = list(catalogue_rows(size))
    with Session(engine) as s, s.begin():
        for start in range(0, len(rows), 5000):
            s.execute(insert(CatalogueEntry), rows[start:start + 5000])
    engine.dispose()


@case("hs-suggest-accuracy", target=None)
def hs_suggest_accuracy(quick: bool) -> Outcome:
    size = QUICK_CATALOGUE_SIZE if quick else CATALOGUE_SIZE
    with scratch_dir() as d:
        db = d / "catalogue.sqlite3"
        _catalogue_db(db, size)
        engine = make_engine(f"sqlite:///{db}")
        with Session(engine) as s:
            start = time.perf_counter()
            words = accuracy(s, HsSuggester(), tariff_only=True)
            bare = accuracy(s, HsSuggester(goods_words=False), tariff_only=True)
            both = accuracy(s, HsSuggester(), tariff_only=False)
            seconds = time.perf_counter() - start
        engine.dispose()
    return Outcome(seconds, None, {
        "tariff_with_goods_words": words.text(),
        "tariff_names_only": bare.text(),
        "with_catalogue": both.text(),
        "catalogue": f"{size} synthetic products, other names than the test set"})


@case("hs-suggest-time", target=1.0)
def hs_suggest_time(quick: bool) -> Outcome:
    names = [g for g, _, _ in test_set()]
    size = QUICK_CATALOGUE_SIZE if quick else CATALOGUE_SIZE
    with scratch_dir() as d:
        db = d / "catalogue.sqlite3"
        _catalogue_db(db, size)
        engine = make_engine(f"sqlite:///{db}")
        suggester = HsSuggester()
        times: list[float] = []
        with Session(engine) as s:
            build = time.perf_counter()
            suggester.suggest(s, system_actor(), "保湿面霜")  # builds the tariff index once
            build = time.perf_counter() - build
            for name in names:
                start = time.perf_counter()
                suggester.suggest(s, system_actor(), name, limit=5)
                times.append(time.perf_counter() - start)
        engine.dispose()
    ordered = sorted(times)
    return Outcome(statistics.median(times), SUGGEST_BUDGET, {
        "names": str(len(times)), "catalogue": str(size),
        "p90_ms": f"{ordered[int(len(ordered) * 0.9)] * 1000:.1f}",
        "max_ms": f"{ordered[-1] * 1000:.1f}",
        "tariff_index_build_ms": f"{build * 1000:.0f}",
        "baseline": "the 30 ms budget per suggestion (median)"})
