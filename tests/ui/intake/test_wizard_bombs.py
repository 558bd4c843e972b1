"""The wizard with hostile files: the error is shown, the wizard stays open and usable, the
application lives on; the search box takes no novel."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot
from sqlalchemy import func, select

from app.db.models import Declaration
from app.i18n import Message
from app.intake.rowerrors import RowError
from app.intake.service import ImportSummary
from app.services.queries import MAX_SEARCH_LENGTH
from tests.ui.conftest import main_window
from tests.unit.intake.bombfiles import ods_bomb, xlsx_with_far_cell
from tests.unit.intake.filemakers import CN_HEADERS, CN_ROWS, write_csv
from ui.intake.summary import ImportSummaryDialog
from ui.intake.wizard import ImportWizard
from ui.main_window import MainWindow


@pytest.fixture
def window(db_url: str, qtbot: QtBot) -> Iterator[MainWindow]:
    with main_window(db_url, qtbot, show=False) as w:
        yield w


def _wizard(window: MainWindow, qtbot: QtBot, path: Path, shown: list[str]) -> ImportWizard:
    wizard: ImportWizard = window.import_actions.open_wizard(path)  # type: ignore[attr-defined]
    qtbot.addWidget(wizard)
    wizard.show_error = lambda _p, text: shown.append(text)
    wizard.show()
    qtbot.waitUntil(lambda: not wizard.busy, timeout=20_000)
    return wizard


def test_far_cell_xlsx_shows_the_error_and_the_wizard_stays(window: MainWindow, qtbot: QtBot,
                                                            tmp_path: Path) -> None:
    shown: list[str] = []
    wizard = _wizard(window, qtbot, xlsx_with_far_cell(tmp_path / "far.xlsx"), shown)
    assert wizard.file_page.isComplete()  # its sheets could be listed
    wizard.next()
    qtbot.waitUntil(lambda: bool(shown), timeout=20_000)
    assert "1048576" in shown[0] and "16384" in shown[0]
    assert wizard.isVisible() and wizard.currentPage() is wizard.file_page
    assert not wizard.busy
    # The same wizard goes on with a good file.
    good = write_csv(tmp_path / "orders.csv", CN_HEADERS, CN_ROWS)
    wizard.file_page.path_edit.setText(str(good))
    wizard.file_page.path_edit.editingFinished.emit()
    qtbot.waitUntil(lambda: not wizard.busy and wizard.file_page.isComplete(), timeout=20_000)
    page = wizard.currentId()
    wizard.next()
    qtbot.waitUntil(lambda: wizard.currentId() != page, timeout=20_000)
    assert len(shown) == 1
    with window.ctx.transaction() as s:
        assert s.execute(select(func.count()).select_from(Declaration)).scalar_one() == 0


def test_repeated_ods_is_refused_on_the_file_page(window: MainWindow, qtbot: QtBot,
                                                  tmp_path: Path) -> None:
    shown: list[str] = []
    wizard = _wizard(window, qtbot, ods_bomb(tmp_path / "rep.ods"), shown)
    text = wizard.file_page.message.text()
    assert "1048577" in text and "16384" in text
    assert not wizard.file_page.isComplete() and wizard.isVisible()


def test_search_box_cuts_a_pasted_novel_and_says_so(window: MainWindow, qtbot: QtBot) -> None:
    window.search_edit.setText("x" * 50_000)
    assert len(window.search_edit.text()) == MAX_SEARCH_LENGTH
    assert str(MAX_SEARCH_LENGTH) in window.statusBar().currentMessage()
    assert len(window.current_filter().search) == MAX_SEARCH_LENGTH


def test_summary_says_how_many_problems_were_not_kept(qtbot: QtBot) -> None:
    errors = tuple(RowError(n, "数量", "qty", "lots", Message("Not a number", {}))
                   for n in range(2, 12))
    summary = ImportSummary(file="bad.csv", job_id=1, rows=30, declarations=0, items=0,
                            updated=0, duplicates=0, rejected_rows=30, errors=errors,
                            more_errors=20)
    dialog = ImportSummaryDialog(summary, "en")
    qtbot.addWidget(dialog)
    assert "first 10 problems are listed; 20 more" in dialog.counts_label.text()
    assert dialog.errors_table.rowCount() == 10
