"""`cleardesk station …` and `cleardesk bags …` with --json, against a capture printer."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from app.db.models import Declaration
from tests.db.test_cli import run, run_json
from tests.factories import make_declaration
from tests.unit.station.test_scale import PlayedScale
from tests.unit.station.test_thermal import CapturePrinter, zbar, zpl_graphics


@pytest.fixture
def printer() -> CapturePrinter:
    p = CapturePrinter()
    yield p
    p.close()


def test_scan_hold_release_bag_close_manifest(
        db_url: str, sessions: sessionmaker[Session], capsys: pytest.CaptureFixture[str],
        printer: CapturePrinter, tmp_path: Path) -> None:
    with sessions() as s, s.begin():
        ids = [make_declaration(s, status="released", grossWeight=Decimal("1.2"))
               for _ in range(3)]
        waybills = [s.scalar(select(Declaration.logisticsNo).where(Declaration.id == i))
                    for i in ids]
    db = ("--db", db_url)
    saved = run_json(capsys, *db, "station", "printers", "set", "zebra", "--language", "zpl",
                     "--dpi", "203", "--bitmap", "yes", "--target", printer.target)
    assert saved["bitmap"] is True
    ok = run_json(capsys, *db, "station", "scan", waybills[0], "--weight", "1.22",
                  "--printer", "zebra")
    assert (ok["outcome"], ok["printed"], ok["route"]) == ("ok", True, "")
    assert zbar(zpl_graphics(printer.next_job())[0][2], tmp_path) == [waybills[0]]
    held = run_json(capsys, *db, "station", "scan", waybills[1], "--weight", "3",
                    "--printer", "zebra")
    assert held["outcome"] == "held" and held["printed"] is None
    assert [h["id"] for h in run_json(capsys, *db, "station", "holds")["holds"]] == [ids[1]]
    code, out, _ = run(capsys, *db, "station", "scan", waybills[1], "--weight", "1.2",
                       "--printer", "zebra")
    assert code == 0 and "HELD" in out
    assert run_json(capsys, *db, "station", "release", str(ids[1]), "--reason",
                    "checked")["released"]
    assert run_json(capsys, *db, "station", "scan", waybills[1], "--weight", "1.2",
                    "--printer", "zebra")["outcome"] == "ok"
    assert zbar(zpl_graphics(printer.next_job())[0][2], tmp_path) == [waybills[1]]
    again = run_json(capsys, *db, "station", "scan", waybills[0], "--weight", "1.2")
    assert again["outcome"] == "bagged" and again["bagNo"] == ok["bagNo"]

    bags = run_json(capsys, *db, "bags", "list", "--state", "open")["bags"]
    assert [(b["bagNo"], b["parcels"]) for b in bags] == [(ok["bagNo"], 2)]
    shown = run_json(capsys, *db, "bags", "show", ok["bagNo"])
    assert [d["id"] for d in shown["declarations"]] == [ids[0], ids[1]]
    closed = run_json(capsys, *db, "bags", "close", ok["bagNo"], "--weight", "2.5",
                      "--printer", "zebra")
    assert (closed["state"], closed["weight"], closed["printed"]) == ("closed", "2.5", True)
    assert zbar(zpl_graphics(printer.next_job())[0][2], tmp_path) == [ok["bagNo"]]
    manifest = run_json(capsys, *db, "bags", "manifest")
    assert (manifest["count"], manifest["parcels"], manifest["weight"]) == (1, 2, "2.5")

    export = tmp_path / "printers.json"
    assert run_json(capsys, *db, "station", "printers", "export", str(export))["printers"] == 1
    assert json.loads(export.read_text())["zebra"]["target"] == printer.target
    code, _, err = run(capsys, *db, "station", "scan", waybills[2], "--weight", "x")
    assert code == 1 and "must be a number" in err


def test_scan_reads_the_scale_from_the_settings(
        db_url: str, sessions: sessionmaker[Session],
        capsys: pytest.CaptureFixture[str]) -> None:
    with sessions() as s, s.begin():
        decl = make_declaration(s, status="released", grossWeight=Decimal("0.5"))
        waybill = s.scalar(select(Declaration.logisticsNo).where(Declaration.id == decl))
    scale = PlayedScale()
    try:
        run_json(capsys, "--db", db_url, "config", "set", "scalePort", scale.port)
        run_json(capsys, "--db", db_url, "config", "set", "scaleFormat", "reversed")
        scale.play("=005.0")  # 0.500 kg, reversed digits
        data = run_json(capsys, "--db", db_url, "station", "scan", waybill, "--scale",
                        "--no-print", "--no-bag")
        assert data["weighing"]["measuredWeight"] == "0.5"
        assert data["outcome"] == "ok" and data["bagNo"] is None
    finally:
        scale.close()
