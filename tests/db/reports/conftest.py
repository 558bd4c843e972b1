"""A small, realistic reporting data set: two batches, messages, receipts, problems, audit."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from sqlalchemy.orm import Session, sessionmaker

from app.db.models import (
    Batch,
    ImportJob,
    InboundReceipt,
    MessageDeclaration,
    OutboundMessage,
    Problem,
)
from app.security.audit import record_event
from app.security.context import Actor, Role
from tests.factories import make_declaration, valid_id_number

CLERK = Actor("li.clerk", Role.CLERK)
SUPERVISOR = Actor("wang.sup", Role.SUPERVISOR)
FROM, TO = date(2026, 11, 20), date(2026, 11, 22)


def at(day: int, hour: int = 9) -> datetime:
    return datetime(2026, 11, day, hour, 0, tzinfo=UTC)


@dataclass(frozen=True)
class ReportData:
    ids: dict[str, int]
    batch_ids: dict[str, int]
    buyer_id: str


# key: (platform, status, day, batch, goods, tax)
ROWS = {
    "jd1": ("京东国际", "released", 20, "B1", "198", "18.02"),
    "jd2": ("京东国际", "released", 20, "B1", "300", "27.30"),
    "tm1": ("天猫国际", "rejected", 20, "B1", "100", "9.10"),
    "tm2": ("天猫国际", "rejected", 21, "B2", "120", "10.92"),
    "tm3": ("天猫国际", "cleared", 21, "B2", "80", "7.28"),
    "kl1": ("考拉海购", "sent", 21, "B2", "60", "5.46"),
    "kl2": ("考拉海购", "invalid", 22, None, "45.5", "4.14"),
    "jd3": ("京东国际", "draft", 22, None, "10", "0.91"),
    "late": ("京东国际", "released", 25, None, "999", "90.91"),  # outside the range
}


def _message(session: Session, name: str, batch_id: int, written: datetime,
             decl_ids: list[int]) -> None:
    content = f"<CEB621Message guid=\"{name}\"/>".encode()
    msg = OutboundMessage(guid=f"guid-{name}", message_type="CEB621Message", batch_id=batch_id,
                          file_name=f"{name}.xml", state="written", content=content,
                          sha256=hashlib.sha256(content).hexdigest(), written_at=written)
    session.add(msg)
    session.flush()
    for i, d in enumerate(decl_ids):
        session.add(MessageDeclaration(message_id=msg.id, declaration_id=d,
                                       cop_no=f"{name}-{i}", inventory_guid=f"inv-{name}-{i}"))


def _receipt(session: Session, decl_id: int, status: str, received: datetime,
             info: str = "") -> None:
    key = f"{decl_id}-{status}"
    session.add(InboundReceipt(
        message_type="CEB622Message", file_name=f"CEB622_{key}.xml",
        file_hash=hashlib.sha256(key.encode()).hexdigest(), content_key=key,
        return_status=status, return_time=received.strftime("%Y%m%d%H%M%S000"),
        return_info=info, declaration_id=decl_id, applied=True, received_at=received))


@pytest.fixture
def report_data(sessions: sessionmaker[Session]) -> ReportData:
    buyer_id = valid_id_number("44010619900101123")
    with sessions() as session, session.begin():
        batches = {}
        for key, day in (("B1", 20), ("B2", 21)):
            b = Batch(batch_no=f"{key}-202611{day}", created_by="li.clerk")
            session.add(b)
            session.flush()
            batches[key] = b.id
        ids = {}
        for key, (platform, status, day, batch, goods, tax) in ROWS.items():
            overrides = {}
            if key == "jd3":  # a hostile import: formula-looking text in several fields
                overrides = {"buyerName": "=HYPERLINK(\"http://x\",\"hi\")",
                             "consigneeAddress": "+86 广州", "orderNo": "@SUM(A1)"}
            ids[key] = make_declaration(
                session, ebpName=platform, status=status, created_at=at(day),
                batch_id=batches[batch] if batch else None, goods_total=Decimal(goods),
                tax_estimate=Decimal(tax), buyerIdNumber=buyer_id, **overrides)
        _message(session, "msg-b1", batches["B1"], at(20, 10), [ids["jd1"], ids["jd2"], ids["tm1"]])
        _message(session, "msg-b2", batches["B2"], at(21, 9), [ids["tm2"], ids["tm3"], ids["kl1"]])
        _receipt(session, ids["jd1"], "800", at(20, 12))
        _receipt(session, ids["jd2"], "800", at(20, 16))
        _receipt(session, ids["tm1"], "-621005", at(20, 11), "超过单次限额[5,210.00]")
        _receipt(session, ids["tm2"], "100", at(21, 11), "商品编码与名称不符")
        _receipt(session, ids["kl1"], "-621005", at(21, 12), "超过单次限额[6,000.00]")
        _receipt(session, ids["tm3"], "800", at(21, 19))
        _receipt(session, ids["tm3"], "899", at(21, 20))
        session.add(Problem(declaration_id=ids["kl2"], field="buyerIdNumber",
                            code="id.checksum", severity="error",
                            msgid="The ID number {value} has a wrong check digit.",
                            params={"value": "x"}))
        for day, count in ((20, 3), (21, 3), (26, 1)):  # the 26th is outside the range
            session.add(ImportJob(file_name=f"orders-{day}.xlsx", sha256="0" * 64,
                                  user_name="li.clerk", declarations=count, rows=count,
                                  started_at=at(day)))
        for name, action, day, decl in (
            ("li.clerk", "declaration.update", 22, ids["kl2"]),
            ("li.clerk", "declaration.bulk_update", 22, ids["jd3"]),
            ("wang.sup", "declaration.send", 20, ids["jd1"]),  # submissions
            ("wang.sup", "declaration.send", 21, ids["tm2"]),
            ("wang.sup", "receipt.apply", 21, ids["tm2"]),
            ("li.clerk", "declaration.update", 26, ids["kl2"]),  # outside the range
        ):
            actor = Actor(name, Role.CLERK)
            record_event(session, actor, action, entity="declaration" if decl else "import",
                         entity_id=decl, declaration_id=decl, at=at(day))
        record_event(session, SUPERVISOR, "batch.create", entity="batch",
                     entity_id=batches["B1"], at=at(20))
    return ReportData(ids, batches, buyer_id)
