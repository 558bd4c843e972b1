"""One station cycle: scan → weigh → (held | label + bag) — the same for the GUI, CLI and bench.

One transaction records the weighing, the label's bytes (a pending thermal job), the print
log and the bag; after it commits the bytes go to the printer and the job is marked sent.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Literal

from sqlalchemy import insert, update
from sqlalchemy.orm import Session, sessionmaker

from app.db.models import Declaration, PrintLog
from app.security.context import Actor
from app.services.print_sources import PrintContext, load_context, stream_labels
from app.services.scanning import PROBLEM_STATUSES, FoundParcel, lookup_scan, normalise_code
from app.station.bags import AlreadyBagged, BagSummary, add_to_bag, bag_of, close_bag
from app.station.output import SendResult, deliver_job, record_job
from app.station.profiles import ThermalProfile
from app.station.thermal import bag_label, parcel_label, render
from app.station.weighing import Tolerance, Weighing, held_ids, record_weighing

CycleOutcome = Literal["ok", "held", "problem", "unknown", "bagged", "error"]


@dataclass(frozen=True)
class CycleResult:
    code: str
    outcome: CycleOutcome
    parcel: FoundParcel | None = None
    weighing: Weighing | None = None
    bag: BagSummary | None = None
    bag_no: str = ""  # for "bagged": the bag already holding the parcel
    route: str = ""
    printed: SendResult | None = None
    notes: tuple[str, ...] = field(default_factory=tuple)


@dataclass
class StationCycle:
    """The station's settings for a shift; `run(code, weight)` does one parcel."""

    sessions: sessionmaker[Session]
    actor: Actor
    tolerance: Tolerance
    profile: ThermalProfile | None  # None: no thermal printer (weigh and bag only)
    bagging: bool = True
    station: str = ""
    # False: the caller sends the recorded label jobs itself (the GUI, on a worker thread, so
    # an unreachable printer never freezes the scanning); they stay pending until then.
    deliver_now: bool = True
    _context: PrintContext | None = None

    def context(self, session: Session) -> PrintContext:
        if self._context is None:  # settings, codes and the route table: once per shift
            self._context = load_context(session)
        return self._context

    def warm_up(self) -> None:
        """Load the settings, code tables and fonts before the first parcel, so the first
        scan is as quick as the others."""
        with self.sessions() as session:
            self.context(session)
        if self.profile is not None:
            render(bag_label("BG00000000", "-", 0, None, self.profile.width_mm), self.profile)

    def run(self, raw_code: str, weight_kg: Decimal) -> CycleResult:
        code = normalise_code(raw_code)
        with self.sessions() as session, session.begin():
            parcel = lookup_scan(session, self.actor, code)
            if parcel is None:
                return CycleResult(code, "unknown")
            in_bag = bag_of(session, parcel.id)
            if in_bag is not None:
                return CycleResult(code, "bagged", parcel, bag_no=in_bag)
            if held_ids(session, [parcel.id]):
                return CycleResult(code, "held", parcel)
            weighing = record_weighing(session, self.actor, parcel.id, weight_kg,
                                       self.tolerance, station=self.station)
            if weighing.held:
                return CycleResult(code, "held", parcel, weighing)
            if parcel.status in PROBLEM_STATUSES or parcel.errors > 0:
                # rejected, detained, under inspection …: weighed, but no label and no bag
                return CycleResult(code, "problem", parcel, weighing)
            label = next(stream_labels(session, [parcel.id], self.context(session)))
            bag = None
            if self.bagging:
                try:
                    bag = add_to_bag(session, self.actor, parcel.id, label.route_code,
                                     station=self.station)
                except AlreadyBagged as exc:  # another station bagged it meanwhile
                    return CycleResult(code, "bagged", parcel, weighing, bag_no=exc.bag_no)
            job_id = None
            if self.profile is not None:
                payload = render(parcel_label(label, weight_kg, self.profile.width_mm,
                                              bag.bag_no if bag else ""), self.profile)
                job_id = record_job(session, self.actor, self.profile, payload,
                                    kind="parcel", declaration_id=parcel.id)
                session.execute(insert(PrintLog).values(
                    declaration_id=parcel.id, document="label", user_name=self.actor.name))
                session.execute(update(Declaration).where(Declaration.id == parcel.id)
                                .values(printed_count=Declaration.printed_count + 1)
                                .execution_options(synchronize_session=False))
        printed = (deliver_job(self.sessions, self.actor, job_id)
                   if job_id is not None and self.deliver_now else None)
        return CycleResult(code, "ok", parcel, weighing, bag, route=label.route_code,
                           printed=printed)

    def close_bag(self, bag_no: str, weight_kg: Decimal | None) -> tuple[BagSummary,
                                                                          SendResult | None]:
        """Close the bag, record its label and print it (after the commit)."""
        with self.sessions() as session, session.begin():
            bag = close_bag(session, self.actor, bag_no, weight_kg)
            job_id = None
            if self.profile is not None:
                payload = render(bag_label(bag.bag_no, bag.route, bag.parcels, bag.weight_kg,
                                           self.profile.width_mm), self.profile)
                job_id = record_job(session, self.actor, self.profile, payload, kind="bag",
                                    bag_id=bag.id)
        printed = (deliver_job(self.sessions, self.actor, job_id)
                   if job_id is not None and self.deliver_now else None)
        return bag, printed
