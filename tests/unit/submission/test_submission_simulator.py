"""The training customs answers like the real one (no database involved here)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from lxml import etree

from app.submission import ceb, xsd
from app.submission import specimen as s
from app.submission.ceb import InventoryInput
from app.submission.exchange import ExchangeFolderTransport, message_file_name
from app.submission.receipts import ReceiptReturn, parse_receipt
from app.submission.simulator import CustomsSimulator, id_checksum_ok

WHEN = datetime(2026, 11, 25, 10, 0, 0)


def _send(t: ExchangeFolderTransport, direction: str, invs: list[InventoryInput], seq: int) -> None:
    for n, msg in enumerate(ceb.build_messages(direction, invs, s.SPECIMEN_TRANSFER), start=seq):  # type: ignore[arg-type]
        t.hand_over(message_file_name(msg.message_type, "B1", WHEN, n), msg.xml, "20261125")


def _collect(t: ExchangeFolderTransport) -> list[ReceiptReturn]:
    out: list[ReceiptReturn] = []
    for path in t.inbox_files():
        out.extend(parse_receipt(path.read_bytes()).returns)
        t.move_processed(path, "20261125")
    return out


def _run_until_quiet(sim: CustomsSimulator, t: ExchangeFolderTransport) -> list[ReceiptReturn]:
    got: list[ReceiptReturn] = []
    for _ in range(12):
        sim.run_once()
        got.extend(_collect(t))
        if sim.pending() == 0:
            break
    return got


def test_id_checksum() -> None:
    assert id_checksum_ok("11010519491231002X")
    assert not id_checksum_ok("110105194912310021")


def test_progression_to_release(tmp_path: Path) -> None:
    t = ExchangeFolderTransport(tmp_path)
    t.available()
    _send(t, "I", [s.import_inventory(n) for n in range(1, 31)], 1)
    sim = CustomsSimulator(t, seed=3, now=WHEN)
    returns = _run_until_quiet(sim, t)
    assert t.outbox_files() == []
    by_cop: dict[str, list[ReceiptReturn]] = {}
    for r in returns:
        if r.kind == "CEB622":  # released parcels also get their tax bills (CEB816/818)
            by_cop.setdefault(r.copNo, []).append(r)
    assert len(by_cop) == 30
    bills = {r.tax.taxNo for r in returns if r.kind == "CEB816" and r.tax is not None}
    assert len(bills) == 30
    for rs in by_cop.values():
        assert {r.returnStatus for r in rs} == {"2", "120", "399", "800"}
        final = max(rs, key=lambda r: r.returnTime)
        assert final.returnStatus == "800" and final.preNo and final.invtNo
    # realistic noise: something arrived twice or out of order
    file_order = [r.returnStatus for r in returns]
    assert len(returns) > 30 * 4 or file_order != sorted(file_order, key=int)


def test_rule_rejections(tmp_path: Path) -> None:
    t = ExchangeFolderTransport(tmp_path)
    t.available()
    bad_id = InventoryInput(s.import_head(2, buyerIdNumber="110105194912310021"),
                            [s.import_item()])
    too_dear = InventoryInput(s.import_head(3, buyerIdNumber="110101199003074477"),
                              [s.import_item(1, price=ceb.Decimal("6000"),
                                             totalPrice=ceb.Decimal("6000"))])
    _send(t, "I", [s.import_inventory(1), bad_id, too_dear], 1)
    sim = CustomsSimulator(t, seed=1, now=WHEN)
    first = _run_until_quiet(sim, t)
    codes = {r.copNo: r.returnStatus for r in first if not r.returnStatus.isdigit()
             or r.returnStatus == "100"}
    assert codes == {"CD000000000002": "100", "CD000000000003": "-621005"}
    # the same declaration sent again as new: customs says it was already declared
    _send(t, "I", [s.import_inventory(1)], 5)
    again = _run_until_quiet(sim, t)
    assert {r.returnStatus for r in again} == {"-621004"}


def test_schema_failure_gets_ceb900(tmp_path: Path) -> None:
    t = ExchangeFolderTransport(tmp_path)
    t.available()
    msg = ceb.build_message("I", [s.import_inventory(1)], s.SPECIMEN_TRANSFER)
    broken = msg.xml.replace(b"<ceb:gcode>9619001100</ceb:gcode>", b"<ceb:gcode>96</ceb:gcode>")
    t.hand_over("CEB621_B1_x_0001.xml", broken, "20261125")
    sim = CustomsSimulator(t, seed=1, now=WHEN)
    sim.run_once()
    (r,) = _collect(t)
    assert r.kind == "CEB900" and r.status_code is not None and r.status_code < 0
    assert r.guid == msg.guid and r.ori_cop_nos == ("CD000000000001",)


def test_export_receipts_valid_and_progress(tmp_path: Path) -> None:
    t = ExchangeFolderTransport(tmp_path)
    t.available()
    _send(t, "E", [s.export_inventory(n) for n in range(1, 4)], 1)
    sim = CustomsSimulator(t, seed=5, now=WHEN)
    sim.run_once()
    schema = xsd.message_schema("E")
    for path in t.inbox_files():
        assert path.name.startswith("CEB604_")
        assert schema.validate(etree.fromstring(path.read_bytes())), schema.error_log
    returns = _collect(t) + _run_until_quiet(sim, t)
    assert {r.kind for r in returns} == {"CEB604"}
    assert {r.copNo for r in returns if r.returnStatus == "800"} == {
        "CE000000000001", "CE000000000002", "CE000000000003"}


def test_reject_rate_is_seeded(tmp_path: Path) -> None:
    results = []
    for run in range(2):
        root = tmp_path / str(run)
        root.mkdir()
        t = ExchangeFolderTransport(root)
        t.available()
        _send(t, "I", [s.import_inventory(n, ) for n in range(1, 41)], 1)
        sim = CustomsSimulator(t, seed=9, reject_rate=0.5, now=WHEN)
        sim.run_once()
        results.append(sorted((r.copNo, r.returnStatus) for r in _collect(t)))
    assert results[0] == results[1]
    statuses = {st for _, st in results[0]}
    assert {"100", "500"} <= statuses


def test_one_indivisible_item_over_the_limit_is_accepted_like_the_precheck_says(
        tmp_path: Path) -> None:
    from app.reference.tables import shipped_reference_tables
    from app.rules.context import CheckContext
    from app.rules.money import check_single_limit
    from app.rules.problem import Severity

    t = ExchangeFolderTransport(tmp_path)
    t.available()
    one_piece = s.import_item(1, qty=ceb.Decimal("1"), price=ceb.Decimal("6000"),
                              totalPrice=ceb.Decimal("6000"))
    two_pieces = s.import_item(1, qty=ceb.Decimal("2"), price=ceb.Decimal("3000"),
                               totalPrice=ceb.Decimal("6000"))
    invs = [InventoryInput(s.import_head(n, buyerIdNumber=buyer), [item])
            for n, buyer, item in ((3, "110101199003074477", one_piece),
                                   (4, "11010519491231002X", two_pieces))]
    _send(t, "I", invs, 1)
    returns = _run_until_quiet(CustomsSimulator(t, seed=1, now=WHEN), t)
    final = {r.copNo: r.returnStatus for r in sorted(returns, key=lambda r: r.returnTime)
             if r.kind == "CEB622"}  # released parcels also get their tax bills
    assert final == {"CD000000000003": "800", "CD000000000004": "-621005"}

    # The pre-check says the same of both: a warning (taxed in full) and an error.
    ctx = CheckContext(ref=shipped_reference_tables(), today=WHEN.date())
    severities = [[p.severity for p in check_single_limit({**inv.head, "items": inv.items}, ctx)]
                  for inv in invs]
    assert severities == [[Severity.WARNING], [Severity.ERROR]]
