"""Bags (总包): parcels scanned at the station go into the open bag of their route.

The database keeps the rules, not the workstation: a parcel is in at most one bag (unique
`bag_parcels.declaration_id`), a route has at most one open bag (unique `bags.open_route`),
and bag numbers are made from the database's row id and site code, so two stations sharing a
database, or two sites, never issue the same number. A refused insert is turned into a clear
message (which bag holds the parcel) inside a savepoint, so the caller's transaction goes on.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.db.models import Bag, BagParcel, Batch, Declaration
from app.db.types import utcnow
from app.domain.errors import ConflictError, NotFoundError, ValidationError
from app.i18n import N_
from app.security.audit import record_event
from app.security.context import Actor, Permission, require
from app.services.settings import site_code
from app.station.weighing import held_ids, kg_text

OPEN, CLOSED = "open", "closed"
NO_ROUTE = "-"  # parcels whose destination has no route code: sorted by hand


class AlreadyBagged(ConflictError):
    """The parcel is in a bag already; `bag_no` says which."""

    def __init__(self, declaration_id: int, bag_no: str) -> None:
        super().__init__(N_("Parcel {id} is already in bag {bag}"), id=declaration_id,
                         bag=bag_no)
        self.bag_no = bag_no


@dataclass(frozen=True)
class BagSummary:
    id: int
    bag_no: str
    route: str
    state: str
    parcels: int
    weight_kg: Decimal | None
    opened_by: str
    opened_at: datetime
    closed_by: str | None
    closed_at: datetime | None

    def as_json(self) -> dict[str, object]:
        return {"bagNo": self.bag_no, "route": self.route, "state": self.state,
                "parcels": self.parcels,
                "weight": kg_text(self.weight_kg),
                "openedBy": self.opened_by, "openedAt": self.opened_at.isoformat(),
                "closedBy": self.closed_by,
                "closedAt": None if self.closed_at is None else self.closed_at.isoformat()}


@dataclass(frozen=True)
class BagParcelRow:
    declaration_id: int
    waybill: str
    order_no: str
    gross_weight: Decimal | None
    batch_no: str


def _summary(bag: Bag) -> BagSummary:
    return BagSummary(bag.id, bag.bag_no or "", bag.route_code, bag.state, bag.parcel_count,
                      bag.weight_kg, bag.opened_by, bag.opened_at, bag.closed_by,
                      bag.closed_at)


def bag_of(session: Session, declaration_id: int) -> str | None:
    """The number of the bag holding the parcel, or None."""
    return session.scalar(select(Bag.bag_no).join(BagParcel, BagParcel.bag_id == Bag.id)
                          .where(BagParcel.declaration_id == declaration_id))


def bag_number(bag_id: int, site: str = "") -> str:
    """The bag number of row `bag_id`: the site code keeps two databases (the office, a
    sorting centre) from issuing the same bag number, like copNo and batch numbers."""
    return f"BG{site}{bag_id:08d}"


def _open_bag(session: Session, actor: Actor, route: str, station: str) -> Bag:
    bag = session.scalars(select(Bag).where(Bag.open_route == route)).first()
    if bag is not None:
        return bag
    bag = Bag(route_code=route, open_route=route, state=OPEN, parcel_count=0,
              station=station or None, opened_by=actor.name, opened_at=utcnow())
    try:
        with session.begin_nested():
            session.add(bag)
            session.flush()
            bag.bag_no = bag_number(bag.id, site_code(session))
            session.flush()
    except IntegrityError:  # another station opened the route's bag a moment ago
        found = session.scalars(select(Bag).where(Bag.open_route == route)).first()
        if found is None:
            raise
        return found
    record_event(session, actor, "bag.open", entity="bag", entity_id=bag.bag_no,
                 details={"route": route, "station": station})
    return bag


def add_to_bag(session: Session, actor: Actor, declaration_id: int, route: str, *,
               station: str = "") -> BagSummary:
    """Put the parcel into the open bag of `route` (opening one if needed). Caller commits.

    Raises AlreadyBagged naming the bag, ConflictError for a parcel held for its weight.
    """
    require(actor, Permission.BATCH)
    route = route.strip() or NO_ROUTE
    if held_ids(session, [declaration_id]):
        raise ConflictError(N_("Parcel {id} is held for its weight and cannot be bagged"),
                            id=declaration_id)
    existing = bag_of(session, declaration_id)
    if existing is not None:
        raise AlreadyBagged(declaration_id, existing)
    bag = _open_bag(session, actor, route, station)
    try:
        with session.begin_nested():
            session.add(BagParcel(bag_id=bag.id, declaration_id=declaration_id,
                                  added_by=actor.name, added_at=utcnow()))
            session.flush()
    except IntegrityError:  # the same parcel scanned at two stations at once
        raise AlreadyBagged(declaration_id, bag_of(session, declaration_id) or "?") from None
    session.execute(update(Bag).where(Bag.id == bag.id)
                    .values(parcel_count=Bag.parcel_count + 1)
                    .execution_options(synchronize_session=False))
    session.refresh(bag)
    record_event(session, actor, "bag.add", entity="bag", entity_id=bag.bag_no,
                 declaration_id=declaration_id, details={"route": route})
    return _summary(bag)


def _load(session: Session, bag_ref: str) -> Bag:
    bag = session.scalars(select(Bag).where(Bag.bag_no == bag_ref.strip().upper())).first()
    if bag is None:
        raise NotFoundError("No bag {bag}", bag=bag_ref)
    return bag


def open_bag_of_route(session: Session, actor: Actor, route: str) -> BagSummary | None:
    require(actor, Permission.VIEW)
    bag = session.scalars(select(Bag).where(Bag.open_route == (route.strip() or NO_ROUTE))
                          ).first()
    return None if bag is None else _summary(bag)


def close_bag(session: Session, actor: Actor, bag_ref: str,
              weight_kg: Decimal | None) -> BagSummary:
    """Close an open bag with its weight (None: not weighed). Caller commits (and prints the
    bag label). Raises NotFoundError, ConflictError for a closed or empty bag."""
    require(actor, Permission.BATCH)
    bag = _load(session, bag_ref)
    if bag.state != OPEN:
        raise ConflictError(N_("Bag {bag} is already closed"), bag=bag.bag_no)
    if bag.parcel_count == 0:
        raise ConflictError(N_("Bag {bag} is empty"), bag=bag.bag_no)
    if weight_kg is not None and (not weight_kg.is_finite() or weight_kg <= 0):
        raise ValidationError("The bag weight must be more than 0 kg, not {value}",
                              value=str(weight_kg))
    bag.state = CLOSED
    bag.open_route = None
    bag.weight_kg = weight_kg
    bag.closed_by = actor.name
    bag.closed_at = utcnow()
    session.flush()
    record_event(session, actor, "bag.close", entity="bag", entity_id=bag.bag_no,
                 details={"route": bag.route_code, "parcels": bag.parcel_count,
                          "weight": None if weight_kg is None else str(weight_kg)})
    return _summary(bag)


def list_bags(session: Session, actor: Actor, *, state: str | None = None,
              route: str | None = None, limit: int = 500) -> list[BagSummary]:
    """Bags, newest first."""
    require(actor, Permission.VIEW)
    q = select(Bag).order_by(Bag.id.desc()).limit(limit)
    if state:
        q = q.where(Bag.state == state)
    if route:
        q = q.where(Bag.route_code == route)
    return [_summary(b) for b in session.scalars(q)]


def get_bag(session: Session, actor: Actor, bag_ref: str
            ) -> tuple[BagSummary, list[BagParcelRow]]:
    """A bag and its parcels (in the order they went in)."""
    require(actor, Permission.VIEW)
    bag = _load(session, bag_ref)
    rows = session.execute(
        select(Declaration.id, Declaration.logisticsNo, Declaration.orderNo,
               Declaration.grossWeight, Batch.batch_no)
        .join(BagParcel, BagParcel.declaration_id == Declaration.id)
        .outerjoin(Batch, Batch.id == Declaration.batch_id)
        .where(BagParcel.bag_id == bag.id).order_by(BagParcel.id)).all()
    return _summary(bag), [BagParcelRow(r[0], r[1] or "", r[2] or "", r[3], r[4] or "")
                           for r in rows]


def bag_numbers(session: Session, declaration_ids: Sequence[int]) -> dict[int, str]:
    """declaration id → bag number, for those of `declaration_ids` that are in a bag."""
    return {int(d): b for d, b in session.execute(
        select(BagParcel.declaration_id, Bag.bag_no).join(Bag, Bag.id == BagParcel.bag_id)
        .where(BagParcel.declaration_id.in_(list(declaration_ids)))) if b}


def bags_of_batch(session: Session, batch_id: int) -> list[BagSummary]:
    """The bags holding parcels of a batch (its master bill lists them), by bag number."""
    ids = select(BagParcel.bag_id).join(Declaration, Declaration.id == BagParcel.declaration_id
                                        ).where(Declaration.batch_id == batch_id)
    return [_summary(b) for b in session.scalars(
        select(Bag).where(Bag.id.in_(ids)).order_by(Bag.bag_no))]


def bag_manifest(session: Session, actor: Actor, *, since: datetime | None = None,
                 until: datetime | None = None) -> list[BagSummary]:
    """The closed bags (the bag manifest), in closing order; optionally closed in a period."""
    require(actor, Permission.VIEW)
    q = select(Bag).where(Bag.state == CLOSED).order_by(Bag.closed_at, Bag.id)
    if since is not None:
        q = q.where(Bag.closed_at >= since)
    if until is not None:
        q = q.where(Bag.closed_at < until)
    return [_summary(b) for b in session.scalars(q)]


def bag_counts(session: Session, bag_ids: Sequence[int]) -> dict[int, int]:
    """Parcels per bag counted in SQL (a check on the stored counts)."""
    return {int(b): int(n) for b, n in session.execute(
        select(BagParcel.bag_id, func.count()).where(BagParcel.bag_id.in_(list(bag_ids)))
        .group_by(BagParcel.bag_id))}
