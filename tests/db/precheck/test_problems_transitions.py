from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select

from app.db.models import AuditEvent, Batch, Declaration
from app.domain.errors import ConflictError, ValidationError
from app.domain.state_machine import Event, EventKind
from app.precheck.problems import (
    acknowledge_warning,
    batch_tax_total,
    declaration_problems,
    problem_counts,
)
from app.precheck.service import check_declarations
from app.precheck.transitions import change_status
from app.rules.s10 import make_s10
from app.services.queries import DeclarationFilter
from tests.factories import make_declaration

TODAY = date(2026, 11, 26)


def _status(session, decl_id: int) -> str:
    return session.execute(select(Declaration.status).where(Declaration.id == decl_id)
                           ).scalar_one()


def test_acknowledge_warning_is_audited_and_counted(session, actor) -> None:
    decl_id = make_declaration(session, logisticsNo=make_s10("EA", "00000001"),
                               buyerTelephone="12345")
    check_declarations(session, actor, [decl_id], today=TODAY)
    problems = declaration_problems(session, actor, decl_id)
    (phone,) = [p for p in problems if p.code == "PHONE"]
    assert phone.severity == "warning" and not phone.acknowledged
    with pytest.raises(ValidationError):
        acknowledge_warning(session, actor, phone.id, "ok")
    acknowledge_warning(session, actor, phone.id, "客户已电话确认")
    again = declaration_problems(session, actor, decl_id)[0]
    assert again.acknowledged and again.ack_reason == "客户已电话确认"
    assert session.execute(select(Declaration.warning_count)
                           .where(Declaration.id == decl_id)).scalar_one() == 0
    event = session.execute(select(AuditEvent).where(AuditEvent.action == "problem.acknowledge")
                            ).scalar_one()
    assert event.reason == "客户已电话确认" and event.declaration_id == decl_id


def test_errors_cannot_be_acknowledged(session, actor) -> None:
    decl_id = make_declaration(session, logisticsNo=make_s10("EA", "00000002"),
                               buyerName=None)
    check_declarations(session, actor, [decl_id], today=TODAY)
    (err,) = declaration_problems(session, actor, decl_id)
    with pytest.raises(ValidationError):
        acknowledge_warning(session, actor, err.id, "不需要姓名")


def test_problem_counts_by_code(session, actor) -> None:
    a = make_declaration(session, logisticsNo=make_s10("EA", "00000003"), buyerName=None)
    b = make_declaration(session, logisticsNo=make_s10("EA", "00000004"), buyerName=None,
                         buyerTelephone="1")
    make_declaration(session, logisticsNo=make_s10("EA", "00000005"))
    check_declarations(session, actor, None, today=TODAY)
    counts, total = problem_counts(session, actor, DeclarationFilter(problem_code="PHONE"))
    by_code = {c.code: c for c in counts}
    assert total == 2
    assert (by_code["REQUIRED"].errors, by_code["REQUIRED"].declarations) == (2, 2)
    assert by_code["PHONE"].warnings == 1
    assert a and b


def test_batch_tax_total(session, actor) -> None:
    batch = Batch(batch_no="B-TEST-1")
    session.add(batch)
    session.flush()
    ids = [make_declaration(session, logisticsNo=make_s10("EA", f"0000001{i}"),
                            orderNo=f"B{i}", batch_id=batch.id) for i in range(3)]
    check_declarations(session, actor, ids, today=TODAY)
    assert batch_tax_total(session, actor, batch.id) == Decimal("56.79")  # 3 × 18.93


def test_change_status_refuses_and_explains(session, actor) -> None:
    decl_id = make_declaration(session, logisticsNo=make_s10("EA", "00000020"),
                               status="sent")
    with pytest.raises(ConflictError) as info:
        change_status(session, actor, [decl_id], Event(EventKind.EDITED))
    assert "amendment" in info.value.text("en")
    change_status(session, actor, [decl_id], Event.receipt("CEB622", "800"))
    assert _status(session, decl_id) == "released"
    outcomes = change_status(session, actor, [decl_id], Event.receipt("CEB622", "120"))
    assert not outcomes[decl_id].changed
    assert _status(session, decl_id) == "released"
    actions = session.execute(select(AuditEvent.details).where(
        AuditEvent.declaration_id == decl_id)).scalars().all()
    assert actions == [{"from": "sent", "to": "released", "event": "receipt",
                        "messageType": "CEB622", "returnStatus": "800"}]
