"""Loading a new edition: header synonyms, unit names, all-or-nothing, diff, re-check, audit."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from app.cli import main
from app.db.models import AuditEvent, Declaration, HsCode, Problem, RefEdition
from app.precheck.service import check_declarations
from app.security.context import Actor
from tests.factories import item_values, make_declaration

HEADERS = ["税则号列", "货品名称", "第一法定计量单位", "第二法定计量单位", "增值税率", "消费税率"]


def _xlsx(path: Path, rows: list[list[Any]], headers: list[str] = HEADERS) -> Path:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(["2027年进出口税则（节选）"])  # a title row above the header
    ws.append(headers)
    for row in rows:
        ws.append(row)
    wb.save(path)
    return path


def _cli(capsys: pytest.CaptureFixture[str], *argv: str, code: int = 0) -> dict[str, Any]:
    assert main([*argv, "--json"]) == code, capsys.readouterr().err
    return json.loads(capsys.readouterr().out)  # type: ignore[no-any-return]


def _status(sessions: sessionmaker[Session], decl_id: int) -> str:
    with sessions() as s:
        return s.execute(select(Declaration.status)
                         .where(Declaration.id == decl_id)).scalar_one()


MILK = ["1901101000", "婴幼儿配方奶粉", "千克", "", "13%", "0"]
PHONE = ["8517140000", "其他无线网络用电话机", "台", "千克", "13%", "0"]


def test_a_new_tariff_edition_is_diffed_stored_and_rechecks_only_affected_declarations(
        db_url: str, sessions: sessionmaker[Session], actor: Actor, tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    phone_item = item_values(gcode="8517140000", gname="手机", unit="001", unit1="001",
                             qty1="1", itemNo="SKU9")
    with sessions() as s, s.begin():
        phone = make_declaration(s, items=[phone_item])
        milk = make_declaration(s)
        sent = make_declaration(s, items=[phone_item], status="sent")
        check_declarations(s, actor, [phone, milk])
    with sessions() as s:
        codes = set(s.execute(select(Problem.code).where(Problem.declaration_id == phone))
                    .scalars())
    assert "HS_NOT_IN_EDITION" in codes  # the 2019 tariff lacks the HS 2022 code
    path = _xlsx(tmp_path / "tariff2027.xlsx", [MILK, PHONE])
    out = _cli(capsys, "--db", db_url, "reference", "import", str(path), "--table", "hs",
               "--edition", "2027", "--effective", "2026-11-01")
    assert out["table"] == "hs" and out["edition"] == "2027" and out["effective"] == "2026-11-01"
    assert out["rows"] == 2 and out["added"] == 1 and out["errors"] == []
    assert out["removed"] > 11_000  # this edition is only two lines long
    # only the open declarations using a changed code are checked again (milk's row: same)
    assert out["rechecked"] == 1 and out["statusChanged"] == 0
    with sessions() as s:
        codes = set(s.execute(select(Problem.code).where(Problem.declaration_id == phone))
                    .scalars())
        stored = s.execute(select(HsCode).where(HsCode.code == "8517140000")).scalar_one()
        edition = s.execute(select(RefEdition)).scalar_one()
        audit = s.execute(select(AuditEvent).where(AuditEvent.action == "reference.import")
                          ).scalar_one()
    assert "HS_NOT_IN_EDITION" not in codes
    assert (stored.unit1, stored.unit2, stored.vat_rate) == ("001", "035", Decimal("0.13"))
    assert edition.file_name == "tariff2027.xlsx" and len(edition.sha256) == 64
    assert audit.details["sha256"] == edition.sha256 and audit.details["edition"] == "2027"
    assert _status(sessions, sent) == "sent"
    shown = _cli(capsys, "--db", db_url, "reference", "show", "hs", "--editions")
    assert [e["name"] for e in shown["editions"]] == ["2027"]
    found = _cli(capsys, "--db", db_url, "reference", "show", "hs", "--search", "无线网络")
    assert [r["code"] for r in found["rows"]] == ["8517140000"]  # the index follows the edition
    old_name = _cli(capsys, "--db", db_url, "reference", "show", "hs", "--search", "零售包装")
    assert "1901101000" not in [r["code"] for r in old_name["rows"]]  # renamed in this edition


def test_a_file_with_errors_changes_nothing_and_names_row_and_column(
        db_url: str, sessions: sessionmaker[Session], tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    path = _xlsx(tmp_path / "bad.xlsx", [MILK, ["85171", "坏编码", "台", "", "", ""],
                                        ["8517140000", "电话", "桶装", "", "0.13", ""],
                                        ["1901101000", "重复", "千克", "", "", ""]])
    out = _cli(capsys, "--db", db_url, "reference", "import", str(path), "--table", "hs",
               code=1)
    errors = {(e["row"], e["column"]) for e in out["errors"]}
    assert errors == {(4, "code"), (5, "unit1"), (6, "code")}
    assert any("桶装" in e["message"] for e in out["errors"])
    with sessions() as s:
        assert s.scalar(select(HsCode.code).where(HsCode.code == "6912001000")) is not None
        assert s.execute(select(RefEdition)).first() is None


def test_customs_table_edition_with_a_mapping_file(
        db_url: str, sessions: sessionmaker[Session], actor: Actor, tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    with sessions() as s, s.begin():
        new_office = make_declaration(s, customsCode="2298", portCode="2298")
        check_declarations(s, actor, [new_office])
    assert _status(sessions, new_office) == "invalid"  # 2298 is not in the 2019 table
    path = tmp_path / "customs.csv"
    path.write_text("关区,关区名\n2244,上海快件\n2298,浦东新区\n5141,广州机场\n",
                    encoding="utf-8")
    mapping = tmp_path / "m.json"
    mapping.write_text(json.dumps({"关区": "code", "关区名": "name_zh"}), encoding="utf-8")
    out = _cli(capsys, "--db", db_url, "reference", "import", str(path), "--table", "customs",
               "--mapping", str(mapping))
    assert (out["rows"], out["added"], out["rechecked"], out["statusChanged"]) == (3, 1, 1, 1)
    assert _status(sessions, new_office) == "ready"


def test_positive_list_once_loaded_refuses_codes_not_on_it(
        db_url: str, sessions: sessionmaker[Session], actor: Actor, tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    plates = item_values(gcode="6912001000", gname="陶瓷餐盘", unit="011", unit1="035",
                         qty1="0.5", itemNo="SKU2")
    with sessions() as s, s.begin():
        milk, plate = make_declaration(s), make_declaration(s, items=[plates])
        check_declarations(s, actor, [milk, plate])
    assert (_status(sessions, milk), _status(sessions, plate)) == ("ready", "ready")
    listing = _cli(capsys, "--db", db_url, "reference", "list")
    assert {t["table"]: t["rows"] for t in listing["tables"]}["positive-list"] == 0
    path = _xlsx(tmp_path / "清单.xlsx", [["19011010", "婴幼儿配方奶粉", "仅限网购保税商品"]],
                 headers=["税则号列", "商品名称", "备注"])
    out = _cli(capsys, "--db", db_url, "reference", "import", str(path),
               "--table", "positive-list")
    assert (out["rows"], out["rechecked"], out["statusChanged"]) == (1, 2, 1)
    assert (_status(sessions, milk), _status(sessions, plate)) == ("ready", "invalid")
    with sessions() as s:
        assert s.execute(select(Problem.code).where(Problem.declaration_id == plate)
                         .where(Problem.severity == "error")).scalars().all() == [
            "NOT_ON_POSITIVE_LIST"]
    shown = _cli(capsys, "--db", db_url, "reference", "show", "hs", "--search", "1901101000")
    assert shown["rows"][0]["note"] == "仅限网购保税商品"


def test_checks_name_the_tariff_edition_they_used_and_keep_it(
        db_url: str, sessions: sessionmaker[Session], actor: Actor, tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    plates = item_values(gcode="6912001000", gname="陶瓷餐盘", unit="011", unit1="035",
                         qty1="0.5", itemNo="SKU2")
    with sessions() as s, s.begin():
        old, current = make_declaration(s, items=[plates]), make_declaration(s, items=[plates])
        check_declarations(s, actor, [old, current])
    with sessions() as s, s.begin():  # `old` leaves the open statuses: it is not re-checked
        s.execute(Declaration.__table__.update().where(Declaration.id == old)
                  .values(status="sent"))
    # the new edition gives the plates a second legal unit (and still no rates)
    path = _xlsx(tmp_path / "t.xlsx", [MILK, ["6912001000", "陶餐具", "千克", "件", "", ""]])
    _cli(capsys, "--db", db_url, "reference", "import", str(path), "--table", "hs",
         "--edition", "2027")

    def incomplete(decl_id: int) -> str:
        with sessions() as s:
            params = s.execute(select(Problem.params).where(
                Problem.declaration_id == decl_id, Problem.code == "TAX_RATES_UNKNOWN")
            ).scalar_one()
        return str(params["edition"])

    assert incomplete(current) == "2027"
    assert incomplete(old) == "starter CN2019+HS2022"
