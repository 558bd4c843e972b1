"""Orders whose lines carry their own weights, and import errors naming their order."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.cli import main
from app.db.models import Declaration
from app.intake.mapping import MappingSpec
from app.intake.service import ImportRequest, import_file
from app.security.context import Actor
from tests.unit.intake.filemakers import write_csv, write_json

HEADERS = ["订单编号", "物流运单编号", "商品名称", "数量", "毛重", "净重"]
ROWS = [["W1", "YT1", "奶粉", "1", "1.2", "1.0"],
        ["W1", "YT1", "面霜", "1", "0.3", "0.25"],
        ["W2", "YT2", "鞋", "1", "0.8", "0.7"]]


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    code = main(list(argv))
    out, _ = capsys.readouterr()
    return code, out


def test_line_weights_summed_into_the_declaration_and_said_in_the_summary(
        db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write_csv(tmp_path / "lines.csv", HEADERS, ROWS)
    mapping = write_json(tmp_path / "map.json", {"columns": {}, "line_weights": "sum"})
    code, out = run(capsys, "--db", db_url, "import", str(path), "--mapping", str(mapping),
                    "--save-profile", "per-line")
    assert code == 0 and "added up (1 orders with several lines)" in out
    code, out = run(capsys, "--db", db_url, "show", "W1", "--json")
    head = json.loads(out)["head"]
    assert (head["grossWeight"], head["netWeight"]) == ("1.5", "1.25")
    # The saved profile keeps the choice.
    code, out = run(capsys, "--db", db_url, "import", str(path), "--profile", "per-line",
                    "--json")
    assert json.loads(out)["line_weights"] == "sum"


def test_differing_line_weights_without_sum_reject_the_order_naming_it_and_the_option(
        db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write_csv(tmp_path / "lines.csv", HEADERS, ROWS)
    _code, out = run(capsys, "--db", db_url, "import", str(path), "--json")
    data = json.loads(out)
    assert data["declarations"] == 1 and data["rejected_rows"] == 2
    assert {e["orderNo"] for e in data["errors"]} == {"W1"}
    weight = next(e for e in data["errors"] if e["field"] == "grossWeight")
    assert "line_weights" in weight["message"] and weight["row"] == 3
    _code, out = run(capsys, "--db", db_url, "import", str(path))
    assert "Order No." in out and "W1" in out.split("Order No.")[1]
    assert "each order's weight" in out


def test_lines_of_an_order_far_apart_in_the_file_are_added_up_too(
        session: Session, actor: Actor, tmp_path: Path) -> None:
    rows = [["F1", "YF1", "奶粉", "1", "1.2", "1.0"],
            *[[f"X{n}", f"YX{n}", "鞋", "1", "0.5", "0.4"] for n in range(4)],
            ["F1", "YF1", "面霜", "1", "0.3", "0.25"]]
    path = write_csv(tmp_path / "apart.csv", HEADERS, rows)
    # A window of 2 rows: F1's second line comes after its first part was written.
    summary = import_file(session, actor, ImportRequest(
        path, mapping=MappingSpec(line_weights="sum"), window=2, precheck=False))
    assert summary.rejected_rows == 0 and summary.declarations == 5
    decl = session.execute(select(Declaration).where(Declaration.orderNo == "F1")).scalar_one()
    assert (decl.grossWeight, decl.netWeight) == (Decimal("1.5"), Decimal("1.25"))
    assert len(decl.items) == 2
