"""Screens learn of other workstations' changes by themselves (issue 19): another process
edits or adds declarations, and the grid, the status counts and an open editor follow without
F5 — keeping the selection, and never throwing away the clerk's unsaved edits."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot
from sqlalchemy.orm import Session, sessionmaker

from tests.factories import make_declaration
from tests.ui.conftest import main_window
from tests.ui.test_workspace_editor import open_editor
from ui.main_window import MainWindow

ROOT = Path(__file__).resolve().parents[2]
ADD_ONE = textwrap.dedent('''
    import sys
    from app.db.engine import make_engine, make_session_factory, transaction
    from tests.factories import make_declaration
    engine = make_engine(sys.argv[1])
    with transaction(make_session_factory(engine)) as session:
        make_declaration(session, orderNo="ORDER-FROM-ELSEWHERE", logisticsNo="WB-ELSEWHERE")
''')


def _other_workstation(*args: str) -> None:
    """`cleardesk ARGS` in a process of its own: another workstation on the same database."""
    done = subprocess.run([sys.executable, *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=120, check=False)
    assert done.returncode == 0, done.stdout + done.stderr


def _edit_elsewhere(db_url: str, decl_id: int, *values: str) -> None:
    _other_workstation("-m", "app", "--db", db_url, "edit", str(decl_id), *values)


@pytest.fixture
def window(db_url: str, sessions: sessionmaker[Session], qtbot: QtBot) -> Iterator[MainWindow]:
    with sessions() as s, s.begin():
        for n in range(3):
            make_declaration(s, orderNo=f"ORDER-{n}", logisticsNo=f"WB-{n}", buyerName="张三")
    with main_window(db_url, qtbot) as w:
        qtbot.waitUntil(lambda: w.model.ready)
        yield w


def _cell(w: MainWindow, decl_id: int, key: str) -> str:
    row = w.model.row_of(decl_id)
    if row is None:
        return ""
    w.model.fetch_now(row)
    col = [c.key for c in w.model.columns].index(key)
    return str(w.model.index(row, col).data())


def test_the_grid_shows_another_workstations_edit_and_keeps_the_selection(
        window: MainWindow, qtbot: QtBot, db_url: str) -> None:
    window.select_declaration(2)
    assert window.selected_ids() == [2]

    _edit_elsewhere(db_url, 2, "buyerName=李四")

    qtbot.waitUntil(lambda: _cell(window, 2, "buyerName") == "李四", timeout=15_000)
    assert window.selected_ids() == [2]


def test_counts_and_rows_follow_a_declaration_added_elsewhere(
        window: MainWindow, qtbot: QtBot, db_url: str) -> None:
    qtbot.waitUntil(lambda: window.status_panel.count_of("draft") == 3)
    window.select_declaration(1)

    _other_workstation("-c", ADD_ONE, db_url)

    qtbot.waitUntil(lambda: window.status_panel.count_of("draft") == 4, timeout=15_000)
    qtbot.waitUntil(lambda: window.model.rowCount() == 4)
    assert window.selected_ids() == [1]


def test_an_open_editor_without_edits_reloads(
        window: MainWindow, qtbot: QtBot, db_url: str) -> None:
    editor = open_editor(window, qtbot, 3)

    _edit_elsewhere(db_url, 3, "consigneeAddress=上海市浦东新区世纪大道100号")

    qtbot.waitUntil(lambda: editor.edits["consigneeAddress"].text()
                    == "上海市浦东新区世纪大道100号", timeout=15_000)
    assert not editor.changed_bar.isVisible()


def test_an_open_editor_with_unsaved_edits_keeps_them_and_offers_reload(
        window: MainWindow, qtbot: QtBot, db_url: str) -> None:
    editor = open_editor(window, qtbot, 3)
    editor.edits["buyerName"].setText("王五")  # typed, not saved

    _edit_elsewhere(db_url, 3, "consigneeAddress=上海市浦东新区世纪大道100号")

    qtbot.waitUntil(editor.changed_bar.isVisible, timeout=15_000)
    assert "Changed by" in editor.changed_bar.label.text()
    assert editor.edits["buyerName"].text() == "王五"  # the clerk's edit is still there
    assert editor.edits["consigneeAddress"].text() != "上海市浦东新区世纪大道100号"

    editor.changed_bar.reload_button.click()

    assert editor.edits["consigneeAddress"].text() == "上海市浦东新区世纪大道100号"
    assert editor.edits["buyerName"].text() == "张三"
    assert not editor.changed_bar.isVisible()
