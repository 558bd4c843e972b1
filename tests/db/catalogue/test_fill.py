"""Filling goods lines from the catalogue on import and on save; HS_DIFFERS_FROM_CATALOGUE."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from app.catalogue.entries import Classification, set_entry
from app.catalogue.store import GoodsKeys
from app.cli.main import main
from app.db.models import CatalogueEntry, Declaration, DeclarationItem, Problem
from app.intake.service import ImportRequest, import_file
from app.precheck.service import check_declarations
from app.security.context import Actor
from app.services.editing import load_snapshot, save_declaration
from tests.factories import item_values, make_declaration
from tests.unit.intake.filemakers import write_csv

HEADERS = ["订单编号", "物流运单编号", "订购人姓名", "订购人证件号码", "订购人电话", "收件地址",
           "电商企业代码", "商品货号", "商品名称", "规格型号", "商品编码", "原产国", "数量",
           "计量单位", "第一法定数量", "单价", "总价", "毛重(kg)", "净重(kg)"]
BUYER = ["张三", "110101199003071234", "13800000001", "北京市朝阳区建国路1号"]
CREAM = Classification("3304990029", Decimal("0.05"), Decimal("1"), unit="瓶", country="日本")


def _row(order: str, sku: str, name: str, model: str, gcode: str = "", qty1: str = "",
         qty: int = 3) -> list[object]:
    return [order, "W" + order, *BUYER, "1105W6B002", sku, name, model, gcode, "", qty, "瓶",
            qty1, "10", str(10 * qty), 0.5, 0.4]


def _classify(session: Session, actor: Actor, sku: str = "SKU-CREAM") -> None:
    set_entry(session, actor, None, CREAM,
              keys=GoodsKeys("1105W6B002", sku, None, "保湿面霜", "50ml"))


def _items(session: Session) -> dict[str, tuple[object, ...]]:
    rows = session.execute(select(Declaration.orderNo, DeclarationItem.gcode,
                                  DeclarationItem.unit1, DeclarationItem.qty1,
                                  DeclarationItem.unit2, DeclarationItem.qty2,
                                  DeclarationItem.country)
                           .join(Declaration, Declaration.id == DeclarationItem.declaration_id))
    return {r[0]: tuple(r[1:]) for r in rows}


def test_import_fills_what_the_file_lacks_and_never_what_it_gives(
        sessions: sessionmaker[Session], actor: Actor, tmp_path: Path) -> None:
    with sessions() as s, s.begin():
        _classify(s, actor)
        set_entry(s, actor, None, Classification("2106909090", Decimal("0.06")),
                  keys=GoodsKeys(None, None, None, "维生素片", "60粒/瓶"))
    path = write_csv(tmp_path / "orders.csv", HEADERS, [
        _row("SO1", "SKU-CREAM", "保湿面霜", "50ml"),  # by SKU
        _row("SO2", "SKU-CREAM", "保湿面霜", "50ml", gcode="3304990029", qty1="0.2"),
        _row("SO3", "", "维生素片", "６０粒／瓶", qty=2),  # by name, full-width model
        _row("SO4", "SKU-NEW", "新产品", "1件"),
    ])
    with sessions() as s, s.begin():
        summary = import_file(s, actor, ImportRequest(path))
    assert summary.catalogue_filled == 3
    assert summary.to_json("en")["catalogue_filled"] == 3
    assert "3 goods line(s) filled" in summary.catalogue_note().text("en")
    with sessions() as s:
        items = _items(s)
    assert items["SO1"] == ("3304990029", "035", Decimal("0.15000"), "011", Decimal("3.00000"),
                            "116")
    # The file's own legal quantity stays; only the empty second unit is filled.
    assert items["SO2"] == ("3304990029", "035", Decimal("0.20000"), "011", Decimal("3.00000"),
                            "116")
    assert items["SO3"] == ("2106909090", "035", Decimal("0.12000"), None, None, None)
    assert items["SO4"][:3] == (None, None, None)


def test_a_file_code_other_than_the_customs_accepted_one_is_warned_naming_both(
        sessions: sessionmaker[Session], actor: Actor, tmp_path: Path) -> None:
    with sessions() as s, s.begin():
        _classify(s, actor)
        s.execute(update(CatalogueEntry).values(source="accepted"))
    path = write_csv(tmp_path / "orders.csv", HEADERS, [
        _row("SO1", "SKU-CREAM", "保湿面霜", "50ml", gcode="3304990039", qty1="0.15"),
        _row("SO2", "SKU-CREAM", "保湿面霜", "50ml")])
    with sessions() as s, s.begin():
        import_file(s, actor, ImportRequest(path))
    with sessions() as s:
        found = s.execute(select(Declaration.orderNo, Problem.gnum, Problem.params)
                          .join(Declaration, Declaration.id == Problem.declaration_id)
                          .where(Problem.code == "HS_DIFFERS_FROM_CATALOGUE")).all()
        items = _items(s)
    assert [(o, g) for o, g, _m in found] == [("SO1", 1)]
    assert found[0][2] == {"value": "3304990039", "accepted": "3304990029"}
    assert items["SO1"][:3] == ("3304990039", "035", Decimal("0.15000"))  # never overwritten


def test_the_warning_follows_the_catalogue_on_an_incremental_check(
        sessions: sessionmaker[Session], actor: Actor) -> None:
    with sessions() as s, s.begin():
        decl_id = make_declaration(s, [item_values(itemNo="SKU-CREAM", gcode="3304990039")],
                                   ebcCode="1105W6B002")
        check_declarations(s, actor, [decl_id])
        _classify(s, actor)
        s.execute(update(CatalogueEntry).values(source="accepted"))
        check_declarations(s, actor, [decl_id])  # the fingerprint sees the catalogue changed
        codes = s.scalars(select(Problem.code).where(Problem.declaration_id == decl_id)).all()
    assert "HS_DIFFERS_FROM_CATALOGUE" in codes


def test_saving_a_declaration_fills_its_lines_from_the_catalogue(
        sessions: sessionmaker[Session], actor: Actor) -> None:
    with sessions() as s, s.begin():
        decl_id = make_declaration(s, [item_values(itemNo="SKU-CREAM", gcode=None, qty1=None,
                                                   unit1=None, qty=Decimal("4"), unit="142")],
                                   ebcCode="1105W6B002")
        _classify(s, actor)
    with sessions() as s, s.begin():
        snap = load_snapshot(s, actor, decl_id)
        result = save_declaration(s, actor, decl_id, snap.version, {"buyerName": "李四"})
    assert {c.field for c in result.changes} >= {"buyerName", "gcode", "qty1", "unit1"}
    with sessions() as s:
        item = s.scalars(select(DeclarationItem)).one()
        assert (item.gcode, item.unit1, item.qty1) == ("3304990029", "035", Decimal("0.2"))


def test_the_import_summary_says_how_many_lines_the_catalogue_filled(
        db_url: str, sessions: sessionmaker[Session], actor: Actor, tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    with sessions() as s, s.begin():
        _classify(s, actor)
    path = write_csv(tmp_path / "orders.csv", HEADERS, [
        _row("SO1", "SKU-CREAM", "保湿面霜", "50ml"), _row("SO2", "SKU-NEW", "新产品", "1件")])
    assert main(["--db", db_url, "--lang", "zh_CN", "import", str(path)]) == 0
    assert "商品库：已填充 1 条商品行" in capsys.readouterr().out
