"""Exceptions first: what stopped anywhere in the flow, by cause, oldest first."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import update
from sqlalchemy.orm import Session, sessionmaker

from app.autopilot.exceptions import exception_groups
from app.db.models import Declaration, Problem
from app.i18n import render
from app.security.context import Actor, Role
from tests.db.test_cli import run_json
from tests.factories import make_declaration, valid_id_number

NOW = datetime(2026, 12, 5, 8, 0, tzinfo=UTC)


def test_groups_by_cause_oldest_first(sessions: sessionmaker[Session], db_url: str,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    def decl(k: int, **kw: object) -> int:
        return make_declaration(s, orderNo=f"E{k}", logisticsNo=f"YTE{k:06d}",
                                buyerIdNumber=valid_id_number(f"11010519900101{k:03d}"), **kw)

    with sessions() as s, s.begin():
        bad = [decl(k, status="invalid") for k in range(3)]
        for i in bad:
            s.add(Problem(declaration_id=i, field="buyerIdNumber", code="ID_CHECKSUM",
                          severity="error", msgid="x", params={}))
        warned = decl(5, status="ready")
        s.add(Problem(declaration_id=warned, field="grossWeight", code="WEIGHT",
                      severity="warning", msgid="x", params={}))
        decl(6, status="ready")  # clean: no exception (the counts below leave it out)
        rejected = decl(7, status="rejected", last_return_status="-621004")
        held = decl(8, status="inspection")
        late, fresh = decl(9, status="sent"), decl(10, status="sent")
        old = NOW - timedelta(hours=30)
        s.execute(update(Declaration).where(Declaration.id.in_([late, rejected]))
                  .values(updated_at=old))
        s.execute(update(Declaration).where(Declaration.id == fresh)
                  .values(updated_at=NOW - timedelta(hours=1)))
        s.execute(update(Declaration).where(Declaration.id == held)
                  .values(updated_at=NOW - timedelta(hours=2)))
    with sessions() as s:
        groups = exception_groups(s, Actor("li", Role.CLERK), now=NOW)
    found = {(g.kind, g.cause): g.count for g in groups}
    assert found == {("precheck", "ID_CHECKSUM"): 3, ("warning", "WEIGHT"): 1,
                     ("rejected", "-621004"): 1, ("held", "inspection"): 1,
                     ("overdue", "4"): 1}
    titles = {g.kind: render(g.title(), "zh_CN") for g in groups}
    assert titles["precheck"] == "预检未通过：订购人证件号码无效"  # words, not ID_CHECKSUM
    assert titles["held"] == "海关扣留：查验"
    oldest = [g.oldest for g in groups]
    assert oldest == sorted(oldest)  # oldest first
    data = run_json(capsys, "--db", db_url, "autopilot", "--exceptions")
    assert data["total"] >= 7 and {e["kind"] for e in data["exceptions"]} >= {
        "precheck", "warning", "rejected", "held"}
