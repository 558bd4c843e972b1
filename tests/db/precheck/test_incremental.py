"""Incremental checks: a declaration whose inputs are unchanged is not checked again, a result
that did not change is not rewritten, and incremental results always equal a check of every
declaration from scratch (property test over imports, edits, settings, reference and days)."""

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, func, select, update
from sqlalchemy.orm import Session

from app.db.models import AuditEvent, Declaration, DeclarationItem, HsCode, Problem, Setting
from app.precheck.service import check_declarations
from app.security.context import Actor
from tests.factories import item_values, make_declaration, valid_id_number

TODAY = date(2026, 11, 26)
BUYERS = (valid_id_number("11010519800101001"), valid_id_number("11010519900101002"),
          valid_id_number("11010520261201003"))  # born 2026-12-01: "in the future" until then
WAYBILLS = ("EA000000011CN", "EA000000025CN", None)


def _snapshot(session: Session) -> dict[int, Any]:
    """What a user sees of every declaration's check: status, counts, tax, problems."""
    problems: dict[int, list[Any]] = {}
    for p in session.execute(select(Problem)).scalars():
        problems.setdefault(p.declaration_id, []).append(
            (p.gnum or 0, p.field, p.code, p.severity, p.msgid, sorted(p.params.items())))
    return {d.id: (d.status, d.error_count, d.warning_count, d.tax_estimate, d.goods_total,
                   d.check_hs_edition, d.check_list_edition, sorted(problems.get(d.id, [])))
            for d in session.execute(select(Declaration).execution_options(
                populate_existing=True)).scalars()}


def _audit_count(session: Session) -> int:
    return int(session.scalar(select(func.count()).select_from(AuditEvent)) or 0)


def _problem_ids(session: Session) -> list[int]:
    return list(session.execute(select(Problem.id).order_by(Problem.id)).scalars())


def _decl(session: Session, n: int, buyer: int = 0, price: str = "198", **kw: Any) -> int:
    value = Decimal(price)
    return make_declaration(session, buyerIdNumber=BUYERS[buyer],
                            items=[item_values(price=value, totalPrice=value)], **kw)


def test_unchanged_declarations_are_skipped_and_not_rewritten(session: Session,
                                                              actor: Actor) -> None:
    ids = [_decl(session, i, buyer=i % 2) for i in range(4)]
    first = check_declarations(session, actor, None, today=TODAY)
    assert (first.checked, first.skipped) == (4, 0)
    checked_at = dict(session.execute(select(Declaration.id, Declaration.checked_at)).all())
    audit, problem_ids, before = _audit_count(session), _problem_ids(session), _snapshot(session)

    again = check_declarations(session, actor, None, today=TODAY)

    assert (again.checked, again.skipped, again.passed) == (4, 4, first.passed)
    assert again.problems == first.problems  # the report still lists the stored problems
    assert _audit_count(session) == audit
    assert _problem_ids(session) == problem_ids
    assert dict(session.execute(select(Declaration.id, Declaration.checked_at)).all()) \
        == checked_at
    assert _snapshot(session) == before
    assert len(ids) == 4


def test_edit_rechecks_it_and_the_buyers_other_declarations(session: Session,
                                                            actor: Actor) -> None:
    a = _decl(session, 1, buyer=0, price="198")
    same_buyer = [_decl(session, 2 + i, buyer=0, price="4900") for i in range(5)]
    others = [_decl(session, 10 + i, buyer=1) for i in range(3)]
    check_declarations(session, actor, None, today=TODAY)
    assert "LIMIT_ANNUAL" not in set(session.execute(select(Problem.code)).scalars())
    # Only a's item changes; its buyer's other declarations now exceed the annual limit.
    session.execute(update(DeclarationItem).where(DeclarationItem.declaration_id == a)
                    .values(price=Decimal(4900), totalPrice=Decimal(4900)))

    summary = check_declarations(session, actor, None, today=TODAY)

    assert summary.skipped == len(others)
    for decl_id in same_buyer:
        assert "LIMIT_ANNUAL" in set(session.execute(
            select(Problem.code).where(Problem.declaration_id == decl_id)).scalars())


def test_birth_date_in_the_future_is_rechecked_when_the_day_comes(session: Session,
                                                                   actor: Actor) -> None:
    decl_id = _decl(session, 1, buyer=2)
    check_declarations(session, actor, None, today=TODAY)
    assert session.scalar(select(Declaration.status).where(Declaration.id == decl_id)) \
        == "invalid"

    later = check_declarations(session, actor, None, today=date(2026, 12, 1))

    assert later.skipped == 0
    assert session.scalar(select(Declaration.status).where(Declaration.id == decl_id)) \
        == "ready"


def test_reference_update_rechecks_and_unchanged_results_stay(session: Session,
                                                              actor: Actor) -> None:
    ids = [_decl(session, i) for i in range(3)]
    check_declarations(session, actor, None, today=TODAY)
    audit, problem_ids = _audit_count(session), _problem_ids(session)
    # A new reference edition that changes nothing these declarations use: every one is
    # checked again, but nothing stored moves.
    session.add(HsCode(code="9999999999", name_zh="测试", name_en="Test", unit1="007",
                       unit2=None, vat_rate=Decimal("0.13"), ct_rate=Decimal(0)))
    session.flush()
    summary = check_declarations(session, actor, None, today=TODAY)
    assert summary.skipped == 0
    assert (_audit_count(session), _problem_ids(session)) == (audit, problem_ids)
    # An edition without the declarations' HS code (its HS 2022 subheading exists): every one
    # is checked again and told to update the tariff.
    session.execute(HsCode.__table__.delete().where(HsCode.code == "1901101000"))
    summary = check_declarations(session, actor, None, today=TODAY)
    assert summary.skipped == 0 and summary.checked == len(ids)
    assert set(session.execute(select(Problem.code)).scalars()) >= {"HS_NOT_IN_EDITION"}


# --- property: incremental == from scratch ---------------------------------------------

_check = st.tuples(st.just("check"), st.booleans(), st.integers(0, 30))
_import = st.tuples(st.just("import"), st.integers(0, 2),
                    st.sampled_from(["198", "4900", "5200", "13500"]), st.integers(0, 2))
_ops = st.one_of(
    _check,
    # Two parcels of 13500 (a single item may exceed 5000) pass the buyer's annual 26000.
    _import, _import,
    st.tuples(st.just("price"), st.integers(0, 30),
              st.sampled_from(["10", "198", "4900", "13500"])),
    st.tuples(st.just("buyer"), st.integers(0, 30), st.integers(0, 2)),
    st.tuples(st.just("waybill"), st.integers(0, 30), st.integers(0, 2)),
    st.tuples(st.just("cancel"), st.integers(0, 30)),
    st.tuples(st.just("setting"), st.sampled_from(["agentCode", "language"]),
              st.sampled_from(["1105W6B002", "x"])),
    st.tuples(st.just("reference"), st.sampled_from(["drop", "rate", "add"])),
    st.tuples(st.just("day"), st.integers(-3, 8)),
    # A tariff edition in force from a date (before, after or around the declarations' dates
    # and "today"), its milk rate changed or the milk code missing.
    st.tuples(st.just("edition"), st.sampled_from([None, "2026-11-01", "2026-11-28"]),
              st.sampled_from(["0.09", "0.13", "missing"])),
    # The goods catalogue learns (or corrects) the HS code customs accepted for the SKU.
    st.tuples(st.just("catalogue"), st.sampled_from(["1901101000", "1901109000"]),
              st.sampled_from(["accepted", "proposed"])),
    # Services: the editor's save (with its own check of the buyers' others), an item edit,
    # a receipt or batch moving the status.
    st.tuples(st.just("save"), st.integers(0, 30), st.integers(0, 2)),
    st.tuples(st.just("goods"), st.integers(0, 30), st.sampled_from(["婴幼儿配方奶粉", "锂电池"])),
    st.tuples(st.just("status"), st.integers(0, 30), st.sampled_from(["queued", "released"])),
    _check,
)


def _free_waybill(session: Session, wanted: str | None, fallback: str,
                  moving: int | None = None) -> str:
    """`wanted` unless an active declaration (not `moving`) has it: the database keeps active
    waybills unique, so a second one is what a clerk could never store either."""
    if wanted is None:
        return fallback
    taken = session.scalar(select(func.count()).select_from(Declaration).where(
        Declaration.logisticsNo == wanted, Declaration.id != (moving or 0),
        Declaration.status.not_in(("cancelled", "rejected"))))
    return fallback if taken else wanted


def _apply(session: Session, actor: Actor, op: tuple[Any, ...], state: dict[str, Any]) -> None:
    ids: list[int] = state["ids"]
    kind = op[0]
    pick = ids[op[1] % len(ids)] if ids and isinstance(op[1], int) and kind != "import" \
        else None
    if kind == "import":
        ids.append(_decl(session, len(ids), buyer=op[1], price=op[2],
                         logisticsNo=_free_waybill(session, WAYBILLS[op[3]],
                                                   f"X{len(ids):09d}")))
    elif kind == "price" and pick is not None:
        value = Decimal(op[2])
        session.execute(update(DeclarationItem).where(DeclarationItem.declaration_id == pick)
                        .values(price=value, totalPrice=value))
    elif kind == "buyer" and pick is not None:
        session.execute(update(Declaration).where(Declaration.id == pick)
                        .values(buyerIdNumber=BUYERS[op[2]]))
    elif kind == "waybill" and pick is not None:
        session.execute(update(Declaration).where(Declaration.id == pick)
                        .values(logisticsNo=_free_waybill(session, WAYBILLS[op[2]],
                                                          f"Y{pick:09d}", pick)))
    elif kind == "cancel" and pick is not None:
        session.execute(update(Declaration).where(Declaration.id == pick)
                        .values(status="cancelled"))
    elif kind == "setting":
        session.merge(Setting(key=op[1], value=op[2]))
        session.flush()
    elif kind == "reference":
        hs = HsCode.__table__
        if op[1] == "drop":
            session.execute(hs.delete().where(hs.c.code == "1901101000"))
        elif op[1] == "rate":
            session.execute(hs.update().where(hs.c.code == "1901101000")
                            .values(vat_rate=Decimal("0.09")))
        elif not session.get(HsCode, "1901101000"):
            session.add(HsCode(code="1901101000", name_zh="婴幼儿配方奶粉",
                               name_en="Infant formula", unit1="035", unit2=None,
                               vat_rate=Decimal("0.13"), ct_rate=Decimal(0)))
            session.flush()
    elif kind == "day":
        state["today"] = TODAY + timedelta(days=op[1])
    elif kind == "edition":
        _edition(session, op[1], op[2])
    elif kind == "catalogue":
        _catalogue(session, op[1], op[2])
    elif kind == "save" and pick is not None:
        from app.services.editing import save_declaration

        decl = session.get(Declaration, pick)
        assert decl is not None
        if decl.status in ("draft", "invalid", "ready"):
            save_declaration(session, actor, pick, decl.version,
                             {"buyerIdNumber": BUYERS[op[2]]})
    elif kind == "goods" and pick is not None:
        session.execute(update(DeclarationItem).where(DeclarationItem.declaration_id == pick)
                        .values(gname=op[2]))
    elif kind == "status" and pick is not None:
        session.execute(update(Declaration).where(Declaration.id == pick,
                                                  Declaration.status != "cancelled")
                        .values(status=op[2]))
    elif kind == "check":
        subset = None if op[1] or not ids else ids[op[2] % len(ids):][:3]
        check_declarations(session, actor, subset, today=state["today"])


def _edition(session: Session, effective: str | None, milk_vat: str) -> None:
    """A loaded tariff edition (as `reference import --effective` keeps it): the stored tariff
    kept as edition 0 first, then the new edition's rows."""
    from sqlalchemy import text

    from app.db.models import RefEdition

    if not session.scalar(text("SELECT count(*) FROM ref_edition_hs WHERE edition_id = 0")):
        session.execute(text(
            "INSERT INTO ref_edition_hs (edition_id, code, name_zh, name_en, unit1, unit2, "
            "vat_rate, ct_rate) SELECT 0, code, name_zh, name_en, unit1, unit2, vat_rate, "
            "ct_rate FROM hs_codes"))
    edition = RefEdition(table_name="hs", name=f"E{effective}{milk_vat}",
                         effective=date.fromisoformat(effective) if effective else None,
                         file_name="t.xlsx", sha256="0", rows=0, added=0, removed=0, changed=0)
    session.add(edition)
    session.flush()
    vat = "vat_rate" if milk_vat == "missing" else \
        f"CASE WHEN code = '1901101000' THEN {int(Decimal(milk_vat) * 100000)} ELSE vat_rate END"
    session.execute(text(
        "INSERT INTO ref_edition_hs (edition_id, code, name_zh, name_en, unit1, unit2, "
        f"vat_rate, ct_rate) SELECT {edition.id}, code, name_zh, name_en, unit1, unit2, {vat}, "
        "ct_rate FROM hs_codes"
        + (" WHERE code <> '1901101000'" if milk_vat == "missing" else "")))


def _catalogue(session: Session, gcode: str, source: str) -> None:
    """The catalogue entry of the factories' SKU (ebcCode 1105W6B002, itemNo SKU001)."""
    from app.catalogue.store import entry_key, name_key
    from app.db.models import CatalogueEntry

    key = entry_key("1105W6B002", "SKU001", "婴幼儿配方奶粉", "800g/罐 3段")
    entry = session.scalar(select(CatalogueEntry).where(CatalogueEntry.entry_key == key))
    if entry is None:
        entry = CatalogueEntry(entry_key=key, ebc_code="1105W6B002", item_no="SKU001",
                               name_key=name_key("婴幼儿配方奶粉", "800g/罐 3段"),
                               gname="婴幼儿配方奶粉", gmodel="800g/罐 3段", unit1="035")
        session.add(entry)
    entry.gcode, entry.source = gcode, source
    session.flush()


@settings(max_examples=30, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(ops=st.lists(_ops, min_size=1, max_size=14))
# Each kind of cross-record input moving while the declaration itself stays as it was:
# the buyer's annual total, the catalogue's accepted code, an edition coming into force.
@example(ops=[("import", 0, "13500", 0), ("check", True, 0), ("import", 0, "13500", 1)])
@example(ops=[("import", 0, "198", 0), ("check", True, 0),
              ("catalogue", "1901109000", "accepted")])
@example(ops=[("import", 1, "198", 0), ("check", True, 0), ("edition", "2026-11-01", "0.09"),
              ("day", 3)])
@example(ops=[("import", 0, "4900", 0), ("import", 0, "13500", 1), ("check", True, 0),
              ("save", 1, 1)])
def test_incremental_equals_from_scratch(engine: Engine, actor: Actor,
                                         ops: list[tuple[Any, ...]]) -> None:
    with Session(engine) as session:
        try:
            state: dict[str, Any] = {"ids": [], "today": TODAY}
            for op in ops:
                _apply(session, actor, op, state)
            check_declarations(session, actor, None, today=state["today"])
            incremental = _snapshot(session)
            scratch_point = session.begin_nested()
            check_declarations(session, actor, None, today=state["today"], force=True)
            from_scratch = _snapshot(session)
            scratch_point.rollback()
            assert incremental == from_scratch
        finally:
            session.rollback()


def test_a_second_active_waybill_is_refused_and_the_first_stays_as_checked(
        session: Session, actor: Actor) -> None:
    """The database keeps active waybills unique (issue 19), so a duplicate never reaches the
    pre-check; the first declaration's check stands and is not redone."""
    from app.domain.errors import DuplicateDeclarationError

    first = _decl(session, 1, logisticsNo=WAYBILLS[0])
    check_declarations(session, actor, None, today=TODAY)
    point = session.begin_nested()
    with pytest.raises(DuplicateDeclarationError):
        _decl(session, 2, logisticsNo=WAYBILLS[0])
    point.rollback()
    summary = check_declarations(session, actor, None, today=TODAY)
    assert (summary.checked, summary.skipped) == (1, 1)
    assert "DUPLICATE_WAYBILL" not in set(session.execute(
        select(Problem.code).where(Problem.declaration_id == first)).scalars())


def _codes(session: Session, decl_id: int) -> set[str]:
    return set(session.execute(
        select(Problem.code).where(Problem.declaration_id == decl_id)).scalars())


def test_saving_an_edit_rechecks_the_declarations_whose_annual_total_moved(
        session: Session, actor: Actor) -> None:
    """A clerk moves a parcel to another buyer: the save's own check re-checks the new
    buyer's other parcels (now over the annual limit) and, after moving it back, the same
    parcels again (the buyer it left); a parcel of nobody involved is not touched."""
    from app.services.editing import save_declaration

    moved = _decl(session, 1, buyer=1, price="4900")
    others = [_decl(session, 2 + i, buyer=0, price="4900") for i in range(5)]
    stranger = _decl(session, 9, buyer=2)
    check_declarations(session, actor, None)
    assert not any("LIMIT_ANNUAL" in _codes(session, d) for d in others)
    stranger_fp = session.scalar(select(Declaration.check_fingerprint)
                                 .where(Declaration.id == stranger))

    def save(buyer: int) -> None:
        version = session.scalar(select(Declaration.version).where(Declaration.id == moved))
        save_declaration(session, actor, moved, int(version or 0),
                         {"buyerIdNumber": BUYERS[buyer], "payerIdNumber": BUYERS[buyer]})

    save(0)
    assert all("LIMIT_ANNUAL" in _codes(session, d) for d in others)
    assert {session.scalar(select(Declaration.status).where(Declaration.id == d))
            for d in others} == {"invalid"}
    save(1)
    assert not any("LIMIT_ANNUAL" in _codes(session, d) for d in others)
    assert session.scalar(select(Declaration.check_fingerprint)
                          .where(Declaration.id == stranger)) == stranger_fp
    # Nothing is left for a full check to do.
    summary = check_declarations(session, actor, None)
    assert summary.skipped == summary.checked == 7
