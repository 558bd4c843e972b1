"""A parcel held for its measured weight stays a visible problem through re-checks (issue 22)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from app.db.models import Declaration
from app.precheck.problems import problem_counts
from app.security.context import system_actor
from tests.db.test_cli import run_json
from tests.factories import make_declaration


def test_a_recheck_keeps_the_weight_problem_while_the_parcel_is_held(
        db_url: str, sessions: sessionmaker[Session],
        capsys: pytest.CaptureFixture[str]) -> None:
    with sessions() as s, s.begin():
        decl = make_declaration(s, grossWeight=Decimal("1.2"))
        waybill = s.scalar(select(Declaration.logisticsNo).where(Declaration.id == decl))
    db = ("--db", db_url)
    run_json(capsys, *db, "check", "--ids", str(decl))
    assert run_json(capsys, *db, "station", "scan", waybill, "--weight", "3",
                    "--no-print")["outcome"] == "held"

    for extra in ((), ("--full",)):  # the quick re-check and the forced one
        run_json(capsys, *db, "check", "--ids", str(decl), *extra)
        shown = run_json(capsys, *db, "show", str(decl))
        assert "WEIGHT_MEASURED" in [p["code"] for p in shown["problems"]]
        with sessions() as s:
            counts = {c.code: c.errors for c in problem_counts(s, system_actor())[0]}
            errors = s.scalar(select(Declaration.error_count).where(Declaration.id == decl))
        assert counts.get("WEIGHT_MEASURED") == 1 and errors == 1

    run_json(capsys, *db, "station", "release", str(decl), "--reason", "scale was off")
    run_json(capsys, *db, "check", "--ids", str(decl), "--full")
    shown = run_json(capsys, *db, "show", str(decl))
    assert "WEIGHT_MEASURED" not in [p["code"] for p in shown["problems"]]
