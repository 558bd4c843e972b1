"""`cleardesk catalogue …`: XLSX import/export, roles (clerks propose, supervisors confirm)."""

from __future__ import annotations

import json
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from app.cli.main import main
from app.db.models import AuditEvent, CatalogueEntry
from tests.db.test_concurrent_commands import PASSWORD, _add_users
from tests.unit.intake.filemakers import write_xlsx

HEADERS = ["电商企业代码", "商品货号", "商品名称", "规格型号", "商品编码", "每单位第一法定数量",
           "每单位第二法定数量", "计量单位", "备注"]


def _run(capsys: pytest.CaptureFixture[str], db_url: str, *argv: str) -> tuple[int, str, str]:
    code = main(["--db", db_url, "--lang", "en", "catalogue", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def _as(monkeypatch: pytest.MonkeyPatch, user: str) -> None:
    monkeypatch.setenv("CLEARDESK_USER", user)
    monkeypatch.setenv("CLEARDESK_PASSWORD", PASSWORD)


def _count(sessions: sessionmaker[Session]) -> int:
    with sessions() as s:
        return int(s.scalar(select(func.count()).select_from(CatalogueEntry)) or 0)


def test_import_then_export_round_trips_the_cells(
        db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write_xlsx(tmp_path / "商品库.xlsx", HEADERS, [
        ["1105W6B002", "SKU-CREAM", "保湿面霜", "50ml", "3304990029", "0.05", "1", "瓶",
         "+86 先电话"],
        ["", "", "维生素片", "60粒/瓶", "2106909090", 0.06, "", "", ""]])
    code, out, err = _run(capsys, db_url, "import", str(path), "--json")
    assert code == 0, err
    assert json.loads(out) == {"file": "商品库.xlsx", "rows": 2, "added": 2, "changed": 0,
                               "unchanged": 0, "proposals": 0}
    target = tmp_path / "out.xlsx"
    code, out, err = _run(capsys, db_url, "export", "-o", str(target), "--json")
    assert code == 0, err
    assert json.loads(out)["rows"] == 2
    ws = openpyxl.load_workbook(target).active
    rows = [[c.value for c in r] for r in ws.iter_rows()]
    assert rows[0][:6] == ["E-commerce company code", "Item No. (SKU)", "Barcode",
                           "Goods name", "Model", "HS code"]
    cream = next(r for r in rows if r[1] == "SKU-CREAM")
    assert cream[:13] == ["1105W6B002", "SKU-CREAM", None, "保湿面霜", "50ml", "3304990029",
                          "142", None, "035", 0.05, "011", 1, "'+86 先电话"]
    assert cream[13] == "imported"
    # The exported file imports again unchanged (the headings are the import's too).
    code, out, err = _run(capsys, db_url, "import", str(target), "--json")
    assert code == 0, err
    assert json.loads(out)["unchanged"] == 2


def test_a_bad_row_refuses_the_whole_file_naming_row_and_column(
        db_url: str, sessions: sessionmaker[Session], tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    path = write_xlsx(tmp_path / "bad.xlsx", HEADERS, [
        ["", "SKU1", "面霜", "", "3304990029", "0.05", "", "", ""],
        ["", "SKU2", "洗发水", "", "9999999999", "0.4", "", "", ""],
        ["", "SKU3", "牙膏", "", "3306100000", "abc", "", "", ""],
        ["", "SKU1", "面霜", "", "3304990029", "0.05", "", "", ""]])
    code, _out, err = _run(capsys, db_url, "import", str(path))
    assert code == 1
    assert "bad.xlsx: 3 problem(s); nothing was imported" in err
    assert "Row 3, column 商品编码: gcode: 9999999999 is not an HS code of the tariff." in err
    assert "Row 4, column 每单位第一法定数量: “abc” is not a number" in err
    assert "Row 5, column 商品货号: the same product as row 2" in err
    assert _count(sessions) == 0


def test_a_mapping_names_the_columns(db_url: str, sessions: sessionmaker[Session],
                                     tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write_xlsx(tmp_path / "own.xlsx", ["SKU编号", "品名", "税号X", "净含量kg"],
                      [["A1", "面霜", "3304990029", "0.05"]])
    mapping = tmp_path / "m.json"
    mapping.write_text(json.dumps({"itemNo": "SKU编号", "gname": "品名", "gcode": "税号X",
                                   "qty1PerUnit": "净含量kg"}), encoding="utf-8")
    code, _out, err = _run(capsys, db_url, "import", str(path), "--mapping", str(mapping))
    assert code == 0, err
    code, out, _err = _run(capsys, db_url, "show", "A1", "--json")
    assert (json.loads(out)["gcode"], json.loads(out)["qty1PerUnit"]) == ("3304990029", "0.05")


def test_clerks_propose_and_supervisors_confirm(
        db_url: str, sessions: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    _add_users(sessions)
    _as(monkeypatch, "wang")  # supervisor
    code, out, err = _run(capsys, db_url, "set", "1105W6B002/SKU1", "--gcode", "3304990029",
                          "--qty1-per-unit", "0.05", "--gname", "保湿面霜", "--json")
    assert code == 0, err
    assert json.loads(out)["applied"] is True
    assert json.loads(out)["entry"]["source"] == "confirmed"
    _as(monkeypatch, "li")  # clerk
    code, out, err = _run(capsys, db_url, "set", "SKU1", "--gcode", "3304990039", "--json")
    assert code == 0, err
    assert json.loads(out)["applied"] is False
    code, out, _err = _run(capsys, db_url, "show", "SKU1")
    assert "HS code: 3304990029 (confirmed, by wang)" in out
    assert "Proposed instead: HS code 3304990039 by li" in out
    code, _out, err = _run(capsys, db_url, "confirm", "SKU1")
    assert code == 1 and "not allowed" in err
    _as(monkeypatch, "wang")
    code, out, err = _run(capsys, db_url, "confirm", "SKU1", "--json")
    assert code == 0, err
    data = json.loads(out)
    assert (data["gcode"], data["source"], data["proposal"]) == ("3304990039", "confirmed",
                                                                 None)
    assert data["qty1PerUnit"] is None  # the proposal had no quantity for the new code
    code, out, _err = _run(capsys, db_url, "list", "--search", "面霜", "--json")
    assert [e["itemNo"] for e in json.loads(out)["entries"]] == ["SKU1"]
    with sessions() as s:
        actions = s.scalars(select(AuditEvent.action).where(
            AuditEvent.action.like("catalogue.%")).order_by(AuditEvent.id)).all()
    assert actions == ["catalogue.set", "catalogue.propose", "catalogue.confirm"]
