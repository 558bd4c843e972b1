"""The dashboard counts what really happened: parcels the autopilot handed to customs under a
rule as auto-declared, those a clerk batched and submitted as declared by people."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session, sessionmaker

from app.autopilot.dashboard import day_flow
from app.autopilot.rules import run_rules, save_rule
from app.domain.clock import BEIJING, beijing_today
from app.security.context import Actor, Role
from app.submission import batches, outbound
from app.submission.exchange import ExchangeFolderTransport
from tests.factories import make_declaration, valid_id_number

SUP = Actor("wang.sup", Role.SUPERVISOR)
CLERK = Actor("li", Role.CLERK)


def test_autopilot_and_people_counted_apart(sessions: sessionmaker[Session],
                                            broker: dict[str, str],
                                            exchange: ExchangeFolderTransport) -> None:
    day = beijing_today()
    with sessions() as s, s.begin():
        ids = [make_declaration(s, status="ready", orderNo=f"D{k}", logisticsNo=f"YTD{k:06d}",
                                buyerIdNumber=valid_id_number(f"11010519900101{k:03d}"))
               for k in range(5)]
        save_rule(s, SUP, "flight", {"size_limit": 500, "cutoffs": "00:00",
                                     "bill_no": "78412345675", "logistics_code": None})
    with sessions() as s, s.begin():
        by_hand = batches.create_batch(s, CLERK, ids=ids[3:],
                                       transport=batches.TransportData(billNo="78412345675"))
        outbound.record_batch(s, CLERK, by_hand.batch_no, broker)
    (run,) = run_rules(sessions, datetime.now(BEIJING), transfer_settings=broker)
    assert run.declarations == 3
    with sessions() as s:
        flow = day_flow(s, SUP, day)
    assert (flow.totals.received, flow.totals.auto_declared,
            flow.totals.declared_by_people) == (5, 3, 2)
