"""The generated fast path never hides a problem the full field scan would report."""

from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from app.rules import fieldrules

VALUES = st.one_of(
    st.none(), st.just(""), st.just(" "), st.just("\u3000x"), st.text(max_size=70),
    st.from_regex(r"\A\d{8}\Z"), st.from_regex(r"\A\d{14}\Z"), st.just("20260229"),
    st.just("20261128"), st.just("20261126235959"), st.just("20261126246000"),
    st.decimals(allow_nan=False, allow_infinity=False, places=None),
    st.decimals(min_value=0, max_value=10**15, places=5), st.integers(-5, 10**10),
    st.just(Decimal("1.123456")),
)


def _valid(row) -> object:  # type: ignore[no-untyped-def]
    _name, kind, limit, exact, _required, _check = row
    if kind == "str":
        return "A" * (exact or min(limit or 5, 5))
    return {"dec": Decimal("1.50000"), "int": 1, "date8": "20260101",
            "time14": "20260101120000"}[kind]


def _agrees(plan, index: int, value: object) -> None:  # type: ignore[no-untyped-def]
    record = {row[0]: _valid(row) for row in plan}
    fine = fieldrules._compile_fine(plan)
    assert fine(record.get)  # the baseline passes the fast path
    record[plan[index][0]] = value
    if fine(record.get):
        assert list(fieldrules._scan(plan, record.get, "head", None)) == []


@settings(max_examples=400)
@given(st.data())
def test_fast_path_never_hides_a_problem(data: st.DataObject) -> None:
    for plans in (fieldrules._HEAD_PLAN, fieldrules._ITEM_PLAN):
        for imp in (True, False):
            plan = plans[imp]
            index = data.draw(st.integers(0, len(plan) - 1))
            _agrees(plan, index, data.draw(VALUES))
