"""Hostile files through the import itself and the CLI: refused with the specific message,
nothing written, the process goes on; row errors kept per file are capped; an absurdly long
search is a clear refusal."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from app.cli import main
from app.db.models import AuditEvent, Declaration, ImportJob, ImportRowError
from app.domain.errors import UserFacingError
from app.intake.limits import ReadLimits
from app.intake.service import ImportRequest, import_file
from app.security.context import Actor
from tests.unit.intake.bombfiles import ods_bomb, xlsx_with_far_cell
from tests.unit.intake.filemakers import CN_HEADERS, CN_ROWS, write_csv


def _counts(sessions: sessionmaker[Session]) -> tuple[int, ...]:
    with sessions() as s:
        return tuple(int(s.execute(select(func.count()).select_from(m)).scalar_one())
                     for m in (Declaration, ImportJob, ImportRowError, AuditEvent))


def test_bombs_are_refused_and_nothing_is_written(sessions: sessionmaker[Session],
                                                  actor: Actor, tmp_path: Path) -> None:
    before = _counts(sessions)
    for path, words in ((xlsx_with_far_cell(tmp_path / "far.xlsx"), ("1048576", "16384")),
                        (ods_bomb(tmp_path / "rep.ods"), ("1048577", "16384"))):
        with pytest.raises(UserFacingError) as info, sessions() as s, s.begin():
            import_file(s, actor, ImportRequest(path))
        assert all(w in info.value.text("zh_CN") for w in words)
    assert _counts(sessions) == before


def test_cli_refuses_a_bomb_with_the_message(db_url: str, tmp_path: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    path = xlsx_with_far_cell(tmp_path / "far.xlsx")
    code = main(["--db", db_url, "--lang", "zh_CN", "import", str(path)])
    _, err = capsys.readouterr()
    assert code == 1
    assert "第 1048576 行、第 16384 列" in err and "Traceback" not in err


def test_only_the_first_errors_are_kept(sessions: sessionmaker[Session], actor: Actor,
                                        tmp_path: Path) -> None:
    rows = []
    for i in range(30):
        row = list(CN_ROWS[2])
        row[0], row[1], row[10] = f"SO{i}", f"YT{i}", "lots"  # qty is not a number
        rows.append(row)
    path = write_csv(tmp_path / "bad.csv", CN_HEADERS, rows)
    with sessions() as s, s.begin():
        summary = import_file(s, actor, ImportRequest(path, limits=ReadLimits(max_errors=10),
                                                      precheck=False))
    assert summary.rejected_rows == 30
    assert len(summary.errors) == 10 and summary.more_errors == 20
    assert summary.to_json("en")["more_errors"] == 20
    with sessions() as s:
        assert s.execute(select(func.count()).select_from(ImportRowError)).scalar_one() == 10


def test_cli_list_refuses_a_search_of_50000_characters(db_url: str,
                                                      capsys: pytest.CaptureFixture[str]
                                                      ) -> None:
    code = main(["--db", db_url, "list", "--search", "x" * 50_001, "--json"])
    out, err = capsys.readouterr()
    assert code == 1 and "Traceback" not in err
    assert "at most 200 characters" in err
    code = main(["--db", db_url, "list", "--search", "x" * 200, "--json"])
    out, _ = capsys.readouterr()
    assert code == 0 and json.loads(out) is not None
