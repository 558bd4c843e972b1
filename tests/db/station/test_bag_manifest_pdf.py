"""`cleardesk bags manifest -o F.pdf`: the standalone bag manifest, read back as text."""

from __future__ import annotations

import subprocess
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from app.db.models import Declaration, RouteCode
from tests.db.test_cli import run_json
from tests.factories import make_declaration


def test_the_bag_manifest_pdf_lists_every_closed_bag_with_its_parcels(
        db_url: str, sessions: sessionmaker[Session], capsys: pytest.CaptureFixture[str],
        tmp_path: Path) -> None:
    with sessions() as s, s.begin():
        s.add_all([RouteCode(scope="110000", level="province", place="北京市", code="010"),
                   RouteCode(scope="310000", level="province", place="上海市", code="021")])
        ids = [make_declaration(s, status="released", grossWeight=Decimal("1.2"),
                                consigneeAddress=address)
               for address in ("北京市朝阳区建国路1号", "北京市海淀区中关村2号",
                               "上海市浦东新区3号")
               for _ in range(20 if address.startswith("上海") else 1)]
        rows = s.execute(select(Declaration.logisticsNo, Declaration.orderNo)
                         .where(Declaration.id.in_(ids))).all()
    db = ("--db", db_url)
    bag_of: dict[str, str] = {}
    for waybill, _order in rows:
        scanned = run_json(capsys, *db, "station", "scan", waybill, "--weight", "1.2",
                           "--no-print")
        assert scanned["outcome"] == "ok"
        bag_of[waybill] = scanned["bagNo"]
    bags = sorted(set(bag_of.values()))
    assert len(bags) == 2  # one per route
    for n, bag in enumerate(bags):
        run_json(capsys, *db, "bags", "close", bag, "--weight", f"{n + 2}.5", "--no-print")

    target = tmp_path / "bags.pdf"
    out = run_json(capsys, *db, "bags", "manifest", "-o", str(target))
    assert out["file"] == str(target) and out["count"] == len(bags)
    text = subprocess.run(["pdftotext", "-layout", str(target), "-"], check=True,
                          capture_output=True, text=True).stdout
    assert "总包清单" in text and "Bag manifest" in text
    assert f"Bags: {len(bags)}" in text and f"Parcels: {len(rows)}" in text
    for n, bag in enumerate(bags):
        holding = [w for w, b in bag_of.items() if b == bag]
        route = "021" if len(holding) == 20 else "010"
        line = " ".join(next(x for x in text.splitlines() if f"Bag {bag}" in x).split())
        assert (f"Bag {bag} 路由 Route {route} 件数 Parcels {len(holding)} 重量 Weight "
                f"{n + 2}.500 kg") in line
    for waybill, order in rows:  # every parcel, once
        assert text.count(waybill) == 1 and order in text
