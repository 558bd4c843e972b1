"""Importing a platform's export order file (9610 B2C export) as export declarations."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from app.cli import main
from app.db.models import Declaration
from tests.factories import make_declaration
from tests.unit.intake.export_orders import write_export_orders


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, dict[str, object]]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    assert out, err
    return code, json.loads(out)


def test_cli_imports_an_export_file_as_ready_export_declarations(
        db_url: str, sessions: sessionmaker[Session], tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    path = write_export_orders(tmp_path / "exports.csv", count=3)
    code, data = run(capsys, "--db", db_url, "import", str(path), "--direction", "export",
                     "--json")
    assert code == 0 and data["declarations"] == 3 and data["errors"] == []
    with sessions() as s:
        rows = s.execute(select(Declaration).order_by(Declaration.id)).scalars().all()
        got = [(d.ieFlag, d.copNo, d.ownerCode, d.buyerIdType, d.statisticsFlag, d.status)
               for d in rows]
    assert got == [("E", f"EXO{n:05d}", "1105W6B002", None, "B", "ready") for n in (1, 2, 3)]


def test_profile_remembers_export_and_directions_never_mix(
        db_url: str, sessions: sessionmaker[Session], tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    first = write_export_orders(tmp_path / "week1.xlsx", count=2)
    code, data = run(capsys, "--db", db_url, "import", str(first), "--direction", "export",
                     "--save-profile", "出口订单", "--json")
    assert code == 0 and data["declarations"] == 2
    # The next week's file with the saved profile alone is export again.
    second = write_export_orders(tmp_path / "week2.xlsx", count=2, prefix="EXP")
    code, data = run(capsys, "--db", db_url, "import", str(second), "--profile", "出口订单",
                     "--json")
    assert code == 0 and data["declarations"] == 2
    # The first file again, read as import: its orders are export declarations already, so
    # the rows are refused, saying so in Chinese, and nothing turns into an import.
    code, data = run(capsys, "--db", db_url, "--lang", "zh_CN", "import", str(first),
                     "--direction", "import", "--json")
    errors = data["errors"]
    assert isinstance(errors, list)
    assert code == 1 and data["rejected_rows"] == 2 and data["updated"] == 0
    assert errors[0]["field"] == "orderNo"
    assert errors[0]["message"].startswith("订单 EXO00001 已是出口申报")
    with sessions() as s:
        flags = s.execute(select(Declaration.ieFlag, Declaration.status)).all()
    assert sorted(flags) == [("E", "ready")] * 4


def test_batches_never_mix_imported_import_and_export_declarations(
        db_url: str, sessions: sessionmaker[Session], tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    run(capsys, "--db", db_url, "import", str(write_export_orders(tmp_path / "e.csv", 2)),
        "--direction", "export", "--json")
    with sessions() as s, s.begin():
        import_id = make_declaration(s, status="ready")
        export_ids = list(s.execute(select(Declaration.id).where(Declaration.ieFlag == "E"))
                          .scalars())
    # Chosen by hand: refused, in Chinese.
    code = main(["--db", db_url, "--lang", "zh_CN", "batch", "create", "--ids", str(import_id),
                 *map(str, export_ids), "--json"])
    _, err = capsys.readouterr()
    assert code != 0 and "进口和出口清单不能放在同一批次" in err
    # All ready ones: refused too, naming the way out, which then batches only the exports.
    code = main(["--db", db_url, "--lang", "zh_CN", "batch", "create", "--status", "ready",
                 "--json"])
    _, err = capsys.readouterr()
    assert code != 0 and "--direction" in err and "既有进口也有出口" in err
    code, data = run(capsys, "--db", db_url, "batch", "create", "--status", "ready",
                     "--direction", "export", "--json")
    assert code == 0 and data["declarations"] == 2
    with sessions() as s:
        batched = dict(s.execute(select(Declaration.ieFlag, Declaration.batch_id)
                                 .where(Declaration.batch_id.is_not(None))).all())
    assert list(batched) == ["E"]
