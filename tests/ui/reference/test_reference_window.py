"""File ▸ Reference data: search the tariff, see the edition, load one after a preview."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from app.db.models import Declaration
from app.reference.editions import EditionOutcome
from tests.factories import item_values, make_declaration
from tests.ui.conftest import main_window
from ui.main_window import MainWindow


@pytest.fixture
def window(db_url: str, sessions: sessionmaker[Session], qtbot: QtBot) -> Iterator[MainWindow]:
    with sessions() as s, s.begin():
        make_declaration(s, items=[item_values(gcode="6912001000", unit="011", unit1="035",
                                               qty1="0.5")], status="ready")
    with main_window(db_url, qtbot) as w:
        qtbot.waitUntil(lambda: w.model.ready)
        yield w


def _cells(dialog: object, column: int) -> list[str]:
    table = dialog.rows_table  # type: ignore[attr-defined]
    return [table.item(r, column).text() for r in range(table.rowCount())]


def test_search_the_tariff_and_load_a_positive_list_after_a_preview(
        window: MainWindow, qtbot: QtBot, tmp_path: Path) -> None:
    dialog = window.reference_actions.open_dialog()  # type: ignore[attr-defined]
    assert "No positive list is loaded" in dialog.edition_label.text()
    assert "11,613 rows" in dialog.edition_label.text()
    dialog.search_edit.setText("耳机")  # (QTest cannot type CJK characters)
    assert "8518300000" in _cells(dialog, 0)
    dialog.search_edit.clear()
    qtbot.keyClicks(dialog.search_edit, "6912001000")
    assert _cells(dialog, 4) == ["not known"]  # no rates in the 2019 starter edition
    listed = tmp_path / "清单.csv"
    listed.write_text("税则号列,商品名称,备注\n19011010,婴幼儿配方奶粉,仅限网购保税商品\n",
                      encoding="utf-8")
    previews: list[EditionOutcome] = []
    dialog.ask_file = lambda: listed
    dialog.confirm_import = lambda preview: previews.append(preview) or True
    dialog.search_edit.clear()
    dialog.table_combo.setCurrentIndex(dialog.table_combo.findData("positive-list"))
    with qtbot.waitSignal(window.data_changed):
        dialog.import_button.click()
    assert previews and previews[0].added == ("19011010",) and not previews[0].stored
    assert "1 open declarations checked again, 1 changed status" in dialog.message_label.text()
    assert _cells(dialog, 5) == ["仅限网购保税商品"]
    assert "No positive list" not in dialog.edition_label.text()
    with window.ctx.transaction() as s:
        assert s.execute(select(Declaration.status)).scalar_one() == "invalid"


def test_a_loaded_edition_not_yet_in_force_is_named_with_its_date(
        window: MainWindow, db_url: str, tmp_path: Path) -> None:
    from app.cli import main

    path = tmp_path / "t.csv"
    path.write_text("税则号列,货品名称,第一法定计量单位\n1901101000,婴幼儿配方奶粉,千克\n",
                    encoding="utf-8")
    assert main(["--db", db_url, "reference", "import", str(path), "--table", "hs",
                 "--edition", "2099", "--effective", "2099-01-01", "--json"]) == 0
    dialog = window.reference_actions.open_dialog()  # type: ignore[attr-defined]
    text = dialog.edition_label.text()
    assert "the edition shipped with ClearDesk" in text
    assert "Edition 2099 is loaded and applies to declarations dated from 2099-01-01." in text
