"""End to end: ready → batch → submit → simulated customs → receipts → statuses."""

from __future__ import annotations

import hashlib
import json
import shutil
import zipfile
from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, sessionmaker

from app.cli.main import main as cli_main
from app.db.models import Declaration, DeclarationItem, InboundReceipt, ReceiptFile
from app.reports.evidence import export_evidence
from app.reports.evidence_sources import EvidenceSources, receipt_finder
from app.security.context import Actor, Role
from app.submission import batches, fixqueue, outbound
from app.submission.exchange import ExchangeFolderTransport
from app.submission.receipts_job import process_inbox
from app.submission.simulator import CustomsSimulator
from tests.factories import make_declaration, valid_id_number

EXPORT_HEAD = {
    "ieFlag": "E", "statisticsFlag": "A", "ownerCode": "5141960001",
    "ownerName": "广州出口贸易有限公司", "POD": "502", "fCurrency": "142", "fFlag": "3",
    "iCurrency": "142", "iFlag": "3", "country": "502", "ieDate": "20261125",
}


def _cycle(sessions: sessionmaker[Session], actor: Actor, exchange: ExchangeFolderTransport,
           sim: CustomsSimulator, rounds: int = 10) -> list[dict[str, int]]:
    results = []
    for _ in range(rounds):
        sim.run_once()
        results.append(process_inbox(sessions, actor, exchange).as_dict())
        if sim.pending() == 0:
            break
    return results


BAD_ID = "110105194912310021"  # wrong check character: customs rejects it with 100


def _submit(sessions: sessionmaker[Session], actor: Actor, exchange: ExchangeFolderTransport,
            broker: dict[str, str], ids: list[int], bad_id: Sequence[int] = (),
            split: Sequence[int] = ()) -> str:
    with sessions() as s, s.begin():
        batch_no = batches.create_batch(s, actor, ids=ids, transport=batches.TransportData(
            billNo="78412345675", trafNo="CZ3102", voyageNo="CZ3102")).batch_no
        # The pre-check keeps a wrong ID out of a batch, so for customs to see one it is
        # changed behind the application's back once the batch is made.
        if bad_id:
            s.execute(update(Declaration).where(Declaration.id.in_(bad_id))
                      .values(buyerIdNumber=BAD_ID))
        # Likewise a ¥6,000 single indivisible item (accepted by the pre-check and customs,
        # taxed in full) becomes two ¥3,000 pieces, which customs refuses (-621005).
        if split:
            s.execute(update(DeclarationItem).where(DeclarationItem.declaration_id.in_(split))
                      .values(qty=Decimal(2), price=Decimal(3000)))
    with sessions() as s, s.begin():
        outbound.record_batch(s, actor, batch_no, broker)
    outbound.deliver_pending(sessions, actor, exchange)
    return batch_no


@pytest.mark.parametrize("direction", ["I", "E"])
def test_full_cycle_reaches_released(sessions: sessionmaker[Session], actor: Actor,
                                     exchange: ExchangeFolderTransport, broker: dict[str, str],
                                     direction: str) -> None:
    extra = EXPORT_HEAD if direction == "E" else {}
    with sessions() as s, s.begin():
        # Export declarations need their own copNo (required in CEB603).
        ids = [make_declaration(s, status="ready", **extra,
                                **({"copNo": f"EXP{n:05d}"} if extra else {}))
               for n in range(25)]
    _submit(sessions, actor, exchange, broker, ids)
    sim = CustomsSimulator(exchange, seed=11, now=datetime(2026, 11, 25, 9))
    results = _cycle(sessions, actor, exchange, sim)
    assert sum(r["errors"] for r in results) == 0
    assert sum(r["unmatched"] for r in results) == 0
    with sessions() as s:
        rows = s.execute(select(Declaration.status, Declaration.preNo, Declaration.invtNo,
                                Declaration.last_return_status)).all()
        assert {r.status for r in rows} == {"released"}
        assert all(r.preNo and r.invtNo and r.last_return_status == "800" for r in rows)
        history = s.execute(select(func.count()).select_from(InboundReceipt).where(
            InboundReceipt.message_type.in_(("CEB622", "CEB604")))).scalar_one()
        assert history == 25 * 4  # every distinct return kept once
    assert not exchange.inbox_files()
    assert len(list((exchange.root / "processed").rglob("*.xml"))) >= 4


def test_duplicates_and_out_of_order_never_go_back(
        sessions: sessionmaker[Session], actor: Actor, exchange: ExchangeFolderTransport,
        broker: dict[str, str]) -> None:
    with sessions() as s, s.begin():
        ids = [make_declaration(s, status="ready") for _ in range(40)]
    _submit(sessions, actor, exchange, broker, ids)
    sim = CustomsSimulator(exchange, seed=2, now=datetime(2026, 11, 25, 9))
    sim.run_once()
    sim.run_once()
    received = list(exchange.inbox_files())
    copies = [p.read_bytes() for p in received]
    first = process_inbox(sessions, actor, exchange)
    # the client delivers the same files again
    for n, data in enumerate(copies):
        (exchange.inbox / f"again_{n}.xml").write_bytes(data)
    again = process_inbox(sessions, actor, exchange)
    assert again.applied == 0
    assert again.duplicates == again.returns == first.returns
    _cycle(sessions, actor, exchange, sim)
    with sessions() as s:
        assert set(s.execute(select(Declaration.status)).scalars()) == {"released"}


def test_rejections_fix_queue_and_holds(sessions: sessionmaker[Session], actor: Actor,
                                        exchange: ExchangeFolderTransport,
                                        broker: dict[str, str]) -> None:
    with sessions() as s, s.begin():
        bad_ids = [make_declaration(s, status="ready") for _ in range(3)]
        dear = [make_declaration(s, status="ready", buyerIdNumber=valid_id_number(
            f"11010519900101{n:03d}"), goods_total=Decimal("6000"),
            items=[{"gcode": "1901101000", "gname": "奶粉", "gmodel": "800g", "country": "116",
                    "currency": "142", "qty": Decimal("1"), "unit": "122",
                    "qty1": Decimal("0.8"), "unit1": "035", "price": Decimal("6000"),
                    "totalPrice": Decimal("6000")}]) for n in range(2)]
        others = [make_declaration(s, status="ready") for _ in range(30)]
    _submit(sessions, actor, exchange, broker, bad_ids + dear + others, bad_id=bad_ids,
            split=dear)
    sim = CustomsSimulator(exchange, seed=4, reject_rate=0.4, now=datetime(2026, 11, 25, 9))
    _cycle(sessions, actor, exchange, sim)
    with sessions() as s:
        groups = {g.code: g for g in fixqueue.fix_groups(s, actor)}
        assert groups["100"].count >= 3
        assert groups["-621005"].count == 2
        assert groups["-621005"].explanation is not None
        assert set(fixqueue.declarations_for_cause(s, actor, "-621005")) == set(dear)
        held = fixqueue.held_declarations(s, actor)
        assert held and {h.status for h in held} == {"inspection"}


def test_hostile_and_unmatched_receipts_are_quarantined(
        sessions: sessionmaker[Session], actor: Actor, exchange: ExchangeFolderTransport,
        broker: dict[str, str]) -> None:
    exchange.available()
    (exchange.inbox / "evil.xml").write_bytes(
        b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        b'<CEB622Message xmlns="http://www.chinaport.gov.cn/ceb"><InventoryReturn>'
        b"<copNo>&x;</copNo></InventoryReturn></CEB622Message>")
    from app.submission.receipt_builders import build_inventory_receipt

    (exchange.inbox / "stranger.xml").write_bytes(build_inventory_receipt("CEB622", [{
        "guid": "A" * 36, "copNo": "NOT-OURS-1", "preNo": "B20261125000000001",
        "returnStatus": "2", "returnTime": "20261125100000000", "returnInfo": "x"}]))
    r = process_inbox(sessions, actor, exchange, today=datetime(2026, 11, 25).date())
    assert (r.files, r.errors, r.unmatched, r.applied) == (2, 1, 1, 0)
    quarantined = {p.name for p in exchange.error_files()}
    assert quarantined == {"evil.xml", "stranger.xml"}
    reason = (exchange.root / "error" / "20261125" / "evil.xml.reason.txt").read_text("utf-8")
    assert "Refused" in reason
    assert "NOT-OURS-1" in (exchange.root / "error" / "20261125" /
                            "stranger.xml.reason.txt").read_text("utf-8")


def _cli(capsys: pytest.CaptureFixture[str], *args: str) -> dict[str, object]:
    code = cli_main(list(args))
    out = capsys.readouterr().out
    assert code == 0, out
    return json.loads(out)  # type: ignore[no-any-return]


def test_cli_json(db_url: str, sessions: sessionmaker[Session], actor: Actor,
                  exchange: ExchangeFolderTransport, broker: dict[str, str], tmp_path: Path,
                  capsys: pytest.CaptureFixture[str]) -> None:
    with sessions() as s, s.begin():
        for _ in range(4):
            make_declaration(s, status="ready")
    created = _cli(capsys, "--db", db_url, "batch", "create", "--status", "ready", "--limit",
                   "3", "--bill-no", "78412345675", "--traf-mode", "5", "--traf-no", "CZ3102",
                   "--voyage-no", "CZ3102", "--json")
    assert list(created) == ["batch", "declarations"] and created["declarations"] == 3
    submitted = _cli(capsys, "--db", db_url, "submit", str(created["batch"]), "--exchange",
                     str(exchange.root), "--json")
    assert list(submitted) == ["batch", "messages", "declarations", "files"]
    assert submitted["messages"] == 1 and submitted["declarations"] == 3
    assert Path(submitted["files"][0]).exists()  # type: ignore[index]
    sim = _cli(capsys, "simulate-customs", "--exchange", str(exchange.root), "--seed", "1",
               "--once", "--json")
    assert sim["messages"] == 1
    receipts = _cli(capsys, "--db", db_url, "receipts", "--json")
    assert list(receipts) == ["files", "returns", "applied", "duplicates", "unmatched",
                              "errors", "waiting", "quarantined", "retried", "problems"]
    assert receipts["returns"] >= 1  # type: ignore[operator]
    listed = _cli(capsys, "--db", db_url, "batch", "list", "--json")
    assert listed["batches"][0]["batch_no"] == created["batch"]  # type: ignore[index]
    shown = _cli(capsys, "--db", db_url, "batch", "show", str(created["batch"]), "--json")
    assert shown["batch"]["state"] == "sent"  # type: ignore[index]


def _s10(serial: int) -> str:
    digits = f"{serial:08d}"
    check = 11 - sum(int(d) * w for d, w in zip(digits, (8, 6, 4, 2, 3, 5, 9, 7),
                                                strict=True)) % 11
    return f"EA{digits}{ {10: 0, 11: 5}.get(check, check)}CN"


def test_fixed_rejection_is_redeclared_as_amendment(
        sessions: sessionmaker[Session], actor: Actor, exchange: ExchangeFolderTransport,
        broker: dict[str, str]) -> None:
    with sessions() as s, s.begin():
        bad = make_declaration(s, status="ready", logisticsNo=_s10(12345678))
    _submit(sessions, actor, exchange, broker, [bad], bad_id=[bad])
    sim = CustomsSimulator(exchange, seed=1)
    _cycle(sessions, actor, exchange, sim)
    with sessions() as s, s.begin():
        d = s.get(Declaration, bad)
        assert d is not None and d.status == "rejected" and d.preNo
        cop_no = d.copNo
        # the clerk fixes the ID number, then re-declares it from the To fix list
        d.buyerIdNumber = valid_id_number()
    with sessions() as s, s.begin():
        assert fixqueue.redeclare(s, actor, [bad]) == fixqueue.RedeclareResult(1, 1, 0)
    _submit(sessions, actor, exchange, broker, [bad])
    sent = sorted((exchange.root / "sent").rglob("*.xml"))[-1].read_bytes()
    assert b"<ceb:appType>2</ceb:appType>" in sent
    assert f"<ceb:copNo>{cop_no}</ceb:copNo>".encode() in sent
    _cycle(sessions, actor, exchange, sim)
    with sessions() as s:
        d = s.get(Declaration, bad)
        assert d is not None and d.status == "released"


def test_receipts_stored_meanwhile_by_another_run_count_as_duplicates(
        sessions: sessionmaker[Session], actor: Actor, exchange: ExchangeFolderTransport,
        broker: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    from app.submission import receipts_job

    with sessions() as s, s.begin():
        ids = [make_declaration(s, status="ready") for _ in range(5)]
    _submit(sessions, actor, exchange, broker, ids)
    CustomsSimulator(exchange, seed=8).run_once()
    copies = {p.name: p.read_bytes() for p in exchange.inbox_files()}
    first = process_inbox(sessions, actor, exchange)
    for name, data in copies.items():
        (exchange.inbox / name).write_bytes(data)
    real = receipts_job._seen_keys
    calls = []

    def stale_once(session: Session, keys: list[str]) -> set[str]:
        calls.append(1)
        return set() if len(calls) == 1 else real(session, keys)  # first read is stale

    monkeypatch.setattr(receipts_job, "_seen_keys", stale_once)
    again = process_inbox(sessions, actor, exchange)
    assert len(calls) == 2  # the unique content key caught it; the chunk was planned again
    assert again.applied == 0 and again.duplicates == first.returns


def test_cli_redeclare(db_url: str, sessions: sessionmaker[Session],
                       capsys: pytest.CaptureFixture[str]) -> None:
    with sessions() as s, s.begin():
        ids = [make_declaration(s, status="rejected", last_return_status="100",
                                last_return_info="海关退单", logisticsNo=_s10(n))
               for n in (11111111, 22222222)]
    out = _cli(capsys, "--db", db_url, "to-fix", "--json")
    (group,) = out["groups"]  # type: ignore[misc]
    assert group["count"] == 2 and group["code"] == "100"
    result = _cli(capsys, "--db", db_url, "redeclare", "--cause", group["cause"], "--json")
    assert result == {"redeclared": 2, "ready": 2, "invalid": 0}
    with sessions() as s:
        assert set(s.execute(select(Declaration.status).where(Declaration.id.in_(ids)))
                   .scalars()) == {"ready"}


def test_receipt_files_are_kept_for_the_evidence_pack(
        sessions: sessionmaker[Session], actor: Actor, exchange: ExchangeFolderTransport,
        broker: dict[str, str], tmp_path: Path) -> None:
    with sessions() as s, s.begin():
        ids = [make_declaration(s, status="ready") for _ in range(6)]
    batch_no = _submit(sessions, actor, exchange, broker, ids)
    sim = CustomsSimulator(exchange, seed=5, now=datetime(2026, 11, 25, 9))
    _cycle(sessions, actor, exchange, sim)
    processed = {hashlib.sha256(p.read_bytes()).hexdigest(): p.read_bytes()
                 for p in (exchange.root / "processed").rglob("*.xml")}
    with sessions() as s:
        kept = {f.sha256: f.content for f in s.execute(select(ReceiptFile)).scalars()}
    assert kept == processed  # every applied file, byte for byte, once
    # The same files delivered again store nothing new.
    for n, data in enumerate(processed.values()):
        (exchange.inbox / f"again_{n}.xml").write_bytes(data)
    process_inbox(sessions, actor, exchange)
    with sessions() as s:
        assert s.execute(select(func.count()).select_from(ReceiptFile)).scalar_one() == len(kept)
    # The exchange folder is cleaned up (or the stick is gone): the pack still has the originals.
    shutil.rmtree(exchange.root)
    supervisor = Actor("wang.sup", Role.SUPERVISOR)
    with sessions() as s, s.begin():
        result = export_evidence(s, supervisor, batch_no, tmp_path / "pack.zip",
                                 EvidenceSources(None, None, receipt_finder(None)))
    assert result.counts["receiptsAsRecorded"] == 0
    with zipfile.ZipFile(result.path) as zf:
        packed = {hashlib.sha256(zf.read(n)).hexdigest() for n in zf.namelist()
                  if n.startswith("receipts/")}
    assert packed == set(kept)
    assert result.counts["receipts"] == len(kept)


def test_cli_batch_of_stale_declarations_stores_why(db_url: str,
                                                    sessions: sessionmaker[Session],
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    with sessions() as s, s.begin():
        stale = make_declaration(s, status="ready")
        # Broken behind the pre-check's back: the stored "ready" is stale.
        s.execute(update(Declaration).where(Declaration.id == stale)
                  .values(netWeight=Decimal("0")))
    code = cli_main(["--db", db_url, "batch", "create", "--ids", str(stale), "--bill-no",
                     "78412345675", "--traf-no", "CZ3102", "--voyage-no", "CZ3102"])
    out = capsys.readouterr()
    assert code == 1 and f"#{stale}" in out.out + out.err
    with sessions() as s:  # the refusal's re-check is kept: the grid shows it as invalid
        assert s.get(Declaration, stale).status == "invalid"  # type: ignore[union-attr]


def test_cli_batch_of_several_logistics_companies_needs_the_flag(
        db_url: str, sessions: sessionmaker[Session],
        capsys: pytest.CaptureFixture[str]) -> None:
    with sessions() as s, s.begin():
        ids = [make_declaration(s, status="ready") for _ in range(2)]
        s.execute(update(Declaration).where(Declaration.id == ids[0])
                  .values(logisticsCode="4403980A01", logisticsName="顺丰速运"))
    code = cli_main(["--db", db_url, "batch", "create", "--status", "ready"])
    out = capsys.readouterr()
    assert code == 1 and "2 logistics companies" in out.err and "4403980A01" in out.err
    code = cli_main(["--db", db_url, "batch", "create", "--status", "ready",
                     "--mixed-logistics", "--json"])
    assert code == 0 and '"declarations": 2' in capsys.readouterr().out
