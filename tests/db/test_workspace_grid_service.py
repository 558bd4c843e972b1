from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from app.db.models import Declaration
from app.security.context import Actor
from app.services import grid
from app.services.queries import GRID_BY_KEY, GRID_COLUMNS, DeclarationFilter
from app.services.views import (
    ViewSpec,
    delete_view,
    filter_from_dict,
    filter_to_dict,
    list_views,
    save_view,
    status_counts,
)
from tests.factories import make_declaration


def test_ordered_ids_match_sql_order(sessions: sessionmaker[Session], actor: Actor) -> None:
    with sessions() as s, s.begin():
        for n in range(30):
            make_declaration(s, status="ready" if n % 3 else "draft",
                             orderNo=f"O{(n * 7) % 30:03d}")
    with sessions() as s:
        ids = grid.ordered_ids(s, actor, DeclarationFilter(), "orderNo", False)
        expected = list(s.execute(select(Declaration.id).order_by(
            Declaration.orderNo, Declaration.id)).scalars())
        assert list(ids) == expected
        ready = grid.ordered_ids(s, actor, DeclarationFilter(statuses=("ready",)), "id", True)
        assert len(ready) == 20 and list(ready) == sorted(ready, reverse=True)
        assert list(grid.ordered_ids(s, actor, DeclarationFilter(search="nothing"))) == []


def test_rows_decode_to_exact_values(sessions: sessionmaker[Session], actor: Actor) -> None:
    with sessions() as s, s.begin():
        decl_id = make_declaration(s, grossWeight=Decimal("1.23456"))
    with sessions() as s:
        (row,) = grid.rows_by_ids(s, actor, [decl_id], GRID_COLUMNS)
        first = grid.first_rows(s, actor, DeclarationFilter(), GRID_COLUMNS)
    assert row is not None and first[0] == row
    keys = [c.key for c in GRID_COLUMNS]
    weight = grid.decode(GRID_BY_KEY["grossWeight"], row[keys.index("grossWeight")])
    assert weight == Decimal("1.23456") and isinstance(weight, Decimal)
    created = grid.decode(GRID_BY_KEY["createdAt"], row[keys.index("createdAt")])
    assert isinstance(created, datetime) and created.tzinfo is not None
    assert grid.rows_by_ids(s, actor, [decl_id + 99], GRID_COLUMNS) == [None]
    assert grid.positions_of(grid.array("q", [5, 9, 3]), {3, 9, 4}) == {9: 1, 3: 2}


def test_saved_views_and_counts(sessions: sessionmaker[Session], actor: Actor) -> None:
    with sessions() as s, s.begin():
        make_declaration(s, status="ready")
        make_declaration(s, status="invalid")
        flt = DeclarationFilter(statuses=("ready",), search="ORD", has_problems=False)
        assert filter_from_dict(filter_to_dict(flt)) == flt
        save_view(s, actor, "Ready", ViewSpec(flt, "orderNo", False, ("id", "status")))
        save_view(s, actor, "Ready", ViewSpec(flt, "id", True, ()))  # replaces
        (name, spec), = list_views(s, actor)
        assert (name, spec.sort, spec.filter) == ("Ready", "id", flt)
        delete_view(s, actor, "Ready")
        assert list_views(s, actor) == []
        # Counts ignore the status restriction of the filter (the panel shows all statuses).
        assert status_counts(s, actor, DeclarationFilter(statuses=("ready",))) == {
            "ready": 1, "invalid": 1}


def test_two_imports_of_one_file_name_are_told_apart_by_their_time(
        sessions: sessionmaker[Session], actor: Actor) -> None:
    from datetime import UTC

    from app.db.models import ImportJob
    from app.services.views import filter_choices

    with sessions() as s, s.begin():
        for day in (1, 2):
            s.add(ImportJob(file_name="orders.xlsx", sha256=f"{day:064d}",
                            started_at=datetime(2026, 11, day, 1, 30, tzinfo=UTC)))
    with sessions() as s:
        labels = [label for _id, label in filter_choices(s, actor).import_jobs]
    # Beijing time (UTC+8) of each import, newest first.
    assert labels == ["orders.xlsx · 2026-11-02 09:30", "orders.xlsx · 2026-11-01 09:30"]
