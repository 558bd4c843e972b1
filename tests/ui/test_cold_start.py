"""The main window shows its first page of rows before it loads what only other screens use
(Excel, PDF, barcodes, message schemas, the rules, the autopilot, the exchange), and its
start-up work (status counts, problem counts, the exchange folder pass, the autopilot's first
look) follows the painted page instead of competing with it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from PySide6.QtWidgets import QListWidget
from pytestqt.qtbot import QtBot

from app.i18n import Message, render
from tests.ui.conftest import main_window
from ui.security.session import check_integrity_after_start, startup_check

HEAVY = ("reportlab", "openpyxl", "python_calamine", "PIL", "segno", "lxml", "alembic",
         "sqlalchemy.dialects.postgresql", "app.precheck.service", "app.rules.engine",
         "app.reports", "app.documents", "app.intake.readers", "app.transfer.tables",
         "ui.declarations.editor", "ui.reports.dialog", "ui.station.window")

PROBE = """
import sys
from PySide6.QtCore import QEventLoop, QTimer
from PySide6.QtWidgets import QApplication
app = QApplication([])
from ui.main import open_database
from ui.main_window import MainWindow
window = MainWindow(open_database(sys.argv[1]))
window.show()
loop = QEventLoop()
loaded = []

def on_rows():  # the first page is in the model: what was loaded to show it
    loaded.extend(sorted(m for m in sys.modules for h in %r
                         if m == h or m.startswith(h + ".")))
    loop.quit()

window.model.modelReset.connect(on_rows)
QTimer.singleShot(60_000, loop.quit)
loop.exec()
print("ROWS", window.model.rowCount())
print("LOADED", ",".join(loaded))
window.close()
"""


def test_first_page_loads_no_excel_pdf_schema_or_rules_code(demo_db: str) -> None:
    # On a PostgreSQL database its dialect is the one in use.
    heavy = tuple(h for h in HEAVY if not (demo_db.startswith("postgresql")
                                           and h == "sqlalchemy.dialects.postgresql"))
    run = subprocess.run([sys.executable, "-c", PROBE % (heavy,), demo_db], capture_output=True,
                         text=True, cwd=Path(__file__).resolve().parents[2], timeout=120,
                         env={**os.environ, "QT_QPA_PLATFORM": "offscreen"})
    assert run.returncode == 0, run.stderr
    lines = {key: rest for key, _, rest in (line.partition(" ")
                                             for line in run.stdout.splitlines())}
    assert int(lines["ROWS"]) > 0  # the first page was shown
    assert lines["LOADED"] == ""


# What the whole start (run_gui: database, login, window) has loaded when the grid's first
# page is on the screen, and what follows that paint.
AFTER_PAINT_HEAVY = (*HEAVY, "app.submission", "app.autopilot", "app.updates", "app.transfer",
                     "app.precheck", "app.rules", "app.services.copy_rows",
                     "ui.autopilot.runner", "ui.autopilot.rules_window", "ui.shortcuts_dialog",
                     "ui.precheck.ack_dialog", "PySide6.QtPrintSupport",
                     # the batch and import tables: the first page reads neither
                     "app.db.models.submission", "app.db.models.intake")

GUI_PROBE = """
import gc
import sys
import app  # first, as `python -m app` does
app.start_up_begins()  # as `cleardesk` does (app.cli.main.main)
before = sum(generation["collections"] for generation in gc.get_stats())
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication
from app.security.context import Actor, Role
from ui.declarations.model import LOADING, DeclarationTableModel
from ui.main import run_gui

app = QApplication([])
heavy = %r
painted = []


def on_painted(view):  # the grid's own signal: no filter on the whole application
    model = view.model()
    if not painted and model.rowCount() and model.data(model.index(0, 0)) not in (None, LOADING):
        painted.append(view.window())
        QTimer.singleShot(0, on_painted_page)  # once this paint is through


watch_paints = DeclarationTableModel.watch_paints


def watch_grid(model, view):
    view.painted.connect(lambda: on_painted(view))
    watch_paints(model, view)


DeclarationTableModel.watch_paints = watch_grid


def on_painted_page():
    print("COLLECTIONS", sum(generation["collections"] for generation in gc.get_stats())
          - before)
    print("LOADED", ",".join(sorted({m for m in sys.modules for h in heavy
                                     if m == h or m.startswith(h + ".")})), flush=True)
    # PySide6 builds the classes it has not built yet when Qt hands Python one of its own
    # objects as a plain QWidget/QObject (a viewport, an event of the gesture manager).
    print("ALL_QT_CLASSES", "QWizard" in vars(sys.modules["PySide6.QtWidgets"]), flush=True)
    deadline = QTimer()
    deadline.singleShot(60_000, app.quit)
    poll = QTimer(app)

    def later():  # the work that waited for the paint runs after it
        window = painted[0]
        if window.autopilot.runner is not None and window.counts_label.text():
            print("LATER", window.counts_label.text(), flush=True)
            poll.stop()
            window.close()
    poll.timeout.connect(later)
    poll.start(20)


sys.exit(run_gui(sys.argv[1], "en",
                 login=lambda ctx: Actor("probe", Role.SUPERVISOR, None, "probe-desk")))
"""


def test_the_first_painted_page_of_a_start_loads_no_other_area(
        demo_db: str, db_path: Path, tmp_path: Path) -> None:
    home = tmp_path / "home"
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "CLEARDESK_LANG": "en",
           "CLEARDESK_CONFIG_DIR": str(home / "cleardesk"),
           "XDG_CONFIG_HOME": str(home / "config"), "XDG_STATE_HOME": str(home / "state"),
           "XDG_DATA_HOME": str(home / "data"), "XDG_CACHE_HOME": str(home / "cache")}
    run = subprocess.run([sys.executable, "-c", GUI_PROBE % (AFTER_PAINT_HEAVY,), demo_db],
                         capture_output=True, text=True, env=env, timeout=120,
                         cwd=Path(__file__).resolve().parents[2])
    assert run.returncode == 0, run.stderr
    lines = {key: rest for key, _, rest in (line.partition(" ")
                                             for line in run.stdout.splitlines())}
    assert lines["LOADED"] == ""  # nothing of the other areas while the clerk sees the rows
    # The garbage collector did not scan the start-up heap while it was made (it ran ~200
    # times over it with Python's defaults, ~10 times with a higher threshold).
    assert int(lines["COLLECTIONS"]) < 3
    assert lines["ALL_QT_CLASSES"] == "False"  # ~40 ms of PySide6 not spent before the rows
    assert lines["LATER"] == "Total 600"  # the counts and the autopilot followed the paint


def test_start_up_counts_follow_the_first_page(demo_db: str, qtbot: QtBot) -> None:
    with main_window(demo_db, qtbot) as w:
        # Built, not yet shown any rows: the counts and problem panels have not queried.
        assert w.model.rowCount() == 0
        assert w.counts_label.text() == ""
        problems = w.findChild(QListWidget, "problemsByCode")
        assert problems is not None and problems.count() == 0
        assert w.views_menu.isEmpty()  # the saved views are read after the first page too
        ran: list[int] = []
        w.after_first_page(lambda: ran.append(w.model.rowCount()))
        with qtbot.waitSignal(w.model.first_page_shown, timeout=20_000):
            pass
        assert ran and ran[0] > 0  # work waiting for the first page ran once it was shown
        # The total and the status panel are those of all 600 demo declarations.
        qtbot.waitUntil(lambda: w.counts_label.text() == "Total 600", timeout=20_000)
        assert w.status_panel.count_of("") == 600
        qtbot.waitUntil(lambda: problems.count() > 0)  # the Problems panel filled in too
        assert [a.text() for a in w.views_menu.actions()] == ["Save current view…"]
        later: list[bool] = []
        w.after_first_page(lambda: later.append(True))
        assert later == [True]  # once the page is there, work runs at once
        qtbot.waitUntil(lambda: w.model.ready, timeout=20_000)


def test_a_damaged_file_found_after_the_first_page_stops_the_application(
        demo_db: str, db_path: Path, tmp_path: Path, qtbot: QtBot) -> None:
    broken = tmp_path / "broken.sqlite3"  # the quick check's target: a truncated copy
    broken.write_bytes(db_path.read_bytes()[:4096] + b"\x00" * 4096 * 3)
    assert startup_check(f"sqlite:///{broken}", header_only=True) is None  # looks like one
    stopped: list[str] = []
    with main_window(demo_db, qtbot) as w:
        check_integrity_after_start(w, f"sqlite:///{broken}",
                                    on_damage=lambda _w, text: stopped.append(text))
        assert stopped == []  # nothing read before the first page
        qtbot.waitUntil(lambda: bool(stopped), timeout=20_000)
        assert "is damaged" in stopped[0] and str(broken) in stopped[0]
        checked: list[Message | None] = []  # the sound database passes the same check

        def check(url: str) -> Message | None:
            checked.append(startup_check(url))
            return checked[-1]

        check_integrity_after_start(w, demo_db, check=check,
                                    on_damage=lambda _w, text: stopped.append(text))
        qtbot.waitUntil(lambda: bool(checked), timeout=20_000)
    assert checked == [None] and len(stopped) == 1


def test_a_file_that_is_no_database_is_refused_before_anything_opens_it(tmp_path: Path) -> None:
    text_file = tmp_path / "orders.sqlite3"
    text_file.write_text("order,waybill\n", encoding="utf-8")
    problem = startup_check(f"sqlite:///{text_file}", header_only=True)
    assert problem is not None and "not a database" in render(problem, "en")
