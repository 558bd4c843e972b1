"""`cleardesk import`: the JSON contract and exit codes of the issue."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.cli import main
from tests.unit.intake.filemakers import CN_HEADERS, CN_ROWS, write_csv, write_json


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_import_json_output_and_reimport(db_url: str, tmp_path: Path,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    rows = [list(r) for r in CN_ROWS]
    rows[2][3] = "1.30681E+17"
    path = write_csv(tmp_path / "orders.csv", CN_HEADERS, rows, encoding="gbk")
    code, out, _ = run(capsys, "--db", db_url, "import", str(path), "--json")
    assert code == 0
    (line,) = out.strip().splitlines()
    data = json.loads(line)
    assert list(data) == ["file", "rows", "declarations", "items", "updated", "duplicates",
                          "rejected_rows", "line_weights", "summed_orders", "errors",
                          "defaults_used", "legal_quantities_derived"]
    assert data["file"] == "orders.csv"
    assert (data["rows"], data["declarations"], data["items"], data["rejected_rows"]) == (
        3, 1, 2, 1)
    # The refused row names its order, as the wizard's rejected-rows file does.
    assert data["errors"] == [{"row": 4, "orderNo": "SO1002", "column": "订购人证件号码",
                               "field": "buyerIdNumber",
                               "value": "1.30681E+17", "message": data["errors"][0]["message"]}]
    assert "Excel" in data["errors"][0]["message"]
    code, out, _ = run(capsys, "--db", db_url, "import", str(path), "--json")
    again = json.loads(out)
    assert code == 0 and again["declarations"] == 0 and again["updated"] == 1


def test_import_nothing_importable_exits_1(db_url: str, tmp_path: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    path = write_csv(tmp_path / "bad.csv", ["订单号", "品名", "数量"], [["A1", "x", "lots"]])
    code, out, _ = run(capsys, "--db", db_url, "--lang", "zh_CN", "import", str(path), "--json")
    data = json.loads(out)
    assert code == 1 and data["rejected_rows"] == 1
    assert data["errors"][0]["message"] == "不是数字"
    code, out, err = run(capsys, "--db", db_url, "import", str(tmp_path / "missing.xlsx"))
    assert code == 1 and "not found" in err


def test_import_with_mapping_profile_and_all_or_nothing(db_url: str, tmp_path: Path,
                                                        capsys: pytest.CaptureFixture[str]
                                                        ) -> None:
    mapping = write_json(tmp_path / "map.json", {"columns": {"单": "orderNo", "货": "gname"},
                                                 "defaults": {"ebpCode": "P001"}})
    good = write_csv(tmp_path / "a.csv", ["单", "货", "数量"], [["A1", "x", "1"]])
    code, out, _ = run(capsys, "--db", db_url, "import", str(good), "--mapping", str(mapping),
                       "--save-profile", "platform-a", "--json")
    assert code == 0 and json.loads(out)["declarations"] == 1
    mixed = write_csv(tmp_path / "b.csv", ["单", "货", "数量"], [["B1", "x", "1"],
                                                              ["B2", "y", "bad"]])
    code, out, _ = run(capsys, "--db", db_url, "import", str(mixed), "--profile",
                       "platform-a", "--all-or-nothing", "--json")
    data = json.loads(out)
    assert code == 1 and data["declarations"] == 0 and data["rejected_rows"] == 1
    code, out, _ = run(capsys, "--db", db_url, "list", "--json")
    assert [r["orderNo"] for r in json.loads(out)["rows"]] == ["A1"]
    code, out, _ = run(capsys, "--db", db_url, "import", str(mixed), "--profile", "platform-a")
    assert code == 0 and "1 rows rejected" in out
