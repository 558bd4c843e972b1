"""The shipped reference tables at real size: a fresh office can declare at its own customs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import select

from app.cli import main
from app.db.engine import make_engine, make_session_factory
from app.db.models import Declaration, Problem
from tests.factories import item_values, make_declaration

OFFICE = {"agentCode": "3120980105", "agentName": "上海快件报关有限公司",
          "customsCode": "2244", "portCode": "2244"}
CODE_TABLE_RULES = {"UNKNOWN_CODE", "HS_UNKNOWN", "HS_UNIT"}


def _cli(capsys: pytest.CaptureFixture[str], *argv: str) -> dict:  # type: ignore[type-arg]
    assert main([*argv, "--json"]) == 0, capsys.readouterr().err
    return json.loads(capsys.readouterr().out)  # type: ignore[no-any-return]


def test_fresh_office_at_shanghai_express_passes_the_code_table_rules(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    url = f"sqlite:///{tmp_path / 'office.sqlite3'}"
    _cli(capsys, "--db", url, "init")
    for key, value in OFFICE.items():
        _cli(capsys, "--db", url, "config", "set", key, value)
    engine = make_engine(url)
    sessions = make_session_factory(engine)
    plates = item_values(gcode="6912001000", gname="陶瓷餐盘", unit="011", unit1="035",
                         qty1="0.5", price="50", totalPrice="50", itemNo="SKU002")
    with sessions() as s, s.begin():
        decl_id = make_declaration(s, items=[item_values(), plates], **OFFICE,
                                   goods_total="248")
    result = _cli(capsys, "--db", url, "check", "--ids", str(decl_id))
    assert result["ready"] == 1, result
    with sessions() as s:
        decl = s.execute(select(Declaration).where(Declaration.id == decl_id)).scalar_one()
        found = {(p.code, p.severity) for p in s.execute(
            select(Problem).where(Problem.declaration_id == decl_id)).scalars()}
        assert decl.status == "ready"
        assert not {code for code, _ in found} & CODE_TABLE_RULES
        # the plates' code is from the 2019 tariff: no rates, so no figure rather than half one
        assert ("TAX_RATES_UNKNOWN", "warning") in found
        assert decl.tax_estimate is None
    engine.dispose()
