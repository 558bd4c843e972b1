"""Commands sharing one database: writers queue, nobody sees "database is locked".

The first test starts real `python -m app` processes at the same moment, as two clerks (or a
clerk and a script) would; it also runs against PostgreSQL when CLEARDESK_TEST_PG is set.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session, sessionmaker

from app.cli import main
from app.cli.framework import CliContext
from app.db import engine as engine_module
from app.db.models import AuditEvent, Declaration, ImportJob, Setting
from app.security.context import system_actor
from app.security.users import UserService
from tests.unit.intake.filemakers import CN_HEADERS, write_csv

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "Correct-horse-42"


def _orders(prefix: str, n: int) -> list[list[object]]:
    return [[f"{prefix}{i:05d}", f"W{prefix}{i:05d}", "张三", "110101199003071234",
             "13800000001", "北京市朝阳区建国路1号", "维生素片", "2106909090", "60粒/瓶", "116",
             3, "瓶", "88", "264", "", 0.7, 0.6] for i in range(n)]


def _start(db_url: str, user: str, *argv: str) -> subprocess.Popen[str]:
    env = {**os.environ, "CLEARDESK_PASSWORD": PASSWORD}
    return subprocess.Popen([sys.executable, "-m", "app", "--db", db_url, "--lang", "en",
                             "--user", user, *argv, "--json"], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _add_users(sessions: sessionmaker[Session]) -> None:
    with sessions() as session, session.begin():
        users = UserService(session)
        users.add(None, "boss", "admin", PASSWORD)
        users.add(system_actor(), "wang", "supervisor", PASSWORD)
        users.add(system_actor(), "li", "clerk", PASSWORD)


def test_two_imports_and_a_check_at_once_all_succeed(
        db_url: str, sessions: sessionmaker[Session], tmp_path: Path) -> None:
    _add_users(sessions)
    files = [write_csv(tmp_path / f"{p}.csv", CN_HEADERS, _orders(p, 600)) for p in "AB"]
    procs = [_start(db_url, "li", "import", str(f)) for f in files]
    procs.append(_start(db_url, "li", "check", "--all"))
    outcomes = []
    for p in procs:
        out, err = p.communicate(timeout=300)
        outcomes.append((p.returncode, out, err))
    for code, _out, err in outcomes:
        assert code == 0, err
        assert "Traceback" not in err and "locked" not in err
    assert [json.loads(out)["declarations"] for _, out, _ in outcomes[:2]] == [600, 600]

    with sessions() as session:  # nothing lost, nothing doubled
        assert session.scalar(select(func.count()).select_from(Declaration)) == 1200
        assert session.scalar(select(func.count(func.distinct(Declaration.orderNo)))) == 1200
        assert session.scalar(select(func.count()).select_from(ImportJob)) == 2
    verify = _start(db_url, "boss", "audit", "verify")
    out, err = verify.communicate(timeout=120)
    assert verify.returncode == 0, out + err
    assert json.loads(out)["ok"] is True


def test_demo_while_logged_in(db_url: str, sessions: sessionmaker[Session],
                              monkeypatch: pytest.MonkeyPatch,
                              capsys: pytest.CaptureFixture[str]) -> None:
    _add_users(sessions)
    monkeypatch.setenv("CLEARDESK_PASSWORD", PASSWORD)
    code = main(["--db", db_url, "--user", "boss", "demo", "--parcels", "5", "--json"])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert json.loads(out)["declarations"] == 5
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(Declaration)) == 5
        by = session.scalars(select(AuditEvent.user_name)
                             .where(AuditEvent.action == "demo.generate")).all()
    assert by == ["boss"]


def test_writer_busy_past_the_queue_is_a_plain_message(
        sqlite_only: None, db_url: str, db_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(engine_module, "BUSY_TIMEOUT_MS", 50)
    monkeypatch.setattr(engine_module, "WRITER_QUEUE_SECONDS", 0.2)
    other = sqlite3.connect(db_path, isolation_level=None)  # another workstation, mid-write
    other.execute("BEGIN IMMEDIATE")
    try:
        code = main(["--db", db_url, "--lang", "zh_CN", "demo", "--parcels", "1"])
        err = capsys.readouterr()[1]
        assert code == 1
        assert "另一台工作站或命令正在写入数据库" in err and "Traceback" not in err
        # Reading needs no write lock: `list` answers while the other writer holds it.
        assert main(["--db", db_url, "list", "--json"]) == 0
        assert json.loads(capsys.readouterr()[0])["total"] == 0
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert main(["--db", db_url, "demo", "--parcels", "1"]) == 0


def test_read_only_transactions_refuse_writes(db_url: str) -> None:
    ctx = CliContext(url=db_url, lang="en", json=False)
    try:
        with pytest.raises(Exception) as caught, ctx.transaction(write=False) as session:
            session.execute(insert(Setting).values(key="x", value="y"))
        assert "read" in str(caught.value).lower()
        with ctx.transaction() as session:
            session.execute(insert(Setting).values(key="x", value="y"))
        with ctx.transaction(write=False) as session:
            assert session.scalar(select(Setting.value).where(Setting.key == "x")) == "y"
    finally:
        ctx.dispose()

