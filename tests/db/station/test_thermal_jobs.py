"""Thermal jobs: recorded first, sent, marked; an unreachable printer leaves them pending."""

from __future__ import annotations

import socket

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from app.db.models import AuditEvent, ThermalJob
from app.security.context import Actor
from app.station.output import deliver_job, deliver_pending_jobs, record_job
from app.station.profiles import ThermalProfile
from tests.factories import make_declaration
from tests.unit.station.test_thermal import CapturePrinter


def _closed_port() -> int:
    server = socket.create_server(("127.0.0.1", 0))
    port = server.getsockname()[1]
    server.close()
    return port


def test_job_is_recorded_then_sent_and_a_pending_one_is_sent_later(
        sessions: sessionmaker[Session], actor: Actor) -> None:
    printer = CapturePrinter()
    try:
        offline = ThermalProfile("zebra", target=f"tcp://127.0.0.1:{_closed_port()}")
        online = ThermalProfile("zebra", target=printer.target)
        with sessions() as s, s.begin():
            decl = make_declaration(s)
            first = record_job(s, actor, online, b"^XA^FDone^XZ", kind="parcel",
                               declaration_id=decl)
            second = record_job(s, actor, offline, b"^XA^FDtwo^XZ", kind="parcel",
                                declaration_id=decl)
        assert deliver_job(sessions, actor, first).sent
        assert printer.next_job() == b"^XA^FDone^XZ"
        result = deliver_job(sessions, actor, second)
        assert not result.sent and "did not take the label" in result.error
        with sessions() as s:
            states = dict(s.execute(select(ThermalJob.id, ThermalJob.state)).all())
            assert states == {first: "sent", second: "pending"}
            assert s.scalars(select(AuditEvent.entity_id)
                             .where(AuditEvent.action == "print.thermal")).all() == [str(first)]
        # the printer is back (same job, now pointed at it): the reconciler sends it once
        with sessions() as s, s.begin():
            s.get(ThermalJob, second).target = printer.target  # type: ignore[union-attr]
        assert [r.sent for r in deliver_pending_jobs(sessions, actor)] == [True]
        assert printer.next_job() == b"^XA^FDtwo^XZ"
        assert deliver_pending_jobs(sessions, actor) == []
    finally:
        printer.close()
