"""The content revision (migration 0017_incr21): the database moves it with every change of
what a check reads, whatever writes it, so a re-check that finds the stored fingerprint still
valid may skip reading the declaration at all."""

from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import Integer, String, delete, func, insert, select, update
from sqlalchemy.orm import Session

from app.db.models import AuditEvent, Batch, Declaration, DeclarationItem, Problem
from app.db.types import Decimal5
from app.precheck.records import HEAD_COLUMNS, ITEM_COLUMNS
from app.precheck.service import check_declarations
from app.security.context import Actor
from app.services.bulk_edit import BulkEdit, apply_bulk_edit
from app.services.editing import save_declaration
from tests.factories import item_values, make_declaration

TODAY = date(2026, 11, 26)
D, It = Declaration, DeclarationItem


def _rev(session: Session, decl_id: int) -> int:
    return int(session.scalar(select(D.content_rev).where(D.id == decl_id)) or 0)


def _other_value(column: Any, session: Session) -> Any:
    """A value for `column` that differs from anything the factories store."""
    if column.name == "batch_id":
        batch = Batch(batch_no="B-REV-1")
        session.add(batch)
        session.flush()
        return batch.id
    if isinstance(column.type, Decimal5):
        return Decimal("7.25")
    if isinstance(column.type, Integer):
        return 7
    assert isinstance(column.type, String), column
    return "Z"


def _checked(session: Session, actor: Actor, **kw: Any) -> int:
    decl_id = make_declaration(session, **kw)
    check_declarations(session, actor, [decl_id], today=TODAY)
    assert session.scalar(select(D.check_fingerprint).where(D.id == decl_id)) is not None
    return decl_id


def _columns(selected: tuple[Any, ...], table: Any) -> list[Any]:
    names = {getattr(c, "name", None) or c.clause.name for c in selected}  # type_coerce'd too
    found = [c for c in table.c if c.name in names]
    assert len(found) == len(selected)
    return found


def test_every_column_a_check_reads_moves_the_revision(session: Session, actor: Actor) -> None:
    decl_id = _checked(session, actor)
    missed = []
    for column in _columns(HEAD_COLUMNS, D.__table__):
        if column.name in ("id", "status"):  # the fingerprint names the status itself
            continue
        before = _rev(session, decl_id)
        session.execute(update(D.__table__).where(D.__table__.c.id == decl_id)
                        .values({column: _other_value(column, session)}))
        if _rev(session, decl_id) <= before:
            missed.append(column.name)
    item_table = It.__table__
    for column in _columns(ITEM_COLUMNS, item_table):
        if column.name == "declaration_id":
            continue
        before = _rev(session, decl_id)
        session.execute(update(item_table).where(item_table.c.declaration_id == decl_id)
                        .values({column: _other_value(column, session)}))
        if _rev(session, decl_id) <= before:
            missed.append(f"item.{column.name}")
    assert missed == []


def test_items_added_removed_or_moved_move_the_revision(session: Session, actor: Actor) -> None:
    a = _checked(session, actor)
    b = _checked(session, actor)
    items = It.__table__
    revs = (_rev(session, a), _rev(session, b))
    session.execute(insert(items).values(declaration_id=a, gnum=2, **{
        c.name: v for c, v in ((It.__table__.c.gcode, "1901101000"),
                               (It.__table__.c.total_price, Decimal(1)))}))
    assert _rev(session, a) == revs[0] + 1
    session.execute(update(items).where(items.c.declaration_id == a, items.c.gnum == 2)
                    .values(declaration_id=b))
    assert (_rev(session, a), _rev(session, b)) == (revs[0] + 2, revs[1] + 1)
    session.execute(delete(items).where(items.c.declaration_id == b, items.c.gnum == 2))
    assert _rev(session, b) == revs[1] + 2


def test_what_a_check_does_not_read_leaves_the_revision(session: Session, actor: Actor) -> None:
    decl_id = _checked(session, actor)
    before = _rev(session, decl_id)
    session.execute(update(D).where(D.id == decl_id).values(
        printed_count=3, last_return_status="120", error_count=9, status="queued"))
    # Same values written again: nothing changed.
    session.execute(update(D).where(D.id == decl_id).values(buyerName="张伟"))
    session.execute(update(It).where(It.declaration_id == decl_id).values(gcode="1901101000"))
    assert _rev(session, decl_id) == before


def test_editor_save_that_changes_no_result_rewrites_nothing(session: Session,
                                                             actor: Actor) -> None:
    """The save's check sees the new revision, checks again, finds what is stored: only the
    fingerprint moves (no problem rows, counts, checked_at, status or audit); the next
    `check --all` skips the declaration."""
    decl_id = _checked(session, actor, items=[item_values(gname="化妆品 电池")])
    problems = list(session.execute(select(Problem.id).order_by(Problem.id)).scalars())
    assert problems  # a restricted-goods warning to keep
    stored = session.execute(select(D.checked_at, D.check_fingerprint, D.status)
                             .where(D.id == decl_id)).one()
    version = int(session.scalar(select(D.version).where(D.id == decl_id)) or 0)
    audits = session.scalar(select(func.count()).select_from(AuditEvent))

    save_declaration(session, actor, decl_id, version, {"note": "客户来电更正备注"})

    after = session.execute(select(D.checked_at, D.check_fingerprint, D.status)
                            .where(D.id == decl_id)).one()
    assert after.checked_at == stored.checked_at and after.status == stored.status
    assert after.check_fingerprint != stored.check_fingerprint
    assert list(session.execute(select(Problem.id).order_by(Problem.id)).scalars()) == problems
    # The save's own audit event, no status event.
    assert session.scalar(select(func.count()).select_from(AuditEvent)) == (audits or 0) + 1
    summary = check_declarations(session, actor, None, today=TODAY)
    assert (summary.checked, summary.skipped) == (1, 1)


def test_bulk_edit_is_seen_by_the_next_check(session: Session, actor: Actor) -> None:
    ids = [_checked(session, actor) for _ in range(3)]
    apply_bulk_edit(session, actor, ids[:2], BulkEdit("set_head", "buyerTelephone", "123"))
    revs = [_rev(session, i) for i in ids]
    # The bulk edit's own check stored results for the new content: nothing left to do.
    summary = check_declarations(session, actor, None, today=TODAY)
    assert (summary.checked, summary.skipped) == (3, 3)
    assert "PHONE" in set(session.execute(
        select(Problem.code).where(Problem.declaration_id == ids[0])).scalars())
    assert revs[0] > 0 and revs[2] == 0


def test_every_reference_table_write_replaces_the_reference_token(session: Session) -> None:
    from sqlalchemy import text

    from app.reference.cache import reference_token

    seen = {reference_token(session)}
    for statement in (
            "UPDATE ref_codes SET name_en = 'x' WHERE kind = 'country' AND code = '116'",
            "UPDATE hs_codes SET vat_rate = 1 WHERE code = '1901101000'",
            "INSERT INTO positive_list (code, note) VALUES ('1901101000', 'n')",
            "DELETE FROM positive_list",
            "INSERT INTO ref_editions (id, table_name, name, loaded_at, file_name, sha256, rows,"
            " added, removed, changed) VALUES (99, 'hs', 'e', '2026-01-01', 'f', 's', 0, 0, 0,"
            " 0)",
            "INSERT INTO ref_edition_hs (edition_id, code, name_zh, unit1) VALUES (99, "
            "'1901101000', 'n', '035')",
            "INSERT INTO ref_edition_list (edition_id, code) VALUES (99, '1901101000')"):
        session.execute(text(statement))
        token = reference_token(session)
        assert token not in seen, statement
        seen.add(token)


def test_a_tariff_change_is_seen_by_the_next_check_of_one_declaration(
        session: Session, actor: Actor) -> None:
    """The stored reference tables are kept between checks while their token holds; a rate
    changed in the database (any way) reaches the very next check."""
    decl_id = _checked(session, actor)
    tax = session.scalar(select(D.tax_estimate).where(D.id == decl_id))
    session.execute(update(It).where(It.declaration_id == decl_id).values(note="x"))
    check_declarations(session, actor, [decl_id], today=TODAY)  # kept tables, same tax
    assert session.scalar(select(D.tax_estimate).where(D.id == decl_id)) == tax
    from app.db.models import HsCode

    session.execute(update(HsCode).where(HsCode.code == "1901101000")
                    .values(vat_rate=Decimal("0.09")))
    check_declarations(session, actor, [decl_id], today=TODAY)
    assert session.scalar(select(D.tax_estimate).where(D.id == decl_id)) != tax


def test_a_few_declarations_see_the_catalogue_conflicts_the_whole_run_sees(
        session: Session) -> None:
    """A save's check reads only the catalogue entries its lines could match; each line still
    matches the entry the whole catalogue would give it (first by id per barcode and name,
    entries without a code left out)."""
    from app.catalogue.checks import accepted_hs_conflicts
    from app.catalogue.store import entry_key, name_key
    from app.db.models import CatalogueEntry

    def entry(item_no: str | None, gname: str, gcode: str | None, barcode: str | None = None,
              source: str = "accepted") -> None:
        session.add(CatalogueEntry(
            entry_key=entry_key("1105W6B002", item_no, gname, ""), ebc_code="1105W6B002",
            item_no=item_no, barcode=barcode, name_key=name_key(gname, ""), gname=gname,
            gcode=gcode, source=source))
        session.flush()

    entry("A1", "面霜", "3304990029", barcode="6901")
    entry("A2", "面霜", "3304990099", barcode="6901")  # same barcode, later: not matched
    entry(None, "奶粉", None)  # no code: left out, the next one matches by name
    entry("B1", "奶粉", "1901101000")
    entry("C1", "葡萄酒", "2204210000", source="proposed")
    lines = [item_values(itemNo="X9", barCode="6901", gcode="3304100000"),
             item_values(itemNo="X8", barCode="无", gname="奶粉", gmodel="", gcode="1901109000"),
             item_values(itemNo="C1", gname="葡萄酒", gcode="2204100000")]
    ids = [make_declaration(session, items=[line]) for line in lines]
    for _ in range(3):
        make_declaration(session, items=[item_values(itemNo="A2", gcode="3304100000")])

    whole = accepted_hs_conflicts(session, None)
    assert {k: v for k, v in whole.items() if k in ids} == accepted_hs_conflicts(session, ids)
    assert accepted_hs_conflicts(session, ids) == {
        ids[0]: ((1, "3304100000", "3304990029"),), ids[1]: ((1, "1901109000", "1901101000"),)}
