"""A kill -9 in the middle of an import leaves the database exactly as it was."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

from sqlalchemy import create_engine, func, select

from app.db.models import Declaration, ImportJob
from tests.unit.intake.filemakers import write_csv

CHILD = r"""
import sys
from pathlib import Path
from app.db.engine import make_engine, make_session_factory
from app.intake.service import ImportRequest, import_file
from app.security.context import system_actor

engine = make_engine(sys.argv[1])
sessions = make_session_factory(engine)

def progress(done, total, message=""):
    print("WRITTEN", flush=True)
    sys.stdin.readline()  # wait here, mid-transaction, until the parent kills us

with sessions() as s, s.begin():
    import_file(s, system_actor(), ImportRequest(Path(sys.argv[2])), progress=progress)
print("COMMITTED", flush=True)
"""


def test_kill_during_import_leaves_database_unchanged(db_url: str, tmp_path: Path) -> None:
    rows = [[f"K{i:05d}", f"W{i:05d}", "面霜", "1"] for i in range(300)]
    path = write_csv(tmp_path / "big.csv", ["订单号", "运单号", "品名", "数量"], rows)
    root = Path(__file__).resolve().parents[2]
    child = subprocess.Popen([sys.executable, "-c", CHILD, db_url, str(path)], cwd=root,
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                             env={**os.environ, "PYTHONPATH": str(root)})
    assert child.stdout is not None
    assert child.stdout.readline().strip() == "WRITTEN"  # rows written, not committed
    child.send_signal(signal.SIGKILL)
    child.wait()
    assert child.returncode == -signal.SIGKILL
    engine = create_engine(db_url)
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(Declaration)).scalar_one() == 0
        assert conn.execute(select(func.count()).select_from(ImportJob)).scalar_one() == 0
        if conn.dialect.name == "sqlite":
            assert conn.exec_driver_sql("PRAGMA integrity_check").scalar_one() == "ok"
    engine.dispose()
