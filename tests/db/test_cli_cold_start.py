"""A cold `cleardesk list` loads only what listing needs, and every command still finds its
module when only that module is loaded."""

import subprocess
import sys
from pathlib import Path

import pytest

from app.cli.main import COMMAND_MODULES, COMMAND_OWNERS, build_parser, command_of, main

HEAVY = ("PySide6", "reportlab", "openpyxl", "python_calamine", "lxml", "PIL", "alembic",
         "app.precheck.service", "app.rules", "app.reports", "app.documents", "app.intake",
         # password hashing and strength lists, the PostgreSQL dialect on a SQLite database,
         # the CSV reference reader, the tables of other areas
         "argon2", "zxcvbn", "sqlalchemy.dialects.postgresql", "app.reference.store",
         "app.db.models.station", "app.db.models.export", "app.db.models.catalogue",
         "app.db.models.submission", "app.db.models.intake")

PROBE = """
import sys
HEAVY = %r
from app.cli.main import main
code = main(sys.argv[1:])
loaded = sorted(m for m in sys.modules for h in HEAVY if m == h or m.startswith(h + "."))
print("LOADED", ",".join(loaded), file=sys.stderr)
sys.exit(code)
"""


def test_list_loads_no_gui_printing_excel_migration_or_password_code(db_url: str) -> None:
    subprocess.run([sys.executable, "-m", "app", "--db", db_url, "demo", "--parcels", "5"],
                   check=True, capture_output=True)
    # On a PostgreSQL database its dialect is the one in use.
    heavy = tuple(h for h in HEAVY if not (db_url.startswith("postgresql")
                                           and h == "sqlalchemy.dialects.postgresql"))
    run = subprocess.run([sys.executable, "-c", PROBE % (heavy,), "--db", db_url,
                          "list", "--limit", "5"], capture_output=True, text=True,
                         cwd=Path(__file__).resolve().parents[2])
    assert run.returncode == 0, run.stderr
    assert "5 of 5 declarations." in run.stdout  # the rows were listed
    loaded = run.stderr.rsplit("LOADED ", 1)[1].strip()
    assert loaded == ""


PROCESS_PROBE = """
import gc
import sys
import types
from app.cli import main
if sys.argv[1] == "gui":  # the window itself is not wanted here: what ran before it is
    sys.modules["ui.main"] = types.SimpleNamespace(
        run_gui=lambda url, lang: print("WINDOW", lang) or 0)
sys.argv = ["cleardesk", *sys.argv[2:]]
collections = []
gc.callbacks.append(lambda phase, info: collections.append(phase == "stop"))
code = main()  # as the `cleardesk` command calls it: this process's own command line
print("COLLECTIONS", sum(collections))
print("COMMAND_MODULES", ",".join(m for m in sys.modules if m in %r))
print("EXCEL_PDF", ",".join(m for m in ("openpyxl", "reportlab", "lxml") if m in sys.modules))
print("FROZEN", gc.get_freeze_count())
sys.exit(code)
"""


def _process(db_url: str, mode: str, *args: str) -> tuple[str, dict[str, str]]:
    run = subprocess.run([sys.executable, "-c", PROCESS_PROBE % (COMMAND_MODULES,), mode,
                          "--db", db_url, "--lang", "en", *args], capture_output=True,
                         text=True, cwd=Path(__file__).resolve().parents[2])
    assert run.returncode == 0, run.stderr
    return run.stdout, {key: rest for key, _, rest in (line.partition(" ")
                                                       for line in run.stdout.splitlines())}


def test_a_start_of_the_desktop_application_loads_no_command_module(db_url: str) -> None:
    # `cleardesk` without a command opens the window: it used to import all 20 command
    # modules first (Excel, PDF, the message schemas: ~0.7 s of CPU before the window).
    _, lines = _process(db_url, "gui")
    assert lines["WINDOW"] == "en"  # the window was opened, in the language asked for
    assert lines["COMMAND_MODULES"] == ""
    assert lines["EXCEL_PDF"] == ""


def test_a_command_run_as_its_own_process_leaves_its_heap_to_the_system(db_url: str) -> None:
    subprocess.run([sys.executable, "-m", "app", "--db", db_url, "demo", "--parcels", "3"],
                   check=True, capture_output=True)
    out, lines = _process(db_url, "cli", "list")
    assert "3 of 3 declarations." in out
    # The objects of SQLAlchemy and the models skip the last collection at exit (~50 ms),
    # and no collection scanned them while they were made (~25 ms; 4 collections before).
    # The command's own work collects again: on PostgreSQL, loading its driver does once.
    assert int(lines["FROZEN"]) > 10_000
    assert int(lines["COLLECTIONS"]) <= (1 if db_url.startswith("postgresql") else 0)


def test_help_still_lists_every_command(capsys: pytest.CaptureFixture[str]) -> None:
    for argv in (["--help"], ["--db", "x.sqlite3", "-h"], ["--hel"]):
        with pytest.raises(SystemExit):
            main(argv)
        out = capsys.readouterr().out
        assert "list declarations" in out and "export-flow" in out, argv


def test_every_command_has_its_owner_module() -> None:
    full = build_parser()
    sub = next(a for a in full._actions if a.dest == "command")
    assert set(sub.choices) == set(COMMAND_OWNERS)  # type: ignore[attr-defined]
    assert set(COMMAND_OWNERS.values()) == set(COMMAND_MODULES)
    for command in COMMAND_OWNERS:
        parser = build_parser(command)
        only = next(a for a in parser._actions if a.dest == "command")
        assert command in only.choices  # type: ignore[attr-defined]


def test_command_is_found_past_global_options() -> None:
    assert command_of(["--db", "list", "--lang", "en", "list", "--limit", "5"]) == "list"
    assert command_of(["--user", "admin", "check", "--all"]) == "check"
    assert command_of(["--version"]) is None
