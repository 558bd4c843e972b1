"""The unclassified goods queue and the catalogue window (issue 18)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from pytestqt.qtbot import QtBot
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from app.catalogue.entries import Classification, set_entry
from app.catalogue.store import GoodsKeys
from app.db.models import CatalogueEntry, DeclarationItem
from app.precheck.service import check_declarations
from app.security.context import Actor
from tests.factories import item_values, make_declaration
from tests.ui.conftest import main_window

WAITING = {"gcode": None, "qty1": None, "unit1": None, "qty": Decimal("1"), "unit": "142"}


def _waiting_parcels(sessions: sessionmaker[Session], actor: Actor) -> None:
    with sessions() as s, s.begin():
        ids = [make_declaration(s, [item_values(itemNo="SKU-CREAM", gname="保湿面霜",
                                                gmodel="50ml", **WAITING)]) for _ in range(3)]
        ids.append(make_declaration(s, [item_values(itemNo="SKU-TEA", gname="绿茶",
                                                    gmodel="100g", **WAITING)]))
        check_declarations(s, actor, ids)


def test_classifying_a_queued_product_fills_its_lines_and_the_counts_follow(
        db_url: str, sessions: sessionmaker[Session], actor: Actor, qtbot: QtBot) -> None:
    _waiting_parcels(sessions, actor)
    messages: list[str] = []
    with main_window(db_url, qtbot) as w:
        qtbot.waitUntil(lambda: w.status_panel.count_of("invalid") == 4)
        action = w.catalogue_actions.action_queue  # type: ignore[attr-defined]
        assert action.shortcut().toString() == "Ctrl+Shift+G"
        dialog = w.catalogue_actions.open_queue()  # type: ignore[attr-defined]
        qtbot.addWidget(dialog)
        assert dialog.table.rowCount() == 2
        assert [dialog.table.item(0, c).text() for c in (0, 2, 3, 4)] == [
            "保湿面霜", "SKU-CREAM", "3", "3"]  # most-blocking first
        asked: list[Any] = []

        def answer(parent: object, product: Any, refs: object, lang: str) -> Classification:
            asked.append(product)
            return Classification("3304990029", Decimal("0.05"), Decimal("1"))

        dialog.ask_classification = answer
        dialog.show_message = lambda parent, title, text: messages.append(text)
        dialog.table.selectRow(0)
        dialog.classify_button.click()

        assert asked[0].item_no == "SKU-CREAM"
        assert messages == ["3 goods line(s) in 3 declaration(s) filled; 3 became ready."]
        assert dialog.table.rowCount() == 1
        assert dialog.table.item(0, 0).text() == "绿茶"
        qtbot.waitUntil(lambda: w.status_panel.count_of("ready") == 3)
        assert w.status_panel.count_of("invalid") == 1
        with sessions() as s:
            assert set(s.scalars(select(DeclarationItem.qty1).where(
                DeclarationItem.itemNo == "SKU-CREAM"))) == {Decimal("0.05")}

        dialog.undo_button.click()
        assert dialog.table.rowCount() == 2
        qtbot.waitUntil(lambda: w.status_panel.count_of("invalid") == 4)


def test_the_catalogue_window_shows_both_codes_of_a_conflict(
        db_url: str, sessions: sessionmaker[Session], actor: Actor, qtbot: QtBot) -> None:
    with sessions() as s, s.begin():
        set_entry(s, actor, None, Classification("3304990029", Decimal("0.05")),
                  keys=GoodsKeys("1105W6B002", "SKU-CREAM", None, "保湿面霜", "50ml"))
        s.execute(update(CatalogueEntry).values(source="accepted"))
        set_entry(s, actor, "SKU-CREAM", Classification("3304990039"))  # kept as a proposal
    with main_window(db_url, qtbot) as w:
        dialog = w.catalogue_actions.open_catalogue()  # type: ignore[attr-defined]
        qtbot.addWidget(dialog)
        row = [dialog.table.item(0, c).text() for c in range(8)]
        assert row[:4] == ["SKU-CREAM", "保湿面霜", "50ml", "3304990029"]
        assert row[5:7] == ["customs accepted", "3304990039"]
        dialog.table.selectRow(0)
        dialog.confirm_button.click()
        assert [dialog.table.item(0, c).text() for c in (3, 6)] == ["3304990039", ""]


def test_the_classify_dialog_shows_legal_units_and_refuses_unknown_codes(qtbot: QtBot) -> None:
    from app.catalogue.queue import UnclassifiedProduct
    from app.reference.tables import shipped_reference_tables
    from ui.catalogue.classify_dialog import ClassifyDialog

    product = UnclassifiedProduct("sku:|A1", None, "A1", "鱼油软胶囊", "100粒", None, "142",
                                  5, 4, 5)
    dialog = ClassifyDialog(product, shipped_reference_tables(), "zh_CN")
    qtbot.addWidget(dialog)
    dialog.gcode.setText("9999999999")
    dialog.buttons.accepted.emit()
    assert dialog.error.text() == "Enter an HS code of the tariff."
    assert dialog.result() != dialog.DialogCode.Accepted
    dialog.gcode.setText("2106909090")
    assert not dialog.qty2.isEnabled()  # the tariff has no second legal unit for it
    assert "千克 (035)" in dialog.unit1_label.text()
    dialog.qty1.setText("0.1")
    dialog.buttons.accepted.emit()
    assert dialog.result() == dialog.DialogCode.Accepted
    assert dialog.classification() == Classification("2106909090", Decimal("0.1"), None)


def test_the_import_summary_window_says_how_many_lines_the_catalogue_filled(
        qtbot: QtBot) -> None:
    from app.intake.service import ImportSummary
    from ui.intake.summary import ImportSummaryDialog

    summary = ImportSummary(file="orders.csv", job_id=1, rows=4, declarations=4, items=4,
                            updated=0, duplicates=0, rejected_rows=0, errors=(),
                            catalogue_filled=3)
    dialog = ImportSummaryDialog(summary, "en")
    qtbot.addWidget(dialog)
    assert "Goods catalogue: 3 goods line(s) filled" in dialog.counts_label.text()
