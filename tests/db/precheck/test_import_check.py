"""An import pre-checks the declarations it creates from the rows it has just written (not
read back from the database), with exactly the results of checking them afterwards."""

from __future__ import annotations

import json
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from app.db.engine import make_engine
from app.db.models import AuditEvent, Declaration, Problem
from app.domain.clock import beijing_today
from app.i18n import Message
from app.intake.service import ImportRequest, ImportSummary, import_file
from app.precheck import built as built_module
from app.precheck import service
from app.precheck.service import check_declarations
from app.security.context import Actor
from tests.factories import item_values, make_declaration
from tests.unit.intake.filemakers import CN_HEADERS, CN_ROWS, write_xlsx

BUYER = "110101199003071234"  # 张三 in CN_ROWS


def _row(order: str, waybill: str, name: str = "维生素片", qty: int = 1,
         price: str = "88", legal: bool = True) -> list[Any]:
    return [order, waybill, "王五", "31010419851010123X", "13900000003", "杭州市西湖区文三路3号",
            name, "2106909090", "60粒/瓶", "116", qty, "瓶", price,
            str(Decimal(price) * qty), "10", 0.7, 0.6, *(("千克", 0.6) if legal else ("", ""))]


def _file(tmp_path: Path) -> Path:
    # Legal quantities given, except where the pre-check derives them (those get no
    # fingerprint: it wrote them after reading).
    rows = [*([*r, "", ""] for r in CN_ROWS),
            _row("SO1003", "YT0003"),  # updates the stored draft SO1003 (read back)
            _row("SO1005", "YT0005"),  # SO1005 comes back after the window: appended (read back)
            _row("SO1006", "YT0006", price="6000", legal=False),  # over the single limit
            _row("SO1007", "YT0007", qty=2), _row("SO1008", "YT0008"),
            _row("SO1009", "YT0009"),
            _row("SO1005", "YT0005", name="面霜", price="120")]
    return write_xlsx(tmp_path / "订单.xlsx", [*CN_HEADERS, "法定计量单位", "法定数量"], rows)


def _existing(sessions: sessionmaker[Session]) -> None:
    year = beijing_today().strftime("%Y")
    with sessions() as s, s.begin():
        # 张三 bought 25,000 this year already: SO1001 takes him over the annual limit.
        big = Decimal("25000")
        make_declaration(s, buyerIdNumber=BUYER, buyerName="张三", declTime=f"{year}0102",
                         status="ready", items=[item_values(price=big, totalPrice=big)])
        make_declaration(s, orderNo="SO1003", logisticsNo="YT0003", ebpCode=None)


def _snapshot(session: Session, ids: Sequence[int]) -> dict[str, Any]:
    """What a user sees of each imported declaration's check, by order number: status,
    counts, tax, goods value, fingerprint, editions, problems and status-change audit."""
    decls = {d.id: d for d in session.execute(
        select(Declaration).where(Declaration.id.in_(ids))
        .execution_options(populate_existing=True)).scalars()}
    problems: dict[int, list[Any]] = {}
    for p in session.execute(select(Problem).where(Problem.declaration_id.in_(ids))).scalars():
        problems.setdefault(p.declaration_id, []).append(
            (p.gnum or 0, p.field, p.code, p.severity, p.msgid, sorted(p.params.items())))
    moves: dict[int, list[Any]] = {}
    for e in session.execute(select(AuditEvent).where(
            AuditEvent.action == "declaration.status",
            AuditEvent.declaration_id.in_(ids)).order_by(AuditEvent.id)).scalars():
        moves.setdefault(e.declaration_id or 0, []).append(sorted(e.details.items()))
    return {d.orderNo: (d.status, d.error_count, d.warning_count, d.tax_estimate,
                        d.goods_total, d.checked_at is not None, d.check_hs_edition,
                        sorted(problems.get(i, [])), moves.get(i, []))
            for i, d in decls.items()}


def _import(session: Session, actor: Actor, path: Path, precheck: bool) -> ImportSummary:
    return import_file(session, actor, ImportRequest(path, precheck=precheck, window=2))


def test_import_checks_what_it_built_as_a_later_check_would(
        sessions: sessionmaker[Session], actor: Actor, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    _existing(sessions)
    path = _file(tmp_path)

    # After the fact: import without the pre-check, then check what it wrote.
    with sessions() as s, s.begin():
        later = _import(s, actor, path, precheck=False)
        ids = list(later.declaration_ids)
        check_declarations(s, actor, ids, report=False)
        after_the_fact = _snapshot(s, ids)
        fingerprints_later = dict(s.execute(
            select(Declaration.orderNo, Declaration.check_fingerprint)
            .where(Declaration.id.in_(ids))).all())
        s.rollback()

    read_back: list[int] = []
    real_chunks = service.iter_record_chunks

    def spying(session: Session, ids: Sequence[int] | None = None,  # type: ignore[no-untyped-def]
               *args, **kw):
        read_back.extend(ids or [])
        return real_chunks(session, ids, *args, **kw)

    monkeypatch.setattr(service, "iter_record_chunks", spying)
    with sessions() as s, s.begin():
        summary = _import(s, actor, path, precheck=True)
        ids = list(summary.declaration_ids)
        in_import = _snapshot(s, ids)
        orders = dict(s.execute(select(Declaration.id, Declaration.orderNo)
                                .where(Declaration.id.in_(ids))).all())
        fingerprints = dict(s.execute(
            select(Declaration.orderNo, Declaration.check_fingerprint)
            .where(Declaration.id.in_(ids))).all())

    assert in_import == after_the_fact
    assert summary.declarations == 7 and summary.updated == 1
    # Only the stored draft the file updated and the order that came back were read back.
    assert sorted(orders[i] for i in read_back) == ["SO1003", "SO1005"]
    assert in_import["SO1001"][0] == "invalid"
    assert any(p[2] == "LIMIT_ANNUAL" for p in in_import["SO1001"][7])  # saw the stored row
    assert any(p[2] == "LIMIT_SINGLE" for p in in_import["SO1006"][7])
    # (a declaration whose legal quantities the check filled has none: it was written again)
    assert sum(1 for fp in fingerprints.values() if fp) >= 3
    if sorted(ids) == sorted(later.declaration_ids):  # same ids (SQLite rolls them back)
        assert fingerprints == fingerprints_later

    # The fingerprints are what a check reading the rows computes: nothing to check again.
    monkeypatch.setattr(service, "iter_record_chunks", real_chunks)
    with sessions() as s, s.begin():
        again = check_declarations(s, actor, ids, report=False)
        with_fp = sum(1 for fp in fingerprints.values() if fp)
        assert (again.checked, again.skipped) == (len(ids), with_fp)
        assert _snapshot(s, ids) == in_import


def test_beyond_the_memory_limit_and_with_whole_table_facts(
        sessions: sessionmaker[Session], actor: Actor, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Declarations beyond the memory limit are checked from the database; facts gathered
    for the whole table (big imports) are those gathered for the imported ids."""
    monkeypatch.setattr(built_module, "MEMORY_LIMIT", 3)
    monkeypatch.setattr(service, "WHOLE_TABLE_FACTS", 0)
    _existing(sessions)
    with sessions() as s, s.begin():
        summary = _import(s, actor, _file(tmp_path), precheck=True)
        ids = list(summary.declaration_ids)
        kept = _snapshot(s, ids)
        assert any(p[2] == "LIMIT_ANNUAL" for p in kept["SO1001"][7])
        s.rollback()
    with sessions() as s, s.begin():
        later = _import(s, actor, _file(tmp_path), precheck=False)
        check_declarations(s, actor, list(later.declaration_ids), report=False)
        assert _snapshot(s, list(later.declaration_ids)) == kept


def test_a_row_the_database_would_store_differently_is_not_trusted() -> None:
    """An int in a text column comes back from SQLite as text: such a chunk is read back."""
    from app.precheck.built import HEAD_KEYS, ITEM_KEYS, STORED_KEYS, BuiltDeclarations

    keys = ["id", *HEAD_KEYS[1:], *STORED_KEYS]
    row = dict.fromkeys(keys)
    good = BuiltDeclarations()
    good.add(keys, [tuple({**row, "id": 1, "orderNo": "SO1"}.values())],
             list(ITEM_KEYS), [])
    bad = BuiltDeclarations()
    bad.add(keys, [tuple({**row, "id": 1, "orderNo": 1001}.values())],
            list(ITEM_KEYS), [])
    assert [rows is not None for _, rows in good.chunks([1], 10)] == [True]
    assert [rows is None for _, rows in bad.chunks([1], 10)] == [True]


def test_problem_params_share_a_serialisation_only_when_they_serialise_alike() -> None:
    key = service._params_key
    label = Message("Order No.")
    assert key({"field": label}) == key({"field": Message("Order No.", {})})
    assert key({"field": label}) != key({"field": Message("Waybill No.")})
    assert key({"n": 1}) != key({"n": True}) and key({"n": 1}) != key({"n": "1"})
    assert key({"field": Message("X", {"a": 1})}) is None
    assert key({"value": Decimal("1.50")}) is None and key({"value": 1.5}) is None
    # Equal keys, equal stored text; the text is the JSON type's.
    a, b = {"field": label, "n": 3}, {"field": Message("Order No."), "n": 3}
    assert key(a) == key(b)
    with Session(make_engine("sqlite://")) as s:
        text = service._ParamsText(s.connection())
        assert text(a) is text(b)
        assert json.loads(text(a)) == {"field": {"$msg": "Order No.", "params": {}}, "n": 3}
        assert json.loads(text({"n": True})) == {"n": True}
    assert key({"field": {"a": 1}}) is None and key({"value": 1.5}) is None


def test_an_import_stores_its_new_declarations_problems_without_looking_for_old_ones(
        sessions: sessionmaker[Session], actor: Actor, tmp_path: Path) -> None:
    """Declarations the import has just created cannot have stored problems: their check
    only inserts problems (no DELETE, no look-up of acknowledgements or kept holds)."""
    from sqlalchemy import event

    rows = [_row(f"SO2{n:03d}", f"YT2{n:03d}", legal=n % 2 == 0) for n in range(6)]
    path = write_xlsx(tmp_path / "新订单.xlsx", [*CN_HEADERS, "法定计量单位", "法定数量"], rows)
    seen: list[str] = []
    with sessions() as s, s.begin():
        engine = s.get_bind()

        def spy(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
            seen.append(" ".join(statement.split()).lower())

        event.listen(engine, "before_cursor_execute", spy)
        try:
            summary = _import(s, actor, path, precheck=True)
        finally:
            event.remove(engine, "before_cursor_execute", spy)
        stored = s.execute(select(Problem.declaration_id)).scalars().all()
    assert summary.declarations == 6 and stored  # the check found and stored problems
    touching = [q for q in seen if " problems" in q]
    assert touching and all(q.startswith("insert into problems") for q in touching), touching
