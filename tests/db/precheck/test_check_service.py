from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from sqlalchemy import select

from app.db.models import AuditEvent, Declaration, Problem
from app.domain.errors import DuplicateDeclarationError
from app.i18n import render
from app.precheck.messages import revive
from app.precheck.service import check_declarations
from app.rules.s10 import make_s10
from tests.factories import item_values, make_declaration, valid_id_number

TODAY = date(2026, 11, 26)


def _decl(session, n: int, **overrides) -> int:
    values = {"logisticsNo": make_s10("EA", f"{n:08d}"), "orderNo": f"ORD{n:06d}",
              "buyerIdNumber": valid_id_number(f"11010519900101{n % 1000:03d}")}
    values.update(overrides)
    return make_declaration(session, **values)


def test_clean_declaration_becomes_ready_with_tax(session, actor) -> None:
    decl_id = _decl(session, 1)
    summary = check_declarations(session, actor, [decl_id], today=TODAY)
    assert (summary.checked, summary.passed, summary.failed) == (1, 1, 0)
    assert summary.problems == ()
    d = session.get(Declaration, decl_id)
    session.refresh(d)
    assert d.status == "ready" and d.error_count == 0
    assert d.tax_estimate == Decimal("18.93")  # (198 + 10) × 9.1 %
    assert d.goods_total == Decimal("198")
    events = session.execute(select(AuditEvent).where(AuditEvent.declaration_id == decl_id)
                             ).scalars().all()
    assert [e.details for e in events if e.action == "declaration.status"] == [
        {"from": "draft", "to": "ready", "by": "precheck",
         "hsEdition": "starter CN2019+HS2022"}]  # the tariff edition the check used


def test_errors_are_stored_and_status_invalid(session, actor) -> None:
    decl_id = _decl(session, 2, buyerName=None,
                    buyerIdNumber="110105194912310021")
    summary = check_declarations(session, actor, [decl_id], today=TODAY)
    assert summary.failed == 1
    rows = session.execute(select(Problem).where(Problem.declaration_id == decl_id)
                           ).scalars().all()
    codes = {(p.code, p.field) for p in rows}
    assert {("REQUIRED", "buyerName"), ("ID_CHECKSUM", "buyerIdNumber")} <= codes
    required = next(p for p in rows if p.code == "REQUIRED")
    assert render(revive(required.msgid, required.params), "zh_CN") == "订购人姓名为必填项。"
    d = session.get(Declaration, decl_id)
    session.refresh(d)
    assert d.status == "invalid" and d.error_count == 2


def test_duplicates_and_annual_limit_across_records(session, actor) -> None:
    buyer = valid_id_number("11010519800101001")
    big = [item_values(qty=Decimal(1), price=Decimal(4900), totalPrice=Decimal(4900))]
    ids = [_decl(session, 10 + i, buyerIdNumber=buyer, items=big) for i in range(6)]
    # A second active declaration with a waybill in use: the database refuses it (issue 19).
    with pytest.raises(DuplicateDeclarationError), session.begin_nested():
        _decl(session, 30, logisticsNo=make_s10("EA", "00000010"))
    check_declarations(session, actor, None, today=TODAY)
    problems = session.execute(select(Problem.declaration_id, Problem.code, Problem.params)
                               ).all()
    annual = {d for d, c, _ in problems if c == "LIMIT_ANNUAL"}
    assert annual == set(ids)  # 6 × 4,910 = 29,460 > 26,000: each sees the others
    used = next(p for d, c, p in problems if c == "LIMIT_ANNUAL" and d == ids[0])
    assert used["used"] == "24,550.00"
    assert not {d for d, c, _ in problems if c == "DUPLICATE_WAYBILL"}


def test_cancelled_declarations_do_not_count(session, actor) -> None:
    a = _decl(session, 40)
    b = _decl(session, 41, logisticsNo=make_s10("EA", "00000040"), status="cancelled")
    check_declarations(session, actor, [a], today=TODAY)
    codes = session.execute(select(Problem.code).where(Problem.declaration_id == a)).scalars()
    assert "DUPLICATE_WAYBILL" not in set(codes)
    assert b


def test_recheck_keeps_acknowledgement_and_leaves_queued_status(session, actor) -> None:
    decl_id = _decl(session, 50, buyerTelephone="12345")
    check_declarations(session, actor, [decl_id], today=TODAY)
    warning = session.execute(select(Problem).where(Problem.declaration_id == decl_id,
                                                    Problem.code == "PHONE")).scalar_one()
    warning.acknowledged_by = "clerk"
    from app.db.types import utcnow
    warning.acknowledged_at = utcnow()
    warning.acknowledge_reason = "客户确认号码"
    session.flush()
    session.execute(Declaration.__table__.update().where(Declaration.id == decl_id)
                    .values(status="queued"))
    check_declarations(session, actor, [decl_id], today=TODAY)
    again = session.execute(select(Problem).where(Problem.declaration_id == decl_id,
                                                  Problem.code == "PHONE")).scalar_one()
    assert again.acknowledge_reason == "客户确认号码"
    d = session.get(Declaration, decl_id)
    session.refresh(d)
    assert d.status == "queued" and d.warning_count == 0


def test_check_derives_empty_legal_quantities(session, actor) -> None:
    from app.db.models import DeclarationItem

    decl_id = _decl(session, 60, items=[item_values(qty1=None, unit1=None)])
    summary = check_declarations(session, actor, [decl_id], today=TODAY)
    assert summary.failed == 0
    item = session.execute(select(DeclarationItem).where(
        DeclarationItem.declaration_id == decl_id)).scalar_one()
    session.refresh(item)
    assert (item.unit1, item.qty1) == ("035", Decimal("1.0"))  # kg from the net weight


def test_bulk_run_audits_each_status_change_on_an_intact_chain(session, actor) -> None:
    from app.security.audit import record_event, verify_chain

    record_event(session, actor, "test.before")  # the run continues an existing chain
    ids = [_decl(session, n) for n in range(10, 16)]
    bad = [_decl(session, n, buyerName=None) for n in range(16, 19)]
    summary = check_declarations(session, actor, None, today=TODAY)
    assert summary.status_changes == 9
    moved = session.execute(select(AuditEvent.declaration_id, AuditEvent.details)
                            .where(AuditEvent.action == "declaration.status")
                            .order_by(AuditEvent.id)).all()
    assert [(d, e["to"]) for d, e in moved] == [(i, "ready") for i in ids] + [
        (i, "invalid") for i in bad]
    record_event(session, actor, "test.after")  # and the chain goes on after it
    check = verify_chain(session)
    assert check.ok and check.events == 11


def test_cancelled_run_leaves_the_garbage_collector_on(session, actor) -> None:
    import gc

    import pytest

    from app.jobs.base import Cancelled, CancelToken

    _decl(session, 40)
    token = CancelToken()
    token.cancel()
    with pytest.raises(Cancelled):
        check_declarations(session, actor, None, today=TODAY, cancel=token)
    assert gc.isenabled()
    check_declarations(session, actor, None, today=TODAY)
    assert gc.isenabled()


def test_bulk_check_of_loaded_demo_rows_finds_what_each_record_finds(session) -> None:
    """The screens of a bulk run decide over whole columns of loaded rows (scaled Decimals,
    int packNo, second units, the demo's deliberate flaws): per record, the same problems."""
    from app.db.bulk import insert_declarations
    from app.precheck.facts import gather_facts
    from app.precheck.records import iter_record_chunks
    from app.reference.store import reference_from_db
    from app.rules.context import CheckContext, shipped_restricted_terms
    from app.rules.engine import check_record, check_records
    from app.services.demo import generate

    ref = reference_from_db(session)
    heads, items = generate(600, 5, ref, {})
    insert_declarations(session, heads, items)
    ctx = CheckContext(ref=ref, today=TODAY, restricted=shipped_restricted_terms(),
                       facts=gather_facts(session, None))
    found: set[str] = set()
    odd: list[tuple[str, object]] = [
        ("orderNo", "X" * 61), ("buyerName", " 张三"), ("freight", Decimal("-1.00000")),
        ("packNo", 2), ("guid", "not-a-guid"), ("declTime", "20261340"), ("currency", "840")]
    for chunk in iter_record_chunks(session, chunk=150):
        for n, (name, value) in enumerate(odd):  # flaws typed in the editor, say
            chunk[n * 7][name] = value
        chunk[3]["items"][0]["gcode"] = "12345678AB"
        chunk[5]["items"][0]["unit2"] = None
        bulk = check_records(chunk, ctx)
        assert bulk == [check_record(r, ctx) for r in chunk]
        found.update(p.code.value for result in bulk for p in result.problems)
    assert {"BAD_FORMAT", "SUM_MISMATCH", "ID_CHECKSUM", "LIMIT_SINGLE"} <= found


def test_today_is_the_beijing_day_whatever_the_workstation_clock(session, actor,
                                                                 monkeypatch) -> None:
    """A buyer born on the Beijing day that has just begun is not "born in the future", even
    on a workstation whose clock still shows the day before."""
    from datetime import datetime

    from app.domain import clock

    decl_id = _decl(session, 77, buyerIdNumber=valid_id_number("11010520300601123"))
    early = datetime(2030, 6, 1, 3, 0, tzinfo=clock.BEIJING)  # 2030-05-31 19:00 UTC
    monkeypatch.setattr(clock, "beijing_now", lambda: early)
    summary = check_declarations(session, actor, [decl_id])
    assert summary.failed == 0, summary.problems
    monkeypatch.setattr(clock, "beijing_now", lambda: early.replace(day=1, month=5))
    summary = check_declarations(session, actor, [decl_id])
    assert [p.code for p in summary.problems] == ["ID_CHECKSUM"]
    assert "future" in summary.problems[0].message.msgid


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_annual_used_matches_a_plain_count_of_each_buyers_year(session, seed: int) -> None:
    """The set-based annual totals against a plain Python sum over the same declarations:
    several buyers, several years (declaration date or creation year), statuses that count
    and ones that do not, export declarations, missing freight or insurance."""
    import random

    from app.precheck.facts import annual_used

    rng = random.Random(seed)
    buyers = [valid_id_number(f"1101051980010{n:04d}") for n in range(5)] + [None]
    made = []
    for n in range(60):
        buyer = rng.choice(buyers)
        year = rng.choice(["2025", "2026", None])
        status = rng.choice(["draft", "ready", "sent", "rejected", "cancelled"])
        flag = rng.choice(["I", "I", "I", "E"])
        freight = rng.choice([None, Decimal("12.5")])
        insured = rng.choice([None, Decimal("3")])
        totals = [Decimal(rng.randrange(1, 90000)) / 10 for _ in range(rng.randint(1, 3))]
        items = [item_values(gnum=g, qty=Decimal(1), price=t, totalPrice=t)
                 for g, t in enumerate(totals, start=1)]
        decl_id = _decl(session, 500 + n, buyerIdNumber=buyer, ieFlag=flag, status=status,
                        declTime=None if year is None else f"{year}0315", freight=freight,
                        insuredFee=insured, items=items)
        value = sum(totals, Decimal(0)) + (freight or 0) + (insured or 0)
        made.append((decl_id, buyer, year or str(datetime.now(UTC).year), flag, status, value))

    def expected(ids: set[int]) -> dict[int, Decimal]:
        found = {}
        for decl_id, buyer, year, flag, _, _ in made:
            if decl_id not in ids or buyer is None or flag != "I":
                continue
            used = sum((v for other, b, y, f, st, v in made
                        if other != decl_id and b == buyer and y == year and f == "I"
                        and st not in ("rejected", "cancelled")), Decimal(0))
            if used > 0:
                found[decl_id] = used
        return found

    everyone = {m[0] for m in made}
    assert annual_used(session, None) == expected(everyone)
    some = [m[0] for m in made[::3]]
    assert annual_used(session, some) == expected(set(some))


@pytest.mark.parametrize("seed", [1, 2])
def test_duplicates_match_a_plain_comparison(session, seed: int) -> None:
    """Duplicate waybills and orders, set-based, against comparing every pair in Python."""
    import random

    from app.precheck.facts import duplicates

    rng = random.Random(seed)
    made = []
    for n in range(50):
        waybill = rng.choice([make_s10("EA", f"{k:08d}") for k in range(900, 906)] + [None])
        platform, order = rng.choice(["P1", "P2"]), rng.choice(["A", "B", "C", "D", None])
        status = rng.choice(["draft", "ready", "sent", "rejected", "cancelled"])
        if status not in ("rejected", "cancelled") and any(  # one active per key (issue 19)
                o["status"] not in ("rejected", "cancelled")
                and ((waybill and o["logisticsNo"] == waybill)
                     or (order and (o["ebpCode"], o["orderNo"]) == (platform, order)))
                for o in made):
            status = rng.choice(["rejected", "cancelled"])
        decl_id = _decl(session, 600 + n, logisticsNo=waybill, ebpCode=platform,
                        orderNo=order, status=status)
        made.append({"id": decl_id, "logisticsNo": waybill, "ebpCode": platform,
                     "orderNo": order, "status": status})

    def expected(ids: set[int], keys: tuple[str, ...]) -> dict[int, tuple[int, ...]]:
        found = {}
        for d in made:
            if d["id"] not in ids or any(d[k] is None for k in keys):
                continue
            others = tuple(sorted(o["id"] for o in made if o["id"] != d["id"]
                                  and all(o[k] == d[k] for k in keys)
                                  and o["status"] not in ("rejected", "cancelled")))
            if others:
                found[d["id"]] = others
        return found

    some = [d["id"] for d in made[::4]]
    for keys in (("logisticsNo",), ("ebpCode", "orderNo")):
        assert duplicates(session, None, keys) == expected({d["id"] for d in made}, keys)
        assert duplicates(session, some, keys) == expected(set(some), keys)
