"""Transfer export/import as services: conflicts leave a declaration as it is, the imported
audit segment stays verifiable, foreign or mismatched files are refused."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select, text, update
from sqlalchemy.orm import Session, sessionmaker

from app.db.engine import make_engine, make_session_factory
from app.db.migrate import head_revision
from app.db.models import Base, Declaration, DeclarationItem, ImportedAuditEvent
from app.domain.errors import ValidationError
from app.i18n import render
from app.security.audit import record_event
from app.security.audit_service import AuditService
from app.security.context import Actor
from app.services.settings import SITE_CODE, set_setting
from app.transfer.export import Selection, export_transfer
from app.transfer.importer import import_transfer
from app.transfer.pack import TransferFileError
from app.transfer.tables import SPECS_BY_NAME
from tests.factories import item_values, make_declaration

REV = head_revision()


@pytest.fixture
def centre(template_db: Path, tmp_path: Path, actor: Actor) -> Iterator[sessionmaker[Session]]:
    """Site A, a SQLite file of its own."""
    path = tmp_path / "centre.sqlite3"
    shutil.copyfile(template_db, path)
    engine = make_engine(f"sqlite:///{path}")
    factory = make_session_factory(engine)
    with factory() as s, s.begin():
        set_setting(s, actor, SITE_CODE, "A")
    yield factory
    engine.dispose()


@pytest.fixture
def office(sessions: sessionmaker[Session], actor: Actor) -> sessionmaker[Session]:
    with sessions() as s, s.begin():
        set_setting(s, actor, SITE_CODE, "B")
    return sessions


def _export(factory: sessionmaker[Session], actor: Actor, path: Path,
            sel: Selection | None = None) -> Path:
    with factory() as s, s.begin():
        export_transfer(s, actor, path, sel or Selection(), schema_revision=REV)
    return path


def test_a_declaration_changed_at_both_ends_is_a_conflict_left_as_it_is(
        centre: sessionmaker[Session], office: sessionmaker[Session], actor: Actor,
        tmp_path: Path) -> None:
    with centre() as s, s.begin():
        first = make_declaration(s, buyerName="张三", items=[item_values(), item_values()])
        record_event(s, actor, "declaration.update", declaration_id=first)
    with office() as s, s.begin():
        import_transfer(s, actor, _export(centre, actor, tmp_path / "1.cdtransfer"),
                        schema_revision=REV)
    with centre() as s, s.begin():  # the centre changes it after the hand-over…
        s.execute(update(Declaration).where(Declaration.id == first)
                  .values(buyerName="李四"))
        s.execute(update(DeclarationItem).where(DeclarationItem.declaration_id == first)
                  .values(gname="改过的"))
        second = make_declaration(s)
    with office() as s, s.begin():
        out = import_transfer(s, actor, _export(centre, actor, tmp_path / "2.cdtransfer"),
                              schema_revision=REV)
    assert out.declarations_added == 1 and out.declaration_conflicts == 1
    conflict = out.conflicts[0]
    assert conflict.key == "cop_no=CDA000000000001" and "buyer_name" in conflict.columns
    with office() as s:  # …the office keeps its copy, goods lines included
        cop = f"CDA{first:012d}"
        kept = s.scalars(select(Declaration).where(Declaration.copNo == cop)).one()
        assert kept.buyerName == "张三"
        assert {i.gname for i in kept.items} != {"改过的"}
        assert s.scalar(select(func.count()).select_from(Declaration)
                        .where(Declaration.copNo == f"CDA{second:012d}")) == 1


def test_an_imported_segment_changed_afterwards_fails_audit_verify(
        centre: sessionmaker[Session], office: sessionmaker[Session], actor: Actor,
        tmp_path: Path) -> None:
    with centre() as s, s.begin():
        for _ in range(3):
            record_event(s, actor, "declaration.create",
                         declaration_id=make_declaration(s))
    with office() as s, s.begin():
        out = import_transfer(s, actor, _export(centre, actor, tmp_path / "a.cdtransfer"),
                              schema_revision=REV)
    assert out.audit_events >= 3
    with office() as s:
        assert AuditService(s).verify(actor).ok
    with office() as s, s.begin():
        s.execute(update(ImportedAuditEvent).where(ImportedAuditEvent.position == 2)
                  .values(user_name="mallory"))
    with office() as s:
        result = AuditService(s).verify(actor)
    assert not result.ok and result.kind == "segment" and result.message is not None
    assert "Audit event 2 imported from site A" in render(result.message, "en")
    with office() as s, s.begin():  # a consistent rewrite of the whole segment shows too
        s.execute(text("DELETE FROM imported_audit_events"))
    with office() as s:
        assert not AuditService(s).verify(actor).ok


def test_another_schema_revision_or_the_same_site_is_refused(
        centre: sessionmaker[Session], office: sessionmaker[Session], actor: Actor,
        tmp_path: Path) -> None:
    with centre() as s, s.begin():
        make_declaration(s)
    pack = _export(centre, actor, tmp_path / "a.cdtransfer")
    with office() as s, s.begin(), pytest.raises(TransferFileError, match="this one is at 0099_x"):
        import_transfer(s, actor, pack, schema_revision="0099_x")
    with centre() as s, s.begin(), pytest.raises(ValidationError, match="site code \\(A\\)"):
        import_transfer(s, actor, pack, schema_revision=REV)
    with office() as s:
        assert s.scalar(select(func.count()).select_from(Declaration)) == 0


def test_every_table_holding_a_declaration_is_carried_or_left_behind_on_purpose() -> None:
    # Adding a table that belongs to declarations (or the goods catalogue) means one line in
    # app/transfer/tables.py SPECS, or one here saying why it stays behind.
    left_behind = {"thermal_jobs", "print_log",  # printer queues and print history are local
                   # A monthly export summary (CEB701) is filed by the database that holds the
                   # departed parcels: hand them over before the month is summarised.
                   "summary_inventories",
                   # A return tally (CEB215) is filed by the site the returned parcel came
                   # back to, and arrival scans are that site's own record before its CEB507.
                   "return_tallies", "site_arrivals"}
    holding = {t.name for t in Base.metadata.sorted_tables
               for fk in t.foreign_keys if fk.column.table.name == "declarations"}
    assert holding - left_behind <= set(SPECS_BY_NAME)


def test_the_goods_catalogue_travels_and_a_second_import_changes_nothing(
        centre: sessionmaker[Session], office: sessionmaker[Session], actor: Actor,
        tmp_path: Path) -> None:
    from decimal import Decimal

    from app.catalogue.entries import Classification, set_entry
    from app.catalogue.store import GoodsKeys
    from app.db.models import CatalogueEntry
    with centre() as s, s.begin():
        make_declaration(s)
        set_entry(s, actor, None, Classification("2106909090", qty1_per_unit=Decimal("0.06")),
                  keys=GoodsKeys("3120960002", "SKU-VC60", None, "维生素C咀嚼片", "60粒"))
    pack = _export(centre, actor, tmp_path / "c.cdtransfer")
    for _ in range(2):
        with office() as s, s.begin():
            import_transfer(s, actor, pack, schema_revision=REV)
    with office() as s:
        rows = s.scalars(select(CatalogueEntry)).all()
    assert [(r.gcode, r.qty1_per_unit) for r in rows] == [("2106909090", Decimal("0.06"))]
