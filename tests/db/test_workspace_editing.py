from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from app.db.models import AuditEvent, Declaration
from app.domain.errors import ConflictError, PermissionDeniedError, ValidationError
from app.i18n import render
from app.security.context import Actor, Role
from app.services.editing import (
    EditConflictError,
    load_snapshot,
    not_editable_reason,
    save_declaration,
)
from tests.factories import item_values, make_declaration


def _new(sessions: sessionmaker[Session], **overrides: object) -> int:
    with sessions() as s, s.begin():
        return make_declaration(s, **overrides)


def test_save_changes_fields_bumps_version_and_audits_each_field(
    sessions: sessionmaker[Session], actor: Actor
) -> None:
    decl_id = _new(sessions, status="ready")
    with sessions() as s, s.begin():
        snap = load_snapshot(s, actor, decl_id)
        items = [dict(snap.items[0], gname="奶粉 新包装", qty="2")]
        result = save_declaration(s, actor, decl_id, snap.version,
                                  {"buyerName": "李娜", "freight": "12.50"}, items)
    assert result.version == snap.version + 1
    assert {(c.field, c.gnum) for c in result.changes} == {
        ("buyerName", None), ("freight", None), ("gname", 1), ("qty", 1)}
    with sessions() as s:
        decl = s.get(Declaration, decl_id)
        assert decl is not None
        assert decl.buyerName == "李娜"
        assert decl.freight == Decimal("12.5")
        assert decl.items[0].gname == "奶粉 新包装"
        assert decl.items[0].qty == Decimal("2")
        # Saving re-runs the pre-check: qty 2 × 198 no longer matches the total price.
        assert decl.status == "invalid"
        ev = s.execute(select(AuditEvent).where(AuditEvent.action == "declaration.update")
                       ).scalar_one()
        assert ev.declaration_id == decl_id
        changes = {c["field"]: c for c in ev.details["changes"]}
        assert changes["buyerName"]["before"] == "张伟"
        assert changes["buyerName"]["after"] == "李娜"
        assert changes["freight"] == {"field": "freight", "gnum": None,
                                      "before": "10.00000", "after": "12.50"}


def test_unchanged_save_is_a_no_op(sessions: sessionmaker[Session], actor: Actor) -> None:
    decl_id = _new(sessions)
    with sessions() as s, s.begin():
        snap = load_snapshot(s, actor, decl_id)
        result = save_declaration(s, actor, decl_id, snap.version, {"freight": "10"},
                                  list(snap.items))
    assert result.changes == ()
    assert result.version == snap.version
    with sessions() as s:
        assert s.execute(select(AuditEvent).where(
            AuditEvent.action == "declaration.update")).first() is None


def test_items_added_and_removed(sessions: sessionmaker[Session], actor: Actor) -> None:
    decl_id = _new(sessions, items=[item_values(), item_values(gname="维生素"),
                                    item_values(gname="面霜")])
    with sessions() as s, s.begin():
        snap = load_snapshot(s, actor, decl_id)
        keep = [snap.items[0], snap.items[2]]  # drop the second line
        save_declaration(s, actor, decl_id, snap.version, {}, keep)
    with sessions() as s:
        decl = s.get(Declaration, decl_id)
        assert decl is not None
        assert [(i.gnum, i.gname) for i in decl.items] == [(1, "婴幼儿配方奶粉"), (2, "面霜")]
        assert decl.goods_total == Decimal("396")


def test_concurrent_edit_raises_conflict_with_their_version(
    sessions: sessionmaker[Session], actor: Actor
) -> None:
    decl_id = _new(sessions)
    with sessions() as s:
        mine = load_snapshot(s, actor, decl_id)
    with sessions() as s, s.begin():  # a colleague saves first
        save_declaration(s, actor, decl_id, mine.version, {"buyerName": "王芳"})
    with sessions() as s, s.begin(), pytest.raises(EditConflictError) as info:
        save_declaration(s, actor, decl_id, mine.version, {"buyerName": "李娜"})
    theirs = info.value.theirs
    assert theirs.head["buyerName"] == "王芳"
    assert theirs.version == mine.version + 1
    assert "version 2, you loaded 1" in info.value.text("en")
    # Choosing "mine" explicitly: save again against their version.
    with sessions() as s, s.begin():
        save_declaration(s, actor, decl_id, theirs.version, {"buyerName": "李娜"})
    with sessions() as s:
        assert s.get(Declaration, decl_id).buyerName == "李娜"  # type: ignore[union-attr]


def test_queued_or_later_is_read_only_with_reason(
    sessions: sessionmaker[Session], actor: Actor
) -> None:
    decl_id = _new(sessions, status="sent")
    reason = not_editable_reason("sent")
    assert reason is not None
    assert "is Sent and can no longer be edited" in render(reason, "en")
    assert "已发送" in render(reason, "zh_CN")
    with sessions() as s, s.begin(), pytest.raises(ConflictError):
        save_declaration(s, actor, decl_id, 1, {"buyerName": "李娜"})
    assert not_editable_reason("rejected") is None


def test_bad_values_are_refused(sessions: sessionmaker[Session], actor: Actor) -> None:
    decl_id = _new(sessions)
    with sessions() as s, s.begin(), pytest.raises(ValidationError, match="not a number"):
        save_declaration(s, actor, decl_id, 1, {"freight": "ten"})
    with sessions() as s, s.begin(), pytest.raises(ValidationError, match="too long"):
        save_declaration(s, actor, decl_id, 1, {"buyerName": "x" * 61})
    with sessions() as s, s.begin(), pytest.raises(ValidationError, match="cannot be edited"):
        save_declaration(s, actor, decl_id, 1, {"guid": "x"})


def test_admin_may_not_edit(sessions: sessionmaker[Session]) -> None:
    decl_id = _new(sessions)
    admin = Actor("root", Role.ADMIN)
    with sessions() as s, s.begin(), pytest.raises(PermissionDeniedError):
        save_declaration(s, admin, decl_id, 1, {"buyerName": "李娜"})
