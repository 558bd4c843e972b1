"""The issue's scenario: a clerk scans 50 parcels with a simulated scale and printer."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session, sessionmaker

from app.db.models import Declaration, ParcelWeighing, PrintLog, RouteCode, ThermalJob
from app.security.context import Actor
from app.station.bags import bag_manifest, get_bag, list_bags
from app.station.cycle import StationCycle
from app.station.profiles import ThermalProfile
from app.station.scale import ScaleMonitor, ScaleSettings
from app.station.weighing import Tolerance, held_ids
from tests.factories import make_declaration
from tests.unit.station.test_scale import PlayedScale
from tests.unit.station.test_thermal import CapturePrinter, tspl_bitmaps, zbar, zpl_graphics

SHENZHEN = "广东省深圳市南山区科技园南区深南大道10000号"
GUANGZHOU = "广东省广州市天河区天河路385号太古汇一座2801室"


@pytest.fixture
def scale() -> PlayedScale:
    played = PlayedScale()
    yield played
    played.close()


def test_fifty_parcels_weighed_labelled_and_bagged(
        sessions: sessionmaker[Session], actor: Actor, scale: PlayedScale, tmp_path: Path) -> None:
    with sessions() as s, s.begin():
        s.execute(insert(RouteCode), [
            {"scope": "440300", "level": "city", "place": "广东省深圳市", "code": "755-A"},
            {"scope": "440100", "level": "city", "place": "广东省广州市", "code": "020-B"}])
        decls = [make_declaration(s, status="released", grossWeight=Decimal("1.2"),
                                  consigneeAddress=SHENZHEN if n % 2 else GUANGZHOU)
                 for n in range(50)]
        waybills = dict(s.execute(select(Declaration.id, Declaration.logisticsNo)).all())
    overweight = {decls[7], decls[30]}
    printer = CapturePrinter()
    monitor = ScaleMonitor(ScaleSettings(port=scale.port, stable_count=2)).start()
    try:
        zpl = ThermalProfile("zebra", "zpl", bitmap=True, target=printer.target)
        tspl = ThermalProfile("gp", "tspl", dpi=203, bitmap=True, target=printer.target)
        results = []
        for n, decl in enumerate(decls):
            kg = "2.500" if decl in overweight else "1.215"
            scale.send("ST,GS,+  0.000kg\r\n" + f"ST,GS,+  {kg}kg\r\n" * 2)
            weight = monitor.take(5)
            assert weight == Decimal(kg)
            cycle = StationCycle(sessions, actor, Tolerance(), zpl if n < 25 else tspl)
            results.append(cycle.run(waybills[decl].lower() + "\n", weight))
        outcomes = [r.outcome for r in results]
        assert outcomes.count("ok") == 48 and outcomes.count("held") == 2
        assert {r.parcel.id for r in results if r.outcome == "held"} == overweight
        assert all(r.printed is not None and r.printed.sent for r in results if r.outcome == "ok")
        # labels: 48 jobs, ZPL then TSPL, each barcode decodes to its parcel's waybill
        jobs = [printer.next_job() for _ in range(48)]
        first, last = jobs[0], jobs[-1]
        assert first.startswith(b"^XA") and last.startswith(b"SIZE")
        assert zbar(zpl_graphics(first)[0][2], tmp_path) == [waybills[decls[0]]]
        assert zbar(tspl_bitmaps(last)[0][2], tmp_path) == [waybills[decls[-1]]]
        # rescanning says which bag holds the parcel
        again = StationCycle(sessions, actor, Tolerance(), zpl).run(waybills[decls[0]],
                                                                   Decimal("1.2"))
        assert again.outcome == "bagged" and again.bag_no == results[0].bag.bag_no

        with sessions() as s:
            assert s.scalar(select(func.count()).select_from(ParcelWeighing)) == 50
            assert s.scalar(select(func.count()).select_from(PrintLog)) == 48
            assert s.scalar(select(func.count()).select_from(ThermalJob)
                            .where(ThermalJob.state == "sent")) == 48
            assert held_ids(s) == sorted(overweight)
            open_bags = list_bags(s, actor, state="open")
        assert sorted((b.route, b.parcels) for b in open_bags) == [("020-B", 24), ("755-A", 24)]
        cycle = StationCycle(sessions, actor, Tolerance(), zpl)
        for bag in open_bags:
            scale.send("ST,GS,+  0.000kg\r\n" + "ST,GS,+ 29.160kg\r\n" * 2)
            closed, printed = cycle.close_bag(bag.bag_no, monitor.take(5))
            assert closed.state == "closed" and printed is not None and printed.sent
            assert zbar(zpl_graphics(printer.next_job())[0][2], tmp_path) == [bag.bag_no]
        with sessions() as s:
            manifest = bag_manifest(s, actor)
            assert sorted(b.bag_no for b in manifest) == sorted(b.bag_no for b in open_bags)
            assert all(b.weight_kg == Decimal("29.16") for b in manifest)
            _, parcels = get_bag(s, actor, manifest[0].bag_no)
            assert len(parcels) == 24
    finally:
        monitor.stop()
        printer.close()
