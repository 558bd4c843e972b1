"""`cleardesk export …`: one JSON object naming the file and the rows per sheet; exit codes."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest
from openpyxl import load_workbook

from app.cli import main
from tests.db.reports.conftest import ReportData


def run_json(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, dict]:  # type: ignore[type-arg]
    code = main([*argv, "--json"])
    out, _ = capsys.readouterr()
    lines = out.strip().splitlines()
    assert len(lines) == 1
    return code, json.loads(lines[0])


def test_export_commands(report_data: ReportData, db_url: str, tmp_path: Path,
                         capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "s.xlsx"
    code, data = run_json(capsys, "--db", db_url, "--lang", "en", "export", "summary",
                          "--from", "2026-11-20", "--to", "2026-11-22", "-o", str(out))
    assert code == 0
    assert data["file"] == str(out) and data["rows"] == 8
    assert data["sheets"]["By day"] == 3 and data["sheets"]["By platform"] == 3
    assert load_workbook(out).sheetnames[0] == "Overview"

    out = tmp_path / "d.csv"
    code, data = run_json(capsys, "--db", db_url, "export", "declarations", "--status",
                          "rejected", "--status", "released", "-o", str(out))
    assert code == 0 and data["format"] == "csv" and data["rows"] == 5
    assert data["sheets"] == {"d.csv": 5}

    out = tmp_path / "b.xlsx"
    code, data = run_json(capsys, "--db", db_url, "export", "declarations", "--batch",
                          "B2-20261121", "-o", str(out))
    assert data["rows"] == 3 and data["sheets"] == {"Declaration list": 3}

    out = tmp_path / "e.zip"
    code, data = run_json(capsys, "--db", db_url, "export", "evidence", "--batch",
                          "B1-20261120", "-o", str(out))
    assert code == 0 and data["batchNo"] == "B1-20261120"
    assert data["counts"]["declarations"] == 3
    assert data["missing"] == []
    assert {"manifest.pdf", "labels.pdf", "declarations.xlsx", "SHA256SUMS"} - {"SHA256SUMS"} \
        <= set(data["files"])
    assert zipfile.ZipFile(out).testzip() is None


def test_user_errors_exit_1(report_data: ReportData, db_url: str, tmp_path: Path,
                            capsys: pytest.CaptureFixture[str]) -> None:
    code, data = run_json(capsys, "--db", db_url, "export", "evidence", "--batch", "nope",
                          "-o", str(tmp_path / "e.zip"))
    assert code == 1 and "nope" in data["error"]
    code, data = run_json(capsys, "--db", db_url, "export", "summary", "--from", "2026-11-22",
                          "--to", "2026-11-20", "-o", str(tmp_path / "s.xlsx"))
    assert code == 1
    code, data = run_json(capsys, "--db", db_url, "export", "declarations",
                          "-o", str(tmp_path / "missing" / "d.xlsx"))
    assert code == 1


def test_unmask_reason(report_data: ReportData, db_url: str, tmp_path: Path,
                       capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "full.csv"
    code, _ = run_json(capsys, "--db", db_url, "export", "declarations", "--unmask-reason",
                       "customs audit", "-o", str(out))
    assert code == 0
    assert report_data.buyer_id in out.read_text(encoding="utf-8-sig")
    code, _ = run_json(capsys, "--db", db_url, "export", "declarations", "-o", str(out))
    assert code == 0
    assert report_data.buyer_id not in out.read_text(encoding="utf-8-sig")
