"""Weighing at the station: the measured weight against the declared gross weight.

Within tolerance the measured weight is recorded (who, when, which station) and audited; the
declared `grossWeight` changes only through the normal edit and its re-check. Outside, the
declaration gets the problem `WEIGHT_MEASURED` and the parcel is held — no label at the
station, no batch — until a supervisor releases it (`release_hold`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from app.db.models import Declaration, ParcelWeighing, Problem
from app.db.types import utcnow
from app.domain.errors import ConflictError, NotFoundError, ValidationError
from app.i18n import N_
from app.security.audit import record_event
from app.security.context import Actor, Permission, require

WEIGHT_PROBLEM = "WEIGHT_MEASURED"
RECORDED, HELD, RELEASED = "recorded", "held", "released"
_CHUNK = 500
WEIGHT_PROBLEM_TEXT = N_("Measured {measured} kg at the station, declared {declared} kg "
                         "(difference {difference} kg is more than the tolerance "
                         "{allowed} kg); held until a supervisor decides")


def kg_text(value: Decimal | None) -> str | None:
    """A weight for JSON: `2.5`, not the stored `2.50000`."""
    return None if value is None else f"{value.normalize():f}"


@dataclass(frozen=True)
class Tolerance:
    """Allowed difference: the larger of `absolute_kg` and `percent` of the declared weight."""

    absolute_kg: Decimal = Decimal("0.05")
    percent: Decimal = Decimal(5)

    @classmethod
    def from_settings(cls, settings: Mapping[str, str]) -> Tolerance:
        return cls(_decimal("weightToleranceKg", settings.get("weightToleranceKg") or "0.05"),
                   _decimal("weightTolerancePercent",
                            settings.get("weightTolerancePercent") or "5"))

    def allowed(self, declared: Decimal) -> Decimal:
        return max(self.absolute_kg, abs(declared) * self.percent / 100)


def _decimal(key: str, raw: str) -> Decimal:
    try:
        value = Decimal(raw.strip())
    except InvalidOperation:
        value = Decimal(-1)
    if not value.is_finite() or value < 0:
        raise ValidationError("Setting {key} must be a number of 0 or more, not {value}",
                              key=key, value=raw)
    return value


@dataclass(frozen=True)
class Weighing:
    declaration_id: int
    measured_kg: Decimal
    declared_kg: Decimal | None
    difference_kg: Decimal | None
    allowed_kg: Decimal | None
    state: str  # recorded | held
    weighed_by: str
    weighed_at: datetime

    @property
    def held(self) -> bool:
        return self.state == HELD

    def as_json(self) -> dict[str, object]:
        return {"id": self.declaration_id, "measuredWeight": kg_text(self.measured_kg),
                "grossWeight": kg_text(self.declared_kg),
                "difference": kg_text(self.difference_kg),
                "allowed": kg_text(self.allowed_kg),
                "state": self.state, "weighedBy": self.weighed_by,
                "weighedAt": self.weighed_at.isoformat()}


def record_weighing(session: Session, actor: Actor, declaration_id: int, measured_kg: Decimal,
                    tolerance: Tolerance, *, station: str = "") -> Weighing:
    """Record a weighing; outside tolerance it also holds the parcel. The caller commits.

    A parcel with no declared gross weight cannot be compared and is held too.
    Raises NotFoundError for an unknown declaration, ValidationError for a weight ≤ 0.
    """
    require(actor, Permission.PRINT)
    if not measured_kg.is_finite() or measured_kg <= 0:
        raise ValidationError("The measured weight must be more than 0 kg, not {value}",
                              value=str(measured_kg))
    declared = session.scalar(select(Declaration.grossWeight)
                              .where(Declaration.id == declaration_id))
    exists = declared is not None or session.scalar(
        select(Declaration.id).where(Declaration.id == declaration_id)) is not None
    if not exists:
        raise NotFoundError("No declaration with id {ids}", ids=declaration_id)
    difference = None if declared is None else measured_kg - declared
    allowed = None if declared is None else tolerance.allowed(declared)
    within = difference is not None and allowed is not None and abs(difference) <= allowed
    state = RECORDED if within else HELD
    now = utcnow()
    session.add(ParcelWeighing(declaration_id=declaration_id, measured_kg=measured_kg,
                               declared_kg=declared, within=within, state=state,
                               station=station or None, weighed_by=actor.name, weighed_at=now))
    if not within:
        _hold(session, declaration_id, measured_kg, declared, difference, allowed)
    record_event(session, actor, "station.weigh", entity="declaration",
                 entity_id=str(declaration_id), declaration_id=declaration_id,
                 details={"measured": str(measured_kg),
                          "declared": None if declared is None else str(declared),
                          "state": state, "station": station})
    return Weighing(declaration_id, measured_kg, declared, difference, allowed, state,
                    actor.name, now)


def _hold(session: Session, decl_id: int, measured: Decimal, declared: Decimal | None,
          difference: Decimal | None, allowed: Decimal | None) -> None:
    session.execute(delete(Problem).where(Problem.declaration_id == decl_id,
                                          Problem.code == WEIGHT_PROBLEM))
    session.add(Problem(declaration_id=decl_id, gnum=None, field="grossWeight",
                        code=WEIGHT_PROBLEM, severity="error", msgid=WEIGHT_PROBLEM_TEXT,
                        params={"measured": str(measured),
                                "declared": "-" if declared is None else str(declared),
                                "difference": "-" if difference is None else str(difference),
                                "allowed": "-" if allowed is None else str(allowed)}))
    session.execute(update(Declaration).where(Declaration.id == decl_id)
                    .values(error_count=Declaration.error_count + 1)
                    .execution_options(synchronize_session=False))


def held_ids(session: Session, ids: Sequence[int] | None = None) -> list[int]:
    """Declarations (of `ids`, or all) held for their measured weight, by id."""
    q = select(ParcelWeighing.declaration_id).where(ParcelWeighing.state == HELD).distinct()
    if ids is None:
        return sorted(session.scalars(q))
    found: set[int] = set()
    for start in range(0, len(ids), _CHUNK):
        chunk = list(ids[start:start + _CHUNK])
        found.update(session.scalars(q.where(ParcelWeighing.declaration_id.in_(chunk))))
    return sorted(found)


def latest_weighings(session: Session, actor: Actor, declaration_id: int) -> list[Weighing]:
    """The weighings of one parcel, newest first."""
    require(actor, Permission.VIEW)
    w = ParcelWeighing
    rows = session.execute(select(w.declaration_id, w.measured_kg, w.declared_kg, w.state,
                                  w.weighed_by, w.weighed_at)
                           .where(w.declaration_id == declaration_id)
                           .order_by(w.id.desc())).all()
    out = []
    for r in rows:
        diff = None if r.declared_kg is None else r.measured_kg - r.declared_kg
        out.append(Weighing(r.declaration_id, r.measured_kg, r.declared_kg, diff, None,
                            r.state, r.weighed_by, r.weighed_at))
    return out


def release_hold(session: Session, actor: Actor, declaration_id: int, reason: str) -> int:
    """A supervisor lets a parcel held for its weight go on (labels, batches). Caller commits.

    The WEIGHT_MEASURED problem is removed; the declared weight stays as it is (edit it
    through the normal edit if it was wrong). Returns the number of holds released. Raises
    ValidationError without a reason, ConflictError when the parcel is not held.
    """
    require(actor, Permission.ACKNOWLEDGE)
    reason = reason.strip()
    if not reason:
        raise ValidationError("Give a reason for releasing the parcel")
    now = utcnow()
    released = session.execute(
        update(ParcelWeighing)
        .where(ParcelWeighing.declaration_id == declaration_id, ParcelWeighing.state == HELD)
        .values(state=RELEASED, decided_by=actor.name, decided_at=now,
                decision_reason=reason[:500])
        .execution_options(synchronize_session=False)).rowcount  # type: ignore[attr-defined]
    if not released:
        raise ConflictError(N_("Declaration {id} is not held for its weight"),
                            id=declaration_id)
    removed = session.execute(delete(Problem).where(
        Problem.declaration_id == declaration_id,
        Problem.code == WEIGHT_PROBLEM)).rowcount  # type: ignore[attr-defined]
    if removed:
        session.execute(update(Declaration).where(Declaration.id == declaration_id,
                                                  Declaration.error_count > 0)
                        .values(error_count=Declaration.error_count - 1)
                        .execution_options(synchronize_session=False))
    record_event(session, actor, "station.release", entity="declaration",
                 entity_id=str(declaration_id), declaration_id=declaration_id,
                 details={"holds": int(released)}, reason=reason)
    return int(released)


@dataclass(frozen=True)
class Hold:
    declaration_id: int
    waybill: str
    measured_kg: Decimal
    declared_kg: Decimal | None
    weighed_by: str
    weighed_at: datetime

    def as_json(self) -> dict[str, object]:
        return {"id": self.declaration_id, "logisticsNo": self.waybill,
                "measuredWeight": kg_text(self.measured_kg),
                "grossWeight": kg_text(self.declared_kg),
                "weighedBy": self.weighed_by, "weighedAt": self.weighed_at.isoformat()}


def list_holds(session: Session, actor: Actor) -> list[Hold]:
    """Parcels waiting for a supervisor because of their weight, oldest first."""
    require(actor, Permission.VIEW)
    w = ParcelWeighing
    rows = session.execute(
        select(w.declaration_id, Declaration.logisticsNo, w.measured_kg, w.declared_kg,
               w.weighed_by, w.weighed_at)
        .join(Declaration, Declaration.id == w.declaration_id)
        .where(w.state == HELD).order_by(w.id)).all()
    return [Hold(r[0], r[1] or "", r[2], r[3], r[4], r[5]) for r in rows]
