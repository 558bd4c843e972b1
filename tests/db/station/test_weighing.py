"""Weighing at the station: recorded within tolerance, held (problem, no batch) outside."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.db.models import AuditEvent, Declaration, ParcelWeighing, Problem
from app.domain.errors import ConflictError, PermissionDeniedError, ValidationError
from app.security.context import Actor, Role
from app.station.weighing import (
    WEIGHT_PROBLEM,
    Tolerance,
    held_ids,
    record_weighing,
    release_hold,
)
from app.submission.batches import BatchBlockedError, batch_candidates, create_batch
from tests.factories import make_declaration

TOLERANCE = Tolerance(Decimal("0.05"), Decimal(5))
CLERK = Actor("li.na", Role.CLERK, user_id=None, workstation="ws")
SUPERVISOR = Actor("wang.boss", Role.SUPERVISOR, user_id=None, workstation="ws")


def test_tolerance_is_the_larger_of_absolute_and_percent() -> None:
    assert TOLERANCE.allowed(Decimal("0.4")) == Decimal("0.05")
    assert TOLERANCE.allowed(Decimal(10)) == Decimal("0.5")
    assert Tolerance.from_settings({"weightToleranceKg": "0.1",
                                    "weightTolerancePercent": "2"}).allowed(Decimal(1)) \
        == Decimal("0.1")
    with pytest.raises(ValidationError, match="weightTolerancePercent"):
        Tolerance.from_settings({"weightTolerancePercent": "lots"})


def test_within_tolerance_records_the_weight_and_keeps_the_declared_one(
        session: Session) -> None:
    decl = make_declaration(session, status="ready", grossWeight=Decimal("1.2"))
    result = record_weighing(session, CLERK, decl, Decimal("1.24"), TOLERANCE, station="A1")
    assert not result.held
    row = session.scalars(select(ParcelWeighing)).one()
    assert (row.measured_kg, row.declared_kg, row.state, row.weighed_by, row.station) == (
        Decimal("1.24"), Decimal("1.2"), "recorded", "li.na", "A1")
    assert session.get(Declaration, decl).grossWeight == Decimal("1.2")
    event = session.scalars(select(AuditEvent).where(AuditEvent.action == "station.weigh")).one()
    assert event.declaration_id == decl and event.user_name == "li.na"
    assert held_ids(session) == []
    assert decl in batch_candidates(session, CLERK).ids


def test_outside_tolerance_holds_the_parcel_until_a_supervisor_releases_it(
        session: Session) -> None:
    decl = make_declaration(session, status="ready", grossWeight=Decimal("1.2"))
    other = make_declaration(session, status="ready", grossWeight=Decimal("1.2"))
    result = record_weighing(session, CLERK, decl, Decimal("1.9"), TOLERANCE)
    assert result.held and result.difference_kg == Decimal("0.7")
    problem = session.scalars(select(Problem).where(Problem.declaration_id == decl)).one()
    assert (problem.code, problem.field, problem.severity) == (WEIGHT_PROBLEM, "grossWeight",
                                                               "error")
    assert problem.params["measured"] == "1.9"
    assert session.get(Declaration, decl).error_count == 1
    assert held_ids(session) == [decl]
    # not batched: neither picked up nor accepted when selected
    assert batch_candidates(session, CLERK).ids == (other,)
    with pytest.raises(BatchBlockedError) as blocked:
        create_batch(session, CLERK, ids=[decl, other])
    assert [b.id for b in blocked.value.blocked] == [decl]
    assert "Held at the station" in blocked.value.blocked[0].reason.msgid

    with pytest.raises(PermissionDeniedError):
        release_hold(session, CLERK, decl, "ok")
    with pytest.raises(ValidationError):
        release_hold(session, SUPERVISOR, decl, "  ")
    assert release_hold(session, SUPERVISOR, decl, "scale checked, box is heavier") == 1
    assert held_ids(session) == []
    assert session.scalars(select(Problem).where(Problem.declaration_id == decl)).all() == []
    assert session.get(Declaration, decl).error_count == 0
    row = session.scalars(select(ParcelWeighing)).one()
    assert (row.state, row.decided_by) == ("released", "wang.boss")
    with pytest.raises(ConflictError):
        release_hold(session, SUPERVISOR, decl, "again")
    assert create_batch(session, CLERK, ids=[decl, other]).declarations == 2


def test_no_declared_weight_is_held_and_nonsense_weights_refused(session: Session) -> None:
    decl = make_declaration(session, grossWeight=None)
    assert record_weighing(session, CLERK, decl, Decimal("2"), TOLERANCE).held
    with pytest.raises(ValidationError):
        record_weighing(session, CLERK, decl, Decimal(0), TOLERANCE)


def test_held_parcels_get_no_pdf_label_even_with_force(session: Session, tmp_path: Path) -> None:
    from app.services.printing import Selection, WeightHeldError, print_labels

    decl = make_declaration(session, status="released", grossWeight=Decimal("1.2"))
    record_weighing(session, CLERK, decl, Decimal("5"), TOLERANCE)
    with pytest.raises(WeightHeldError, match=f"ids {decl}"):
        print_labels(session, CLERK, Selection(ids=(decl,)), tmp_path / "l.pdf", force=True)
    assert not (tmp_path / "l.pdf").exists()
    release_hold(session, SUPERVISOR, decl, "re-weighed by hand")
    assert print_labels(session, CLERK, Selection(ids=(decl,)), tmp_path / "l.pdf").records == 1
