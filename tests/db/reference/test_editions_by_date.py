"""A declaration is checked against the tariff edition in force on its declaration date; a new
edition never rewrites what older checks used, and re-checks only the declarations it affects."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from app.cli import main
from app.db.models import Declaration, Problem
from app.precheck.service import check_declarations
from app.security.context import Actor
from tests.factories import item_values, make_declaration

HEADERS = ["税则号列", "货品名称", "第一法定计量单位", "第二法定计量单位", "增值税率", "消费税率"]
MILK = ["1901101000", "婴幼儿配方奶粉", "千克", "", "13%", "0"]
PHONE_SETS = ["8517140000", "其他无线网络用电话机", "台", "千克", "13%", "0"]
PHONE_BY_WEIGHT = ["8517140000", "其他无线网络用电话机", "千克", "", "13%", "0"]


def _xlsx(path: Path, rows: list[list[Any]]) -> Path:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(HEADERS)
    for row in rows:
        ws.append(row)
    wb.save(path)
    return path


def _cli(capsys: pytest.CaptureFixture[str], *argv: str) -> dict[str, Any]:
    assert main([*argv, "--json"]) == 0, capsys.readouterr().err
    return json.loads(capsys.readouterr().out)  # type: ignore[no-any-return]


def _import(capsys: pytest.CaptureFixture[str], db_url: str, path: Path, edition: str,
            effective: str) -> dict[str, Any]:
    return _cli(capsys, "--db", db_url, "reference", "import", str(path), "--table", "hs",
                "--edition", edition, "--effective", effective)


def _state(sessions: sessionmaker[Session], decl_id: int) -> tuple[str, str | None, Any]:
    with sessions() as s:
        d = s.get(Declaration, decl_id)
        assert d is not None
        return d.status, d.check_hs_edition, d.checked_at


def _codes(sessions: sessionmaker[Session], decl_id: int) -> set[str]:
    with sessions() as s:
        return set(s.execute(select(Problem.code).where(Problem.declaration_id == decl_id))
                   .scalars())


def test_each_declaration_is_checked_against_the_edition_in_force_on_its_date(
        db_url: str, sessions: sessionmaker[Session], actor: Actor, tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    phone = item_values(gcode="8517140000", gname="手机", unit="001", unit1="001", qty1="1",
                        unit2="035", qty2="0.2", itemNo="SKU9")
    with sessions() as s, s.begin():
        december = make_declaration(s, items=[phone], declTime="20261215")
        january = make_declaration(s, items=[phone], declTime="20270115")
        early_jan = make_declaration(s, items=[phone], declTime="20270105")
        milk_jan = make_declaration(s, declTime="20270120")
        check_declarations(s, actor)
    # the shipped tariff lacks the phone's HS 2022 code: a warning naming that edition
    assert "HS_NOT_IN_EDITION" in _codes(sessions, december)
    out = _import(capsys, db_url, _xlsx(tmp_path / "t2026.xlsx", [MILK, PHONE_SETS]),
                  "2026", "2026-01-01")
    assert out["rechecked"] == 3  # the three phones (milk's line is the same)
    for decl in (december, january, early_jan):
        assert _state(sessions, decl)[:2] == ("ready", "2026")
        assert "HS_NOT_IN_EDITION" not in _codes(sessions, decl)
    assert _state(sessions, milk_jan)[1] == "starter CN2019+HS2022"  # not touched
    december_before = _state(sessions, december)

    # 2027 measures phones by weight: only the declarations dated 2027 are checked by it
    out = _import(capsys, db_url, _xlsx(tmp_path / "t2027.xlsx", [MILK, PHONE_BY_WEIGHT]),
                  "2027", "2027-01-01")
    assert (out["rechecked"], out["statusChanged"]) == (2, 2)
    assert _state(sessions, december) == december_before  # dated before: not rewritten
    for decl in (january, early_jan):
        assert _state(sessions, decl)[:2] == ("invalid", "2027")
        assert "HS_UNIT" in _codes(sessions, decl)

    # a third edition from 10 January goes back to sets: it touches only the declaration
    # dated after it that uses a code it changed
    untouched = {d: _state(sessions, d) for d in (december, early_jan, milk_jan)}
    out = _import(capsys, db_url, _xlsx(tmp_path / "t2027b.xlsx", [MILK, PHONE_SETS]),
                  "2027b", "2027-01-10")
    assert (out["rechecked"], out["statusChanged"]) == (1, 1)
    assert _state(sessions, january)[:2] == ("ready", "2027b")
    assert {d: _state(sessions, d) for d in untouched} == untouched
    assert untouched[early_jan][:2] == ("invalid", "2027")

    # a full check afterwards agrees, and leaves the December declaration's result alone
    with sessions() as s, s.begin():
        summary = check_declarations(s, actor, force=True)
    assert summary.status_changes == 0
    assert _state(sessions, december)[:2] == ("ready", "2026")
    assert _state(sessions, early_jan)[:2] == ("invalid", "2027")
    assert _state(sessions, milk_jan)[:2] == ("ready", "2027b")
    with sessions() as s, s.begin():  # unchanged since: every fingerprint holds
        again = check_declarations(s, actor)
    assert again.skipped == 4

    shown = _cli(capsys, "--db", db_url, "show", str(early_jan))
    assert shown["checkedAgainst"] == {"hsEdition": "2027", "positiveList": None}
    assert main(["--db", db_url, "--lang", "en", "show", str(december)]) == 0
    assert "Checked against tariff edition 2026." in capsys.readouterr().out
    history = [e for e in _cli(capsys, "--db", db_url, "show", str(january))["history"]
               if e["action"] == "declaration.status"]
    # each status change names the edition of its check (2026 changed no status)
    assert [e["details"]["hsEdition"] for e in history] == [
        "starter CN2019+HS2022", "2027", "2027b"]


def test_a_positive_list_applies_from_its_effective_date(
        db_url: str, sessions: sessionmaker[Session], actor: Actor, tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    plates = item_values(gcode="6912001000", gname="陶瓷餐盘", unit="011", unit1="035",
                         qty1="0.5", itemNo="SKU2")
    with sessions() as s, s.begin():
        before = make_declaration(s, items=[plates], declTime="20261215")
        after = make_declaration(s, items=[plates], declTime="20270201")
        check_declarations(s, actor)
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(["税则号列", "商品名称", "备注"])
    ws.append(["19011010", "婴幼儿配方奶粉", "仅限网购保税商品"])
    wb.save(tmp_path / "list.xlsx")
    out = _cli(capsys, "--db", db_url, "reference", "import", str(tmp_path / "list.xlsx"),
               "--table", "positive-list", "--edition", "清单2027", "--effective",
               "2027-01-01")
    assert (out["rechecked"], out["statusChanged"]) == (1, 1)
    assert _state(sessions, before)[0] == "ready"
    assert _state(sessions, after)[0] == "invalid"
    assert "NOT_ON_POSITIVE_LIST" in _codes(sessions, after)
    shown = _cli(capsys, "--db", db_url, "show", str(after))
    assert shown["checkedAgainst"]["positiveList"] == "清单2027"


def test_a_future_edition_is_listed_as_upcoming_not_in_force(
        db_url: str, sessions: sessionmaker[Session], actor: Actor, tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    with sessions() as s, s.begin():
        today = make_declaration(s, declTime=None)  # no date: checked as of today
        check_declarations(s, actor)
    out = _import(capsys, db_url, _xlsx(tmp_path / "t2099.xlsx", [PHONE_BY_WEIGHT]),
                  "2099", "2099-01-01")
    assert out["rechecked"] == 0  # nothing is dated 2099
    assert _state(sessions, today)[:2] == ("ready", "starter CN2019+HS2022")
    listing = {t["table"]: t for t in _cli(capsys, "--db", db_url, "reference", "list")["tables"]}
    assert (listing["hs"]["edition"], listing["hs"]["upcoming"],
            listing["hs"]["upcoming_from"]) == (None, "2099", "2099-01-01")
    assert main(["--db", db_url, "--lang", "en", "reference", "list"]) == 0
    assert "shipped (from 2099-01-01: 2099)" in capsys.readouterr().out
