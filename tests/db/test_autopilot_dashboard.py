"""The supervisor's dashboard: a Beijing day's flow per hour, counted in SQL."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import update
from sqlalchemy.orm import Session, sessionmaker

from app.autopilot.dashboard import day_flow
from app.autopilot.exceptions import exception_groups
from app.db.models import Declaration, ImportJob, ImportRowError, InboundReceipt, Problem
from app.domain.errors import PermissionDeniedError
from app.security.audit import AuditRecord, append_events
from app.security.context import Actor, Role
from tests.db.test_cli import run_json
from tests.factories import make_declaration, valid_id_number

DAY = date(2026, 11, 20)  # Beijing; it runs from 2026-11-19 16:00 to 2026-11-20 16:00 UTC
MIDNIGHT = datetime(2026, 11, 19, 16, 0, tzinfo=UTC)  # 00:00 in Beijing
NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)  # 20:00 in Beijing
SECOND = timedelta(seconds=1)
SUPERVISOR = Actor("wang", Role.SUPERVISOR)


def at_hour(hour: int, minute: int = 30) -> datetime:
    """UTC instant of `hour`:`minute` on the Beijing clock of DAY."""
    return MIDNIGHT + timedelta(hours=hour, minutes=minute)


def build_flow(s: Session) -> dict[str, Counter[int]]:
    """A day with something in many hours, and just outside it on both sides (23:59:59 the
    day before, 00:00 the day after). Returns what the dashboard must count, per hour."""
    counter = iter(range(1, 1000))

    def decl(created: datetime, updated: datetime | None = None, **kw: object) -> int:
        k = next(counter)
        i = make_declaration(s, orderNo=f"F{k}", logisticsNo=f"YTF{k:06d}",
                             buyerIdNumber=valid_id_number(f"11010519900101{k:03d}"), **kw)
        s.execute(update(Declaration).where(Declaration.id == i)
                  .values(created_at=created, updated_at=updated or created))
        return i

    received = [decl(MIDNIGHT - SECOND), decl(MIDNIGHT), decl(MIDNIGHT),
                decl(at_hour(10)), decl(at_hour(10)), decl(at_hour(10)),
                decl(at_hour(23, 59) + 59 * SECOND), decl(MIDNIGHT + timedelta(days=1))]
    autopilot, li = Actor("autopilot:wang", Role.SUPERVISOR), Actor("li", Role.CLERK)

    def send(actor: Actor, when: datetime, ids: list[int],
             action: str = "declaration.send") -> None:
        append_events(s, actor, [AuditRecord(action, "declaration", str(i), i, {"batch": "B"})
                                 for i in ids], at=when)

    send(autopilot, MIDNIGHT - SECOND, received[:1])  # the day before
    send(autopilot, MIDNIGHT, received[1:3])
    send(autopilot, at_hour(10), received[3:4])
    send(li, at_hour(10, 45), received[4:6])
    send(li, at_hour(10), received[3:6], action="declaration.status")  # not a send
    send(li, at_hour(23, 59), received[6:7])
    send(li, MIDNIGHT + timedelta(days=1), received[7:8])  # the day after

    def receipt(decl_id: int, when: datetime, status: str = "800",
                applied: bool = True) -> None:
        k = next(counter)
        s.add(InboundReceipt(message_type="CEB622Message", file_name=f"r{k}.xml",
                             file_hash=f"h{k}", content_key=f"k{k}", return_status=status,
                             return_time="20261120103000000", declaration_id=decl_id,
                             applied=applied, received_at=when))

    receipt(received[3], at_hour(10))
    receipt(received[3], at_hour(10, 50))  # the same parcel again: counted once
    receipt(received[4], at_hour(10, 5))
    receipt(received[5], at_hour(10), applied=False)  # older than what it knew
    receipt(received[5], at_hour(10), status="120")  # accepted, not released
    receipt(received[1], MIDNIGHT)
    receipt(received[2], MIDNIGHT - SECOND)  # the day before

    for started, rows in ((at_hour(9), 3), (MIDNIGHT - timedelta(hours=1), 1)):
        job = ImportJob(file_name=f"orders{rows}.xlsx", sha256=f"{rows}" * 64,
                        started_at=started, rejected_rows=rows)
        s.add(job)
        s.flush()
        s.add_all([ImportRowError(import_job_id=job.id, row=r + 2, msgid="bad")
                   for r in range(rows)])

    def problem(decl_id: int, severity: str, acknowledged: bool = False) -> None:
        s.add(Problem(declaration_id=decl_id, field="buyerIdNumber", code="ID_CHECKSUM",
                      severity=severity, msgid="x", params={},
                      acknowledged_at=NOW if acknowledged else None))

    problem(decl(MIDNIGHT, status="invalid"), "error")
    decl(MIDNIGHT, status="invalid")  # no error stored: not among the exceptions either
    problem(decl(at_hour(10), status="ready"), "warning")
    problem(decl(at_hour(10), status="ready"), "warning", acknowledged=True)
    decl(at_hour(1), at_hour(23), status="rejected", last_return_status="-621004")
    decl(at_hour(1), at_hour(10), status="inspection")
    decl(at_hour(1), at_hour(10), status="sent")  # no receipt for 9.5 hours: overdue
    decl(at_hour(1), at_hour(19), status="sent")  # sent 1 hour before NOW: not yet
    s.flush()
    return {
        "received": Counter({0: 2 + 2, 10: 3 + 2, 23: 1, 1: 4}),
        "autoDeclared": Counter({0: 2, 10: 1}),
        "declaredByPeople": Counter({10: 2, 23: 1}),
        "released": Counter({10: 2, 0: 1}),
        "exceptions": Counter({9: 3, 0: 1, 10: 1 + 1 + 1, 23: 1}),
    }


def _per_hour(flow: dict[str, object], key: str) -> Counter[int]:
    hours = flow["hours"]
    assert isinstance(hours, list)
    return Counter({h["hour"]: h[key] for h in hours if h[key]})


def test_counts_each_hour_of_the_beijing_day(sessions: sessionmaker[Session]) -> None:
    with sessions() as s, s.begin():
        expected = build_flow(s)
    with sessions() as s:
        flow = day_flow(s, SUPERVISOR, DAY, now=NOW).to_json()
    assert len(flow["hours"]) == 24 and flow["day"] == "2026-11-20"
    for key, counts in expected.items():
        assert _per_hour(flow, key) == counts, key
        assert flow["totals"][key] == sum(counts.values()), key
    assert flow["hours"][10]["stops"] == {"warning": 1, "held": 1, "overdue": 1}
    assert flow["totals"]["stops"] == {"import": 3, "precheck": 1, "warning": 1,
                                       "rejected": 1, "held": 1, "overdue": 1}


def test_stops_are_the_exceptions_views_parcels(sessions: sessionmaker[Session]) -> None:
    """The dashboard and Reports ▸ Exceptions… count the same stopped parcels."""
    with sessions() as s, s.begin():
        build_flow(s)
    with sessions() as s:
        stops = day_flow(s, SUPERVISOR, DAY, now=NOW).totals.stops
        groups = exception_groups(s, SUPERVISOR, now=NOW)
    by_kind: Counter[str] = Counter()
    for g in groups:
        by_kind[g.kind] += g.count
    # Import rejects: the view goes back 7 days, the dashboard shows the day's.
    assert by_kind.pop("import") == 3 + 1 and dict(stops).pop("import") == 3
    assert {k: n for k, n in stops if k != "import"} == dict(by_kind)


def test_a_clerk_is_refused(sessions: sessionmaker[Session]) -> None:
    with sessions() as s, pytest.raises(PermissionDeniedError):
        day_flow(s, Actor("li", Role.CLERK), DAY)


def test_cli_prints_the_day(sessions: sessionmaker[Session], db_url: str,
                            capsys: pytest.CaptureFixture[str]) -> None:
    with sessions() as s, s.begin():
        expected = build_flow(s)
    data = run_json(capsys, "--db", db_url, "dashboard", "--day", "2026/11/20")
    assert data["day"] == "2026-11-20"
    for key in ("received", "autoDeclared", "declaredByPeople", "released"):
        assert _per_hour(data, key) == expected[key], key
    # Run later than NOW: the parcel sent at 19:30 is overdue by now too.
    assert data["totals"]["exceptions"] == sum(expected["exceptions"].values()) + 1
