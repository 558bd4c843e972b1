"""The editor's live check uses the tariff edition in force on the declaration date as typed,
like the stored pre-check."""

from __future__ import annotations

from pathlib import Path

from openpyxl import Workbook
from pytestqt.qtbot import QtBot
from sqlalchemy.orm import Session, sessionmaker

from app.cli import main
from tests.factories import item_values, make_declaration
from tests.ui.conftest import main_window

HEADERS = ["税则号列", "货品名称", "第一法定计量单位", "第二法定计量单位", "增值税率", "消费税率"]


def _edition(db_url: str, path: Path, unit1: str, name: str, effective: str) -> None:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(HEADERS)
    ws.append(["1901101000", "婴幼儿配方奶粉", "千克", "", "13%", "0"])
    ws.append(["8517140000", "其他无线网络用电话机", unit1, "", "13%", "0"])
    wb.save(path)
    assert main(["--db", db_url, "reference", "import", str(path), "--table", "hs",
                 "--edition", name, "--effective", effective, "--json"]) == 0


def test_live_check_follows_the_declaration_date(db_url: str, sessions: sessionmaker[Session],
                                                 qtbot: QtBot, tmp_path: Path) -> None:
    phone = item_values(gcode="8517140000", gname="手机", unit="001", unit1="001", qty1="1",
                        itemNo="SKU9")
    with sessions() as s, s.begin():
        make_declaration(s, items=[phone], declTime="20261215")
    _edition(db_url, tmp_path / "2026.xlsx", "台", "2026", "2026-01-01")
    _edition(db_url, tmp_path / "2027.xlsx", "千克", "2027", "2027-01-01")  # phones by weight
    with main_window(db_url, qtbot) as w:
        qtbot.waitUntil(lambda: w.model.ready)
        editor = w.workspace.open_editor(1)  # type: ignore[attr-defined]
        assert editor is not None
        qtbot.addWidget(editor)

        def problems() -> list[str]:
            return [editor.info.problems.item(i).text()
                    for i in range(editor.info.problems.count())]

        editor.run_live_check()
        assert not any("8517140000" in p for p in problems())  # 2026: 台 fits
        editor.edits["declTime"].setText("20270115")
        editor.run_live_check()
        assert any("8517140000" in p and "035" in p for p in problems())  # 2027: 千克
