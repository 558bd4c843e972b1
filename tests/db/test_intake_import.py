"""Importing real files into a migrated database: counts, duplicates, updates, errors,
transactions."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from app.db.models import AuditEvent, Declaration, DeclarationItem, ImportJob, ImportRowError
from app.domain.errors import Cancelled
from app.intake.mapping import MappingSpec
from app.intake.profile_store import list_profiles, propose_profile
from app.intake.service import ImportRequest, import_file
from app.jobs.base import CancelToken
from app.security.context import Actor
from tests.factories import make_declaration
from tests.unit.intake.filemakers import CN_HEADERS, CN_ROWS, write_csv, write_xlsx


def count(session: Session, model: type) -> int:
    return int(session.execute(select(func.count()).select_from(model)).scalar_one())


def run(sessions: sessionmaker[Session], actor: Actor, path: Path, **kw: object):  # type: ignore[no-untyped-def]
    with sessions() as s, s.begin():
        return import_file(s, actor, ImportRequest(path, **kw))  # type: ignore[arg-type]


def test_xlsx_import_creates_declarations_and_items(sessions: sessionmaker[Session],
                                                    actor: Actor, tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "五月订单.xlsx", CN_HEADERS, CN_ROWS, title="五月订单",
                      text_columns=[3])
    summary = run(sessions, actor, path)
    assert (summary.rows, summary.declarations, summary.items, summary.rejected_rows) == (
        3, 2, 3, 0)
    with sessions() as s:
        d = s.execute(select(Declaration).where(Declaration.orderNo == "SO1001")).scalar_one()
        # The pre-check ran on import: the file lacks platform codes, so it is flagged.
        assert d.status == "invalid" and d.checked_at is not None and d.error_count > 0
        assert d.logisticsNo == "YT0001"
        assert d.buyerIdNumber == "110101199003071234"
        assert d.grossWeight == Decimal("1.9") and d.tradeMode == "9610"
        assert [(i.gnum, i.unit, i.country) for i in d.items] == [(1, "122", "116"),
                                                                  (2, "007", "116")]
        assert d.goods_total == Decimal("1646.5")
        job = s.get(ImportJob, summary.job_id)
        assert job is not None and job.declarations == 2 and len(job.sha256) == 64
        assert d.import_job_id == job.id
        assert "import.file" in s.execute(select(AuditEvent.action)).scalars().all()


def test_reimport_is_idempotent_and_updates_drafts_only(sessions: sessionmaker[Session],
                                                        actor: Actor, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "o.csv", CN_HEADERS, CN_ROWS, encoding="gbk")
    first = run(sessions, actor, path)
    assert first.declarations == 2
    with sessions() as s, s.begin():
        s.execute(Declaration.__table__.update().where(Declaration.orderNo == "SO1002")
                  .values(status="sent"))
    rows = [list(r) for r in CN_ROWS]
    rows[0][2] = rows[1][2] = "张三丰"
    again = run(sessions, actor, write_csv(tmp_path / "o2.csv", CN_HEADERS, rows))
    assert (again.declarations, again.updated, again.duplicates, again.items) == (0, 1, 1, 2)
    with sessions() as s:
        assert count(s, Declaration) == 2 and count(s, DeclarationItem) == 3
        d = s.execute(select(Declaration).where(Declaration.orderNo == "SO1001")).scalar_one()
        assert d.buyerName == "张三丰" and d.version == 2
        event = s.execute(select(AuditEvent).where(AuditEvent.action == "declaration.update")
                          ).scalar_one()
        assert event.declaration_id == d.id
        assert "张三丰" in str(event.details)


def test_waybill_of_another_order_is_a_row_error(sessions: sessionmaker[Session], actor: Actor,
                                                 tmp_path: Path) -> None:
    with sessions() as s, s.begin():
        make_declaration(s, orderNo="OTHER-1", logisticsNo="YT0002")
    summary = run(sessions, actor, write_csv(tmp_path / "o.csv", CN_HEADERS, CN_ROWS))
    assert summary.declarations == 1 and summary.rejected_rows == 1
    (error,) = summary.errors
    assert (error.row, error.field, error.value) == (4, "logisticsNo", "YT0002")
    assert "OTHER-1" in error.to_json("en")["message"]
    with sessions() as s:
        stored = s.execute(select(ImportRowError)).scalar_one()
        assert stored.row == 4 and stored.column == "物流运单编号"


def test_all_or_nothing_refuses_the_file_but_records_why(sessions: sessionmaker[Session],
                                                         actor: Actor, tmp_path: Path) -> None:
    rows = [list(r) for r in CN_ROWS]
    rows[2][10] = "three"
    summary = run(sessions, actor, write_csv(tmp_path / "o.csv", CN_HEADERS, rows),
                  all_or_nothing=True)
    assert summary.refused and summary.declarations == 0 and summary.rejected_rows == 1
    with sessions() as s:
        assert count(s, Declaration) == 0
        job = s.execute(select(ImportJob)).scalar_one()
        assert job.status == "refused" and job.rejected_rows == 1
        assert count(s, ImportRowError) == 1


def test_cancel_rolls_back_everything(sessions: sessionmaker[Session], actor: Actor,
                                      tmp_path: Path) -> None:
    token = CancelToken()
    token.cancel()
    with pytest.raises(Cancelled), sessions() as s, s.begin():
        import_file(s, actor, ImportRequest(write_csv(tmp_path / "o.csv", CN_HEADERS,
                                                      CN_ROWS)), cancel=token)
    with sessions() as s:
        assert count(s, Declaration) == 0 and count(s, ImportJob) == 0


def test_profile_saved_and_proposed(sessions: sessionmaker[Session], actor: Actor,
                                    tmp_path: Path) -> None:
    headers = ["单号", "快递单号", "品名", "件数量"]
    path = write_csv(tmp_path / "p.csv", headers, [["A1", "W1", "面霜", "2"]])
    spec = MappingSpec.from_dict({"columns": {"单号": "orderNo"},
                                  "defaults": {"ebpCode": "EBP1"}})
    summary = run(sessions, actor, path, mapping=spec, save_profile="小红书")
    assert summary.declarations == 1
    with sessions() as s:
        (profile,) = list_profiles(s)
        assert profile.spec.columns["单号"] == "orderNo"
        assert profile.spec.defaults == {"ebpCode": "EBP1"}
        assert propose_profile(s, headers) == "小红书"
    again = run(sessions, actor, write_csv(tmp_path / "p2.csv", headers,
                                           [["A2", "W2", "面霜", "1"]]), profile="小红书")
    assert again.declarations == 1
    with sessions() as s:
        d = s.execute(select(Declaration).where(Declaration.orderNo == "A2")).scalar_one()
        assert d.ebpCode == "EBP1"


def test_after_import_hook_sees_the_new_ids(sessions: sessionmaker[Session], actor: Actor,
                                            tmp_path: Path) -> None:
    seen: list[int] = []
    with sessions() as s, s.begin():
        summary = import_file(s, actor, ImportRequest(write_csv(tmp_path / "o.csv", CN_HEADERS,
                                                                CN_ROWS)),
                              after_import=lambda _s, _a, ids: seen.extend(ids))
    assert sorted(seen) == sorted(summary.declaration_ids) and len(seen) == 2


FAR_HEADERS = ["订单号", "运单号", "品名", "数量"]


def test_rows_of_an_order_far_apart_are_merged(sessions: sessionmaker[Session], actor: Actor,
                                               tmp_path: Path) -> None:
    rows = [["A1", "W1", "a", "1"], ["A2", "W2", "b", "1"], ["A3", "W3", "c", "1"],
            ["A1", "W1", "d", "2"]]
    path = write_csv(tmp_path / "far.csv", FAR_HEADERS, rows)
    summary = run(sessions, actor, path, window=1)
    assert (summary.declarations, summary.items, summary.rejected_rows) == (3, 4, 0)
    with sessions() as s:
        d = s.execute(select(Declaration).where(Declaration.orderNo == "A1")).scalar_one()
        assert [(i.gnum, i.gname) for i in d.items] == [(1, "a"), (2, "d")]


def _orders_in_db(sessions: sessionmaker[Session]) -> list[str | None]:
    with sessions() as s:
        return sorted(s.execute(select(Declaration.orderNo)).scalars().all(), key=str)


def test_order_far_apart_with_a_conflict_is_rejected_whole(sessions: sessionmaker[Session],
                                                           actor: Actor,
                                                           tmp_path: Path) -> None:
    # A1's rows are further apart than the grouping window (2 rows): its first part is
    # written before its conflicting row 6 is read, yet no row of A1 may be imported.
    rows = [["A1", "W1", "a", "1"], ["A2", "W2", "b", "1"], ["A3", "W3", "c", "1"],
            ["A4", "W4", "d", "1"], ["A1", "W1x", "e", "1"], ["A5", "W5", "f", "1"],
            ["A1", "W1", "g", "1"]]
    path = write_csv(tmp_path / "far.csv", FAR_HEADERS, rows)
    summary = run(sessions, actor, path, window=2)
    assert (summary.rows, summary.declarations, summary.items, summary.rejected_rows) == (
        7, 4, 4, 3)
    assert sorted({e.row for e in summary.errors}) == [2, 6, 8]
    conflict = next(e for e in summary.errors if e.row == 6)
    assert (conflict.column, conflict.field, conflict.value) == ("运单号", "logisticsNo", "W1x")
    assert "row 2" in conflict.to_json("en")["message"]
    assert [n for n, _cells in summary.rejected] == [2, 6, 8]
    assert _orders_in_db(sessions) == ["A2", "A3", "A4", "A5"]
    with sessions() as s:
        assert count(s, DeclarationItem) == 4
        recorded = s.execute(select(ImportRowError.row).where(
            ImportRowError.import_job_id == summary.job_id)).scalars().all()
        assert sorted(set(recorded)) == [2, 6, 8]


def test_order_far_apart_with_a_bad_later_row_is_rejected_whole(
        sessions: sessionmaker[Session], actor: Actor, tmp_path: Path) -> None:
    rows = [["A1", "W1", "a", "1"], ["A2", "W2", "b", "1"], ["A3", "W3", "c", "1"],
            ["A4", "W4", "d", "1"], ["A1", "W1", "e", "many"]]
    summary = run(sessions, actor, write_csv(tmp_path / "far.csv", FAR_HEADERS, rows),
                  window=1)
    assert (summary.declarations, summary.rejected_rows) == (3, 2)
    assert [(e.row, e.field) for e in summary.errors] == [(2, ""), (6, "qty")]
    assert _orders_in_db(sessions) == ["A2", "A3", "A4"]


def test_far_apart_conflict_leaves_the_stored_draft_as_it_was(
        sessions: sessionmaker[Session], actor: Actor, tmp_path: Path) -> None:
    run(sessions, actor, write_csv(tmp_path / "first.csv", FAR_HEADERS,
                                   [["A1", "W1", "a", "1"]]))
    with sessions() as s:
        before = s.execute(select(Declaration.id, Declaration.version)
                           .where(Declaration.orderNo == "A1")).one()
    rows = [["A1", "W1", "z", "5"], ["A2", "W2", "b", "1"], ["A3", "W3", "c", "1"],
            ["A4", "W4", "d", "1"], ["A1", "W1x", "y", "1"]]
    summary = run(sessions, actor, write_csv(tmp_path / "again.csv", FAR_HEADERS, rows),
                  window=1)
    assert (summary.declarations, summary.updated, summary.rejected_rows) == (3, 0, 2)
    with sessions() as s:
        d = s.execute(select(Declaration).where(Declaration.orderNo == "A1")).scalar_one()
        assert (d.id, d.version) == tuple(before)
        assert [(i.gnum, i.gname, i.qty) for i in d.items] == [(1, "a", Decimal(1))]
        assert s.execute(select(AuditEvent).where(
            AuditEvent.action == "declaration.update")).first() is None
