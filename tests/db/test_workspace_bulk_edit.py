from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from app.db.models import AuditEvent, Declaration, DeclarationItem
from app.domain.errors import ValidationError
from app.security.context import Actor
from app.services.bulk_edit import (
    BulkEdit,
    apply_bulk_edit,
    preview_bulk_edit,
    undo_bulk_edit,
)
from app.services.editing import save_declaration
from tests.factories import item_values, make_declaration


@pytest.fixture
def ids(sessions: sessionmaker[Session]) -> list[int]:
    with sessions() as s, s.begin():
        out = [make_declaration(s, items=[item_values(gname="奶粉 800g"),
                                          item_values(gname="维生素C")]) for _ in range(4)]
        out.append(make_declaration(s, status="sent"))
    return out


def _events(s: Session, action: str) -> int:
    return int(s.execute(select(func.count()).select_from(AuditEvent)
                         .where(AuditEvent.action == action)).scalar_one())


def test_set_flight_on_selection_preview_apply_undo(
    sessions: sessionmaker[Session], actor: Actor, ids: list[int]
) -> None:
    edit = BulkEdit("set_head", "voyageNo", "CA1234")
    with sessions() as s:
        preview = preview_bulk_edit(s, actor, ids, edit)
    assert (preview.records, preview.not_editable) == (4, 1)
    assert preview.samples[0][1].after == "CA1234"
    with sessions() as s, s.begin():
        result = apply_bulk_edit(s, actor, ids, edit)
    assert (result.records, result.not_editable) == (4, 1)
    with sessions() as s:
        voyages = dict(s.execute(select(Declaration.id, Declaration.voyageNo)).all())
        assert [voyages[i] for i in ids] == ["CA1234"] * 4 + [None]
        assert _events(s, "declaration.bulk_update") == 4  # one per changed record
    with sessions() as s, s.begin():
        undone = undo_bulk_edit(s, actor, result.bulk_id)
    assert (undone.records, undone.skipped) == (4, 0)
    with sessions() as s:
        assert s.execute(select(Declaration.voyageNo).where(
            Declaration.voyageNo.is_not(None))).first() is None
        assert _events(s, "declaration.bulk_undo") == 4
    with sessions() as s, s.begin(), pytest.raises(ValidationError):
        undo_bulk_edit(s, actor, result.bulk_id)


def test_hs_code_for_matching_items_only(
    sessions: sessionmaker[Session], actor: Actor, ids: list[int]
) -> None:
    edit = BulkEdit("set_item", "gcode", "1901109000", find="奶粉")
    with sessions() as s, s.begin():
        result = apply_bulk_edit(s, actor, ids, edit)
    assert (result.records, result.items) == (4, 4)
    with sessions() as s:
        rows = s.execute(select(DeclarationItem.gname, DeclarationItem.gcode)
                         .where(DeclarationItem.declaration_id.in_(ids[:4]))).all()
        assert {r for r in rows} == {("奶粉 800g", "1901109000"), ("维生素C", "1901101000")}


def test_replace_in_item_names_and_undo_skips_records_changed_since(
    sessions: sessionmaker[Session], actor: Actor, ids: list[int]
) -> None:
    edit = BulkEdit("replace_item_text", "gname", "维生素 C", find="维生素C")
    with sessions() as s, s.begin():
        result = apply_bulk_edit(s, actor, ids, edit)
    assert result.items == 4
    with sessions() as s, s.begin():  # someone renames one line again afterwards
        version = s.get(Declaration, ids[0]).version  # type: ignore[union-attr]
        items = [{"gname": "奶粉 800g"}, {"gname": "复合维生素"}]
        save_declaration(s, actor, ids[0], version, {}, items)
    with sessions() as s, s.begin():
        undone = undo_bulk_edit(s, actor, result.bulk_id)
    assert (undone.records, undone.skipped) == (3, 1)
    with sessions() as s:
        names = s.execute(select(DeclarationItem.gname).where(
            DeclarationItem.declaration_id == ids[0]).order_by(DeclarationItem.gnum)).scalars()
        assert list(names) == ["奶粉 800g", "复合维生素"]
        names = s.execute(select(DeclarationItem.gname).where(
            DeclarationItem.declaration_id == ids[1]).order_by(DeclarationItem.gnum)).scalars()
        assert list(names) == ["奶粉 800g", "维生素C"]


def test_invalid_value_rejected_before_anything_changes(
    sessions: sessionmaker[Session], actor: Actor, ids: list[int]
) -> None:
    with sessions() as s, pytest.raises(ValidationError):
        preview_bulk_edit(s, actor, ids, BulkEdit("set_item", "qty", "many"))
