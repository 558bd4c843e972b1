"""Autopilot watch folders: a complete file is imported once and moved to done/; a broken one
to failed/ with its reason; temporary names, links and files still being written are left
alone; killing the autopilot anywhere and starting it again loses and doubles nothing; only
one autopilot runs per office."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from app.db.models import Declaration
from tests.db.test_cli import run, run_json
from tests.unit.intake.filemakers import CN_HEADERS, CN_ROWS, write_csv

ROOT = Path(__file__).resolve().parents[2]


def _age(path: Path, seconds: float = 7200) -> Path:
    """Make `path` look written `seconds` ago (complete, as far as the settle rule goes)."""
    past = time.time() - seconds
    os.utime(path, (past, past))
    return path


def _orders(path: Path, first: int = 1, n: int = 2) -> Path:
    rows = []
    for k in range(first, first + n):
        row = list(CN_ROWS[2])
        row[0], row[1] = f"AP{k:05d}", f"YTAP{k:05d}"
        rows.append(row)
    return _age(write_csv(path, CN_HEADERS, rows))


def _count(sessions: sessionmaker[Session]) -> int:
    with sessions() as s:
        return int(s.execute(select(func.count()).select_from(Declaration)).scalar_one())


def test_a_pass_imports_complete_files_once_and_moves_them(
        db_url: str, sessions: sessionmaker[Session], tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    watch = tmp_path / "drop"
    watch.mkdir()
    # A file counts as complete once unchanged this long: far longer than this test runs.
    run_json(capsys, "--db", db_url, "config", "set", "watchSettleSeconds", "3600")
    _orders(watch / "tmall-1.csv", 1, 2)
    _age(write_csv(watch / "broken.csv", ["x", "y"], [["1", "2"]]))
    (watch / "tmall-2.csv.part").write_bytes(b"half")  # still downloading
    _age(write_csv(watch / "~$tmall-3.csv", CN_HEADERS, [CN_ROWS[2]]))  # an editor's lock file
    write_csv(watch / "fresh.csv", CN_HEADERS, [CN_ROWS[2]])  # written this instant
    (watch / "link.csv").symlink_to(_orders(tmp_path / "elsewhere.csv", 50, 1))

    data = run_json(capsys, "--db", db_url, "autopilot", "--once", "--watch", str(watch))
    outcomes = {f["file"]: f["outcome"] for f in data["imported"]}
    assert outcomes == {"tmall-1.csv": "imported", "broken.csv": "failed"}
    assert data["declarations"] == 2 and data["waiting"] == [str(watch / "fresh.csv")]
    assert _count(sessions) == 2
    done = list((watch / "done").glob("*/tmall-1.csv"))
    failed = list((watch / "failed").glob("*/broken.csv"))
    assert len(done) == 1 and len(failed) == 1
    reason = failed[0].with_name("broken.csv.reason.txt").read_text(encoding="utf-8")
    assert "broken.csv" in reason or "column" in reason.lower()
    left = sorted(p.name for p in watch.iterdir() if p.is_file() or p.is_symlink())
    assert left == ["fresh.csv", "link.csv", "tmall-2.csv.part", "~$tmall-3.csv"]

    # The same bytes dropped again (a platform re-sends its export): not imported twice.
    (watch / "tmall-1-again.csv").write_bytes(done[0].read_bytes())
    _age(watch / "tmall-1-again.csv")
    again = run_json(capsys, "--db", db_url, "autopilot", "--once", "--watch", str(watch))
    by_file = {f["file"]: f for f in again["imported"]}
    assert by_file["tmall-1-again.csv"]["outcome"] == "already"
    assert "fresh.csv" not in by_file and again["waiting"] == [str(watch / "fresh.csv")]
    assert _count(sessions) == 2
    assert not (watch / "tmall-1-again.csv").exists()  # moved to done/, as already imported


_SLOW_IMPORT = r'''
import sys
import app.intake.service as service
real = service.import_file
def slow(*a, **k):
    summary = real(*a, **k)
    print("importing", flush=True)  # the test's cue: inside the import's transaction
    sys.stdin.readline()  # held here until killed: the transaction never commits
    return summary
service.import_file = slow  # app.autopilot.watch takes it from there at the first file
from app.cli import main
sys.exit(main(["--db", sys.argv[1], "autopilot", "--once", "--json", "--watch", sys.argv[2]]))
'''


def _autopilot(db_url: str, watch: Path) -> subprocess.Popen[str]:
    """An autopilot that stops inside its first import's transaction until killed."""
    log = (watch.parent / "autopilot.log").open("w")  # its stderr, for a failure message
    return subprocess.Popen([sys.executable, "-c", _SLOW_IMPORT, db_url, str(watch)],
                            cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=log, text=True)


def _wait_for_cue(watch: Path, proc: subprocess.Popen[str]) -> None:
    """Block until the autopilot says it is inside its import (a line on its stdout)."""
    assert proc.stdout is not None
    line = proc.stdout.readline()
    assert line.strip() == "importing", (watch.parent / "autopilot.log").read_text()


def test_killed_mid_import_and_restarted_loses_and_doubles_nothing(
        db_url: str, sessions: sessionmaker[Session], tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    watch = tmp_path / "drop"
    watch.mkdir()
    for n in range(3):
        _orders(watch / f"file-{n}.csv", 10 * n + 1, 2)
    proc = _autopilot(db_url, watch)
    _wait_for_cue(watch, proc)
    proc.send_signal(signal.SIGKILL)
    proc.wait(30)
    assert _count(sessions) in (0, 2, 4, 6)  # whole files only, never a part of one
    again = subprocess.run(
        [sys.executable, "-m", "app", "--db", db_url, "autopilot", "--once", "--json",
         "--watch", str(watch)], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert again.returncode == 0, again.stderr
    assert _count(sessions) == 6  # every order once
    assert sorted(p.name for p in (watch / "done").glob("*/*.csv")) == [
        "file-0.csv", "file-1.csv", "file-2.csv"]
    with sessions() as s:
        orders = s.execute(select(Declaration.orderNo)).scalars().all()
    assert len(orders) == len(set(orders)) == 6


def test_only_one_autopilot_per_office(db_url: str, tmp_path: Path,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    watch = tmp_path / "drop"
    watch.mkdir()
    _orders(watch / "big.csv", 1, 2)
    first = _autopilot(db_url, watch)
    try:
        _wait_for_cue(watch, first)  # the first holds the office lock, mid-import
        code, _out, err = run(capsys, "--db", db_url, "autopilot", "--once", "--watch",
                             str(watch))
        assert code == 1
        assert "Another autopilot is already running" in err
    finally:
        first.kill()
        first.wait(30)


def test_pause_stops_the_next_pass(db_url: str, sessions: sessionmaker[Session],
                                   tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    watch = tmp_path / "drop"
    watch.mkdir()
    _orders(watch / "a.csv", 1, 1)
    assert run_json(capsys, "--db", db_url, "autopilot", "--pause") == {"paused": True}
    data = run_json(capsys, "--db", db_url, "autopilot", "--once", "--watch", str(watch))
    assert data["paused"] is True and data["imported"] == [] and _count(sessions) == 0
    run_json(capsys, "--db", db_url, "autopilot", "--resume")
    data = run_json(capsys, "--db", db_url, "autopilot", "--once", "--watch", str(watch))
    assert [f["outcome"] for f in data["imported"]] == ["imported"]
    assert json.dumps(data)  # the report is JSON all the way down
