"""A bulk run checks a chunk at once (`check_records`): it must find exactly what checking
each record on its own finds, whatever mix of good and bad values the chunk holds."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from app.domain.fields import HEAD_FIELDS, ITEM_FIELDS
from app.rules.context import SCREEN_ALL_FROM, Chunk
from app.rules.engine import check_record, check_records
from app.rules.fieldrules import screen_fields
from app.rules.money import screen_item_sums

from .sample import context, item, record

# Values a field may hold on its way in: fine, empty, padded, too long, wrong type, odd
# numbers (negative, too many places, not finite), bad dates.
ODD_VALUES = st.sampled_from([
    None, "", "  ", " 142", "142 ", "X" * 37, "X" * 300, "1", "12345678901", "20261340",
    "20261126", "20261126093000", "2026112609300", 0, -1, 10**10, True, Decimal("-1"),
    Decimal("1.000001"), Decimal("1E+15"), Decimal("0.00000"),
    Decimal("12.50000"), "12.5", "abc", Decimal("NaN"), Decimal("Infinity"),
    "a\x1b[31mb", "\x00", "x\ud800", "tab\tand\nnewline",
])
HEAD_NAMES = [f.name for f in HEAD_FIELDS]
ITEM_NAMES = [f.name for f in ITEM_FIELDS]


def _mutated(n: int, head: dict[str, Any], items: dict[str, Any]) -> dict[str, Any]:
    rec = record(id=n, **head)
    rec["items"] = [item(**{"gnum": 1, **items}), item(gnum=2)]
    return rec


@settings(deadline=None, max_examples=150)  # timings belong in bench/, not tests
@given(st.lists(st.tuples(
    st.dictionaries(st.sampled_from(HEAD_NAMES), ODD_VALUES, max_size=3),
    st.dictionaries(st.sampled_from(ITEM_NAMES), ODD_VALUES, max_size=2),
    st.booleans()), min_size=1, max_size=6))
def test_chunk_finds_what_each_record_finds(cases: list[tuple[dict[str, Any],
                                                              dict[str, Any], bool]]) -> None:
    ctx = context()
    chunk = []
    for n, (head, items, export) in enumerate(cases, start=1):
        rec = _mutated(n, head, items)
        if export:
            rec["ieFlag"] = "E"
        chunk.append(rec)
    assert check_records(chunk, ctx) == [check_record(r, ctx) for r in chunk]


def test_clean_chunk_has_no_problems_and_one_bad_value_is_still_found() -> None:
    ctx = context()
    chunk = [record(id=n) for n in range(1, 50)]
    chunk[17]["orderNo"] = "X" * 61
    results = check_records(chunk, ctx)
    assert [(n, p.code.value, p.field) for n, r in enumerate(results) for p in r.problems] == [
        (17, "TOO_LONG", "orderNo")]


def test_numbers_that_are_not_finite_are_bad_format_alone_or_among_others() -> None:
    ctx = context()
    for value in (Decimal("NaN"), Decimal("sNaN"), Decimal("-Infinity")):
        odd = record(id=1, freight=value)
        for chunk in ([odd], [odd, record(id=2)]):
            results = check_records(chunk, ctx)
            assert results == [check_record(r, ctx) for r in chunk]
            assert [(p.code.value, p.field) for p in results[0].problems] == [
                ("BAD_FORMAT", "freight")]


def test_a_flagged_record_is_scanned_only_where_its_fields_fail() -> None:
    """The chunk screen names, per record, the head and item fields the scan finds something
    in; those records report just that, in field order, as a record checked alone does, and
    a field left empty in many parcels reports the very same problem for each."""
    ctx = context()
    chunk = [record(id=n) for n in range(1, 6)]
    chunk[1]["orderNo"] = "X" * 61
    chunk[1]["buyerName"] = None
    chunk[3]["items"] = [item(gnum=1), item(gnum=2, gname="  ")]
    for rec in chunk:
        rec["ebpName"] = None
    screen = screen_fields(Chunk(chunk))
    assert {i: ([r[0] for r in heads], [[r[0] for r in rows] for rows in items])
            for i, (heads, items) in screen.scan.items()} == {
        0: (["ebpName"], [[]]), 1: (["orderNo", "ebpName", "buyerName"], [[]]),
        2: (["ebpName"], [[]]), 3: (["ebpName"], [[], ["gname"]]), 4: (["ebpName"], [[]])}
    results = check_records(chunk, ctx)
    assert results == [check_record(r, ctx) for r in chunk]
    assert [(p.code.value, p.field, p.gnum) for p in results[3].problems] == [
        ("REQUIRED", "ebpName", None), ("REQUIRED", "gname", 2)]
    assert results[0].problems[0] is results[4].problems[0]  # made once, shared


def test_a_chunk_of_distinct_prices_still_finds_a_wrong_total() -> None:
    """Past SCREEN_ALL_FROM items of mostly distinct values the item screens stand aside and
    every record runs the rule: the same findings."""
    ctx = context()
    chunk = []
    for n in range(1, 2 * SCREEN_ALL_FROM):
        price = Decimal(n)
        chunk.append(record(id=n, items=[item(price=price, totalPrice=2 * price)]))
    chunk[40]["items"][0]["totalPrice"] = Decimal("1")
    assert screen_item_sums(Chunk(chunk), ctx) == set(range(len(chunk)))
    results = check_records(chunk, ctx)
    assert results == [check_record(r, ctx) for r in chunk]
    assert [(n, p.field) for n, r in enumerate(results) for p in r.problems
            if p.code.value == "SUM_MISMATCH"] == [(40, "totalPrice")]
