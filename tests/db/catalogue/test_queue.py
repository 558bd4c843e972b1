"""The unclassified goods queue: one entry per product, most-blocking first; classifying one
fills every waiting line, re-checks and can be undone."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from app.catalogue.entries import Classification
from app.catalogue.queue import classify_product, unclassified_products, undo_classification
from app.cli.main import main
from app.db.models import CatalogueEntry, Declaration, DeclarationItem
from app.precheck.service import check_declarations
from app.security.context import Actor
from tests.factories import item_values, make_declaration

WAITING = {"gcode": None, "qty1": None, "unit1": None, "qty": Decimal("1"), "unit": "142"}


def _parcels(session: Session, actor: Actor) -> list[int]:
    ids = [make_declaration(session, [item_values(itemNo="SKU-CREAM", gname="保湿面霜",
                                                  gmodel="50ml", **WAITING)])
           for _ in range(3)]
    ids.append(make_declaration(session, [
        item_values(itemNo="SKU-CREAM", gname="保湿面霜", gmodel="50ml", **WAITING),
        item_values(itemNo="", gname="维生素片", gmodel="60粒", **WAITING)]))
    ids.append(make_declaration(session, [
        item_values(itemNo=None, gname="维生素片 ", gmodel="６０粒", **WAITING)]))
    ids.append(make_declaration(session))  # nothing missing
    check_declarations(session, actor, ids)
    return ids


def test_the_queue_lists_each_waiting_product_once_most_blocking_first(
        sessions: sessionmaker[Session], actor: Actor) -> None:
    with sessions() as s, s.begin():
        _parcels(s, actor)
    with sessions() as s:
        waiting = unclassified_products(s, actor)
    assert [(w.key, w.declarations, w.lines, w.without_gcode) for w in waiting] == [
        ("sku:1105W6B002|SKU-CREAM", 4, 4, 4), ("name:维生素片|60粒", 2, 2, 2)]


def test_classifying_fills_every_waiting_line_rechecks_and_undoes(
        sessions: sessionmaker[Session], actor: Actor) -> None:
    with sessions() as s, s.begin():
        ids = _parcels(s, actor)
        before = dict(s.execute(select(Declaration.id, Declaration.status)
                                .where(Declaration.id.in_(ids))).all())
    assert [before[i] for i in ids[:5]] == ["invalid"] * 5
    with sessions() as s, s.begin():
        result = classify_product(s, actor, "sku:1105W6B002|SKU-CREAM", Classification(
            "3304990029", Decimal("0.05"), Decimal("1")))
    assert (result.lines, result.declarations, result.became_ready) == (4, 4, 3)
    with sessions() as s:
        items = s.execute(select(DeclarationItem.gcode, DeclarationItem.qty1,
                                 DeclarationItem.qty2).where(
            DeclarationItem.itemNo == "SKU-CREAM")).all()
        status = dict(s.execute(select(Declaration.id, Declaration.status)).all())
        waiting = unclassified_products(s, actor)
        entry = s.scalars(select(CatalogueEntry)).one()
    assert set(items) == {("3304990029", Decimal("0.05"), Decimal("1"))}
    assert [status[i] for i in ids[:4]] == ["ready", "ready", "ready", "invalid"]
    assert [w.key for w in waiting] == ["name:维生素片|60粒"]
    assert (entry.gcode, entry.source) == ("3304990029", "confirmed")  # by a supervisor

    with sessions() as s, s.begin():
        undone = undo_classification(s, actor, result.bulk_id)
    assert undone.records == 4
    with sessions() as s:
        assert s.execute(select(DeclarationItem.gcode).where(
            DeclarationItem.itemNo == "SKU-CREAM")).scalars().all() == [None] * 4
        assert [s.get(Declaration, i).status for i in ids[:4]] == ["invalid"] * 4  # type: ignore[union-attr]
        assert s.scalars(select(CatalogueEntry)).all() == []
    with sessions() as s, s.begin(), pytest.raises(Exception, match="already undone"):
        undo_classification(s, actor, result.bulk_id)


def test_the_cli_lists_and_classifies_the_queue(
        db_url: str, sessions: sessionmaker[Session], actor: Actor,
        capsys: pytest.CaptureFixture[str]) -> None:
    with sessions() as s, s.begin():
        _parcels(s, actor)
    assert main(["--db", db_url, "catalogue", "list", "--unclassified", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)["unclassified"]
    assert [(r["key"], r["declarations"]) for r in rows] == [
        ("sku:1105W6B002|SKU-CREAM", 4), ("name:维生素片|60粒", 2)]
    assert main(["--db", db_url, "catalogue", "classify", "name:维生素片|60粒", "--gcode",
                 "2106909090", "--qty1-per-unit", "0.06", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert (data["lines"], data["declarations"], data["becameReady"]) == (2, 2, 1)
    assert main(["--db", db_url, "--lang", "zh_CN", "catalogue", "list", "--unclassified"]) == 0
    assert "保湿面霜" in capsys.readouterr().out


def test_a_parcel_with_two_spellings_of_one_product_counts_once(
        sessions: sessionmaker[Session], actor: Actor) -> None:
    with sessions() as s, s.begin():
        make_declaration(s, [
            item_values(itemNo=None, gname="维生素片", gmodel="60粒", **WAITING),
            item_values(itemNo=None, gname="维生素片 ", gmodel="６０粒", **WAITING)])
        make_declaration(s, [item_values(itemNo=None, gname="维生素片", gmodel="60粒",
                                         **WAITING)])
        check_declarations(s, actor, None)
    with sessions() as s:
        waiting = unclassified_products(s, actor)
    assert [(w.key, w.declarations, w.lines) for w in waiting] == [
        ("name:维生素片|60粒", 2, 3)]
