"""Batching rules: data a supervisor approves. Ready parcels go to customs at the rule's
cut-off (or as soon as a full batch is ready), by the autopilot acting for that supervisor;
a rule without a master bill waits; a parcel with a warning nobody acknowledged waits for a
person."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from app.autopilot.rules import run_rules, save_rule
from app.db.models import AuditEvent, Declaration, Problem
from app.domain.clock import BEIJING
from app.security.context import Actor, Role
from app.submission.exchange import ExchangeFolderTransport
from tests.factories import make_declaration, valid_id_number

SUP = Actor("wang.sup", Role.SUPERVISOR)
MORNING = datetime(2026, 12, 5, 9, 0, tzinfo=BEIJING)
AFTER_CUTOFF = datetime(2026, 12, 5, 10, 31, tzinfo=BEIJING)


def _ready(sessions: sessionmaker[Session], n: int, first: int = 0) -> list[int]:
    with sessions() as s, s.begin():
        return [make_declaration(s, status="ready", orderNo=f"R{first + k}",
                                 logisticsNo=f"YT{first + k:08d}",
                                 buyerIdNumber=valid_id_number(f"11010519900101{first + k:03d}"))
                for k in range(n)]


def _status(sessions: sessionmaker[Session], ids: list[int]) -> list[str]:
    with sessions() as s:
        return [s.get(Declaration, i).status for i in ids]  # type: ignore[union-attr]


def test_rule_batches_at_cutoff_and_when_full_acting_for_its_supervisor(
        sessions: sessionmaker[Session], broker: dict[str, str],
        exchange: ExchangeFolderTransport) -> None:
    ids = _ready(sessions, 5)
    with sessions() as s, s.begin():
        s.add(Problem(declaration_id=ids[4], field="grossWeight", code="WEIGHT", severity="warning",
                      msgid="Check the weight.", params={}))
        save_rule(s, SUP, "morning flight", {"size_limit": 2, "cutoffs": "10:30,16:00"})
    # No master bill yet: the rule waits, nothing moves.
    (run,) = run_rules(sessions, MORNING, transfer_settings=broker)
    assert run.waiting and _status(sessions, ids) == ["ready"] * 5
    with sessions() as s, s.begin():
        save_rule(s, SUP, "morning flight", {"bill_no": "78412345675"})
    # Before the cut-off only full batches go: 4 clean parcels → two batches of 2.
    (run,) = run_rules(sessions, MORNING, transfer_settings=broker)
    assert len(run.batches) == 2 and run.declarations == 4
    assert _status(sessions, ids) == ["sent"] * 4 + ["ready"]  # the warned one waits
    assert len(list(exchange.outbox.glob("CEB621_*.xml"))) == 2
    more = _ready(sessions, 1, first=10)
    assert run_rules(sessions, MORNING, transfer_settings=broker) == []  # not a full batch
    # At the cut-off everything clean goes, however few.
    (run,) = run_rules(sessions, AFTER_CUTOFF, transfer_settings=broker)
    assert run.declarations == 1 and _status(sessions, more) == ["sent"]
    assert run_rules(sessions, AFTER_CUTOFF, transfer_settings=broker) == []  # once per cut-off
    with sessions() as s:
        users = set(s.execute(select(AuditEvent.user_name)
                              .where(AuditEvent.action == "declaration.send")).scalars())
    assert users == {"autopilot:wang.sup"}


def test_a_disabled_rule_does_nothing(sessions: sessionmaker[Session],
                                      broker: dict[str, str]) -> None:
    ids = _ready(sessions, 2)
    with sessions() as s, s.begin():
        save_rule(s, SUP, "r", {"size_limit": 1, "bill_no": "78412345675", "enabled": "no"})
    assert run_rules(sessions, AFTER_CUTOFF, transfer_settings=broker) == []
    assert _status(sessions, ids) == ["ready", "ready"]


def test_parcels_failing_the_recheck_at_the_cutoff_become_exceptions_not_a_stuck_rule(
        sessions: sessionmaker[Session], broker: dict[str, str]) -> None:
    from decimal import Decimal

    from sqlalchemy import update

    from app.autopilot.exceptions import exception_groups

    (stale,) = _ready(sessions, 1)
    with sessions() as s, s.begin():
        # Broken behind the pre-check's back: its stored "ready" is stale.
        s.execute(update(Declaration).where(Declaration.id == stale)
                  .values(netWeight=Decimal("0")))
        save_rule(s, SUP, "r", {"bill_no": "78412345675", "cutoffs": "10:30"})
    (run,) = run_rules(sessions, AFTER_CUTOFF, transfer_settings=broker)
    assert run.batches == () and _status(sessions, [stale]) == ["invalid"]
    with sessions() as s:
        causes = {(g.kind, g.count) for g in exception_groups(s, SUP, now=AFTER_CUTOFF)}
    assert ("precheck", 1) in causes  # a person sees it, with its cause


def test_parcels_ready_after_a_cutoff_wait_for_the_next_one(
        sessions: sessionmaker[Session], broker: dict[str, str]) -> None:
    with sessions() as s, s.begin():
        save_rule(s, SUP, "r", {"bill_no": "78412345675", "cutoffs": "10:30,16:00"})
    assert run_rules(sessions, AFTER_CUTOFF, transfer_settings=broker) == []  # none ready
    late = _ready(sessions, 2)  # imported at 10:45: missed the 10:30 batch
    at_1045 = datetime(2026, 12, 5, 10, 45, tzinfo=BEIJING)
    assert run_rules(sessions, at_1045, transfer_settings=broker) == []
    assert _status(sessions, late) == ["ready", "ready"]
    (run,) = run_rules(sessions, datetime(2026, 12, 5, 16, 1, tzinfo=BEIJING),
                       transfer_settings=broker)
    assert run.declarations == 2 and _status(sessions, late) == ["sent", "sent"]


def test_a_rule_whose_approver_was_disabled_or_demoted_waits_for_a_new_approval(
        sessions: sessionmaker[Session], broker: dict[str, str]) -> None:
    """The autopilot acts for the supervisor who approved a rule only while that supervisor
    still may: a disabled account or a clerk's role stops the rule until another supervisor
    saves it again."""
    from app.db.models import User

    ids = _ready(sessions, 2)
    with sessions() as s, s.begin():
        s.add(User(name="wang.sup", role="supervisor", password_hash="x", active=False))
        save_rule(s, SUP, "r", {"size_limit": 1, "bill_no": "78412345675"})
    (run,) = run_rules(sessions, AFTER_CUTOFF, transfer_settings=broker)
    assert "approve the rule again" in run.waiting and not run.batches
    with sessions() as s, s.begin():
        user = s.execute(select(User).where(User.name == "wang.sup")).scalar_one()
        user.active, user.role = True, "clerk"
    (run,) = run_rules(sessions, AFTER_CUTOFF, transfer_settings=broker)
    assert run.waiting and _status(sessions, ids) == ["ready", "ready"]
    with sessions() as s, s.begin():
        s.add(User(name="li.sup", role="supervisor", password_hash="x"))
        save_rule(s, Actor("li.sup", Role.SUPERVISOR), "r", {})
    (run,) = run_rules(sessions, AFTER_CUTOFF, transfer_settings=broker)
    assert run.declarations == 2 and _status(sessions, ids) == ["sent", "sent"]
