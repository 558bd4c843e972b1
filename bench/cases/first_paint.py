"""The child process of the cold-start-gui bench (see bench/cases/startup.py).

`python -m bench.cases.first_paint URL USER PASSWORD` starts the real GUI (`ui.main.run_gui`)
on an offscreen screen, logging USER in without the login dialog (the whole login runs, its
account hashed at the test cost of argon2: the bench skips the human, not the code), and
quits as soon as the declarations grid has painted rows that are not placeholders (its
`painted` signal). It prints `FIRST_PAINT <cpu seconds of the process so far>`.

`python -m bench.cases.first_paint --bare` does the same for an empty QMainWindow (the
baseline): the bare cost of PySide6 showing one window. `--bare-sqlalchemy` imports
SQLAlchemy and its ORM first: the floor of any window that shows rows through them.
"""

from __future__ import annotations

import resource
import sys
from typing import Any

MARK = "FIRST_PAINT"


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _report_and_quit(app: Any) -> None:
    print(f"{MARK} {_cpu():.4f}", flush=True)
    app.quit()


def bare(with_sqlalchemy: bool = False) -> int:
    if with_sqlalchemy:
        import sqlalchemy.orm  # noqa: F401
    from PySide6.QtCore import QEvent, QObject, QTimer
    from PySide6.QtWidgets import QApplication, QMainWindow

    app = QApplication(sys.argv)
    window = QMainWindow()

    class Painted(QObject):
        def eventFilter(self, obj: QObject, event: QEvent) -> bool:
            if obj is window and event.type() == QEvent.Type.Paint:
                QTimer.singleShot(0, lambda: _report_and_quit(app))
            return False

    watcher = Painted()
    window.installEventFilter(watcher)
    window.show()
    return app.exec()


def ours(url: str, user: str, password: str) -> int:
    # As `cleardesk` starts (app.cli.main.main): no garbage collection while the start-up's
    # objects are made, until the window's collector takes over.
    from app import start_up_begins

    start_up_begins()
    # In the order of a real start (`cleardesk` imports the application, SQLAlchemy with it,
    # then `ui`, which loads Qt): Qt first made PySide6 scan the source of every module after
    # it, SQLAlchemy's too (see ui.pyside_workarounds.cheap_feature_scan), which no start does.
    from app.security.auth import login
    from app.security.passwords import FAST_TEST_PARAMETERS, PasswordHasher
    from ui.context import GuiContext
    from ui.declarations.grid_view import GridView
    from ui.declarations.model import LOADING, DeclarationTableModel
    from ui.main import run_gui

    from PySide6.QtCore import QTimer  # isort: skip
    from PySide6.QtWidgets import QAbstractItemView, QApplication  # isort: skip

    app = QApplication(sys.argv)
    done: list[bool] = []

    def on_painted(view: QAbstractItemView) -> None:
        model = view.model()
        if not done and model.rowCount() and model.data(model.index(0, 0)) not in (
                None, LOADING):
            done.append(True)  # this paint showed rows; quit once it is through
            QTimer.singleShot(0, lambda: _report_and_quit(app))

    # The grid says when it has painted (as the bare side's window is watched, not every
    # event of the application: a filter on the whole application costs a PySide6 window
    # ~40 ms the application itself does not pay; see ui.declarations.grid_view).
    watch_paints = DeclarationTableModel.watch_paints

    def watch_grid(model: DeclarationTableModel, view: QAbstractItemView) -> None:
        assert isinstance(view, GridView)
        view.painted.connect(lambda: on_painted(view))
        watch_paints(model, view)

    DeclarationTableModel.watch_paints = watch_grid  # type: ignore[method-assign]

    def log_in(ctx: GuiContext) -> Any:
        if done:
            return None
        return login(ctx.sessions, user, password,
                     hasher=PasswordHasher(FAST_TEST_PARAMETERS)).actor_or_raise()

    return run_gui(url, "en", login=log_in)


if __name__ == "__main__":
    if sys.argv[1:] in (["--bare"], ["--bare-sqlalchemy"]):
        sys.exit(bare(with_sqlalchemy=sys.argv[1] == "--bare-sqlalchemy"))
    sys.exit(ours(*sys.argv[1:4]))
