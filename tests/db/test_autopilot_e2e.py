"""The autopilot end to end in the training setup (issue 25): a platform's file dropped in a
watch folder → `cleardesk autopilot --once` imports and pre-checks it → an approved rule
batches the clean parcels at its cut-off and hands them over through the outbox → the
training customs answers → the next passes read the receipts → the clean parcels are
released, the flawed ones wait in the exceptions with their causes, nothing else is touched.
Then the same with the autopilot killed after the import, after batching, while handing over
and while reading receipts: started again, nothing is lost, doubled or forked.

Runs on SQLite and, with CLEARDESK_TEST_PG, on PostgreSQL."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from app.cli import main
from app.db.models import (
    AuditEvent,
    Batch,
    Declaration,
    ImportJob,
    InboundReceipt,
    OutboundMessage,
)
from app.security.context import system_actor
from app.security.users import UserService
from app.submission.exchange import ExchangeFolderTransport
from app.submission.simulator import CustomsSimulator
from tests.db.reference.test_real_codes_pass import GOODS, HEADERS, OFFICE
from tests.factories import valid_id_number
from tests.unit.intake.filemakers import write_xlsx

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "Correct-horse-42"
BEFORE_CUTOFF, AT_CUTOFF = "2026-12-05T09:00", "2026-12-05T10:31"
CLEAN = ["TM0001", "TM0002", "TM0003", "TM0004", "TM0005", "TM0006"]
BAD_ID, NO_ADDRESS, OVER_LIMIT, WARNED, BAD_QTY = (
    "TM0101", "TM0102", "TM0103", "TM0104", "TM0105")
# What a person must look at, by (kind, cause): nothing else may be listed.
EXCEPTIONS = {("import", "天猫国际-1205.xlsx"): 1, ("precheck", "ID_CHECKSUM"): 1,
              ("precheck", "REQUIRED"): 1, ("precheck", "LIMIT_SINGLE"): 1,
              ("warning", "RESTRICTED_GOODS"): 1}


def _row(order: str, n: int, goods: int) -> list[Any]:
    name, hs, model, country, qty, unit, qty1, unit1, price = GOODS[goods]
    return [order, f"EA{n:08d}CN", "31209606ZN", "天猫国际", "3120966A0C", "天猫国际进口超市",
            "王芳", valid_id_number(f"31010119900101{n:03d}"), f"1391234{n:04d}",
            f"上海市浦东新区世纪大道{n}号", name, hs, model, country, qty, unit, qty1, unit1,
            price, str(int(price) * qty), "人民币", "0", "0", "日本", "2.0", "1.8"]


def _drop(watch: Path) -> Path:
    """The platform's file: six clean orders and five flawed ones, written long enough ago
    to count as complete."""
    rows = [_row(order, n, goods) for n, (order, goods) in
            enumerate(zip(CLEAN, (0, 1, 2, 5, 6, 0), strict=True), 1)]
    bad_id = _row(BAD_ID, 11, 0)
    bad_id[7] = "110105194912310021"  # wrong check character
    no_address = _row(NO_ADDRESS, 12, 2)
    no_address[9] = ""
    over = _row(OVER_LIMIT, 13, 0)
    over[18], over[19] = "6000", str(6000 * over[14])  # ¥12,000: over the single limit
    warned = _row(WARNED, 14, 7)  # perfume: restricted goods, a warning nobody acknowledged
    bad_qty = _row(BAD_QTY, 15, 1)
    bad_qty[14] = "abc"  # the import rejects the row
    path = write_xlsx(watch / "天猫国际-1205.xlsx", HEADERS,
                      [*rows, bad_id, no_address, over, warned, bad_qty])
    past = time.time() - 3600
    os.utime(path, (past, past))
    return path


def _cli(capsys: pytest.CaptureFixture[str], db_url: str, user: str, *argv: str
         ) -> dict[str, Any]:
    code = main(["--db", db_url, "--lang", "en", "--user", user, *argv, "--json"])
    out, err = capsys.readouterr()
    assert code == 0, err
    return json.loads(out)  # type: ignore[no-any-return]


def _office(db_url: str, sessions: sessionmaker[Session], tmp_path: Path,
            capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
            ) -> tuple[Path, ExchangeFolderTransport]:
    """A broker office: its codes, an exchange folder, a watch folder, supervisors 王 (who
    approves the rule) and 赵 (who runs the autopilot)."""
    monkeypatch.setenv("CLEARDESK_PASSWORD", PASSWORD)
    with sessions() as session, session.begin():
        users = UserService(session)
        users.add(None, "boss", "admin", PASSWORD)
        users.add(system_actor(), "wang", "supervisor", PASSWORD)
        users.add(system_actor(), "zhao", "supervisor", PASSWORD)
    exchange = tmp_path / "exchange"
    watch = tmp_path / "drop"
    exchange.mkdir()
    watch.mkdir()
    for key, value in {**OFFICE, "exchangeDir": str(exchange)}.items():
        _cli(capsys, db_url, "boss", "config", "set", key, value)
    rule = _cli(capsys, db_url, "wang", "autopilot", "--rule", "午班", "--bill", "78412345675",
                "--traf-no", "MU5101", "--voyage", "MU5101", "--size", "500",
                "--cutoffs", "10:30,16:00")
    assert rule["approvedBy"] == "wang"
    return watch, ExchangeFolderTransport(exchange)


def _pass(capsys: pytest.CaptureFixture[str], db_url: str, watch: Path, now: str
          ) -> dict[str, Any]:
    return _cli(capsys, db_url, "zhao", "autopilot", "--once", "--watch", str(watch),
                "--now", now)


def _statuses(sessions: sessionmaker[Session]) -> dict[str, str]:
    with sessions() as s:
        return dict(s.execute(select(Declaration.orderNo, Declaration.status)).all())


def _customs_until_quiet(capsys: pytest.CaptureFixture[str], db_url: str, watch: Path,
                         exchange: ExchangeFolderTransport,
                         sim: CustomsSimulator | None = None) -> None:
    """Customs answers a tick at a time; each autopilot pass reads what it answered."""
    sim = sim or CustomsSimulator(exchange, seed=3)
    for _ in range(12):
        sim.run_once()
        _pass(capsys, db_url, watch, AT_CUTOFF)
        if sim.pending() == 0:
            break
    assert sim.pending() == 0


def _counts(sessions: sessionmaker[Session]) -> dict[str, int]:
    with sessions() as s:
        def n(model: Any) -> int:
            return int(s.execute(select(func.count()).select_from(model)).scalar_one())

        return {"declarations": n(Declaration), "orders": int(s.execute(
                    select(func.count(func.distinct(Declaration.orderNo)))).scalar_one()),
                "imports": n(ImportJob), "batches": n(Batch), "messages": n(OutboundMessage),
                "receipts": n(InboundReceipt)}


def _assert_flow_untouched(sessions: sessionmaker[Session], capsys: pytest.CaptureFixture[str],
                           db_url: str, watch: Path, exchange: ExchangeFolderTransport) -> None:
    statuses = _statuses(sessions)
    assert statuses == {**dict.fromkeys(CLEAN, "released"), BAD_ID: "invalid",
                        NO_ADDRESS: "invalid", OVER_LIMIT: "invalid", WARNED: "ready"}
    counts = _counts(sessions)
    # Once each: one file imported, one batch, one inventory message, and every return
    # customs gave for each clean parcel (2 → 120 → 399 → 800) applied once.
    assert {k: v for k, v in counts.items() if k != "receipts"} == {
        "declarations": 10, "orders": 10, "imports": 1, "batches": 1, "messages": 1}
    with sessions() as s:
        applied = s.execute(select(InboundReceipt.message_type, func.count())
                            .where(InboundReceipt.message_type == "CEB622")
                            .group_by(InboundReceipt.message_type)).all()
        batched = set(s.execute(select(Declaration.orderNo)
                                .where(Declaration.batch_id.is_not(None))).scalars())
        (batch,) = s.execute(select(Batch)).scalars()
        assert (batch.state, batch.bill_no, batch.created_by) == ("sent", "78412345675",
                                                                  "autopilot:wang")
        actors = set(s.execute(select(AuditEvent.action, AuditEvent.user_name).where(
            AuditEvent.action.in_(("import.file", "batch.create", "batch.submit",
                                   "declaration.send", "message.write", "receipt.apply")))
            .distinct()).all())
    assert applied == [("CEB622", len(CLEAN) * 4)]
    assert batched == set(CLEAN)  # the flawed parcels never went near a batch
    # The autopilot acted for 王, who approved the rule, when it batched and handed over; for
    # 赵, who runs it, when it imported and read the receipts.
    assert actors == {("import.file", "autopilot:zhao"), ("batch.create", "autopilot:wang"),
                      ("batch.submit", "autopilot:wang"), ("declaration.send", "autopilot:wang"),
                      ("message.write", "autopilot:wang"), ("receipt.apply", "autopilot:zhao")}
    # The handed-over file is in sent/ once (the outbox is empty: customs took it).
    assert [p.name.split("_")[0] for p in (exchange.root / "sent").rglob("*.xml")] == ["CEB621"]
    assert not exchange.outbox_files() and not exchange.inbox_files()
    # What a person sees: exactly the flawed parcels, each under its cause.
    listed = _cli(capsys, db_url, "zhao", "autopilot", "--exceptions")
    found = {(e["kind"], e["cause"]): e["count"] for e in listed["exceptions"]}
    assert found == EXCEPTIONS and listed["total"] == 5
    # The file went to done/ with the rejected row's reason beside it.
    (done,) = (watch / "done").glob("*/天猫国际-1205.xlsx")
    reason = done.with_name(done.name + ".reason.txt").read_text(encoding="utf-8")
    assert reason.startswith("1 rows of 天猫国际-1205.xlsx were rejected")
    assert "Row 12 " in reason and "Not a number" in reason  # 数量 "abc" of order TM0105
    assert [p.name for p in watch.iterdir() if p.is_file()] == []


def test_a_dropped_file_flows_to_released_leaving_only_the_exceptions(
        db_url: str, sessions: sessionmaker[Session], tmp_path: Path,
        capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    watch, exchange = _office(db_url, sessions, tmp_path, capsys, monkeypatch)
    _drop(watch)
    # Before the cut-off: imported and pre-checked; the rule waits (not a full batch).
    first = _pass(capsys, db_url, watch, BEFORE_CUTOFF)
    assert [(f["outcome"], f["declarations"], f["rejectedRows"]) for f in first["imported"]] == [
        ("imported", 10, 1)]
    assert (first["ready"], first["exceptions"], first["batched"]) == (7, 3, [])
    assert set(_statuses(sessions).values()) == {"ready", "invalid"}
    assert not exchange.outbox_files()
    # At the cut-off: the clean parcels are batched and handed over; the warned one waits.
    second = _pass(capsys, db_url, watch, AT_CUTOFF)
    (run,) = second["batched"]
    assert (run["rule"], run["declarations"], run["messages"]) == ("午班", len(CLEAN), 1)
    assert len(exchange.outbox_files()) == 1
    statuses = _statuses(sessions)
    assert {statuses[o] for o in CLEAN} == {"sent"} and statuses[WARNED] == "ready"
    # Customs answers; the next pass reads the receipts (and says so in words).
    sim = CustomsSimulator(exchange, seed=3)
    sim.run_once()
    code = main(["--db", db_url, "--lang", "en", "--user", "zhao", "autopilot", "--once",
                 "--watch", str(watch), "--now", AT_CUTOFF])
    out = capsys.readouterr().out
    assert code == 0 and "Receipts: 1 files" in out and "6 applied" in out, out
    _customs_until_quiet(capsys, db_url, watch, exchange, sim)
    _assert_flow_untouched(sessions, capsys, db_url, watch, exchange)


# A child autopilot that says where it is on stdout and then blocks on stdin until killed.
_STOPPED_AT = r'''
import sys
db, watch, now, point = sys.argv[1:5]

def cue_after(module, name, times=1):
    real = getattr(module, name)
    calls = []
    def wrapper(*a, **k):
        result = real(*a, **k)
        calls.append(1)
        if len(calls) == times:
            print(point, flush=True)
            sys.stdin.readline()  # held here until killed
        return result
    setattr(module, name, wrapper)

def cue_before(module, name):
    real = getattr(module, name)
    def wrapper(*a, **k):
        print(point, flush=True)
        sys.stdin.readline()
        return real(*a, **k)
    setattr(module, name, wrapper)

if point == "imported":  # the import committed; the file not yet moved to done/
    import app.autopilot.watch as watch_module
    cue_before(watch_module, "_move")
elif point == "batched":  # the batch and its messages committed; nothing written yet
    import app.submission.outbound as outbound
    cue_before(outbound, "deliver_pending")
elif point == "handing-over":  # the file is in the outbox; the database not yet told
    import app.submission.outbound as outbound
    cue_after(outbound, "_mark_written")
elif point == "reading-receipts":  # receipts applied and committed; files not yet moved
    from app.submission.exchange import ExchangeFolderTransport
    cue_before(ExchangeFolderTransport, "move_processed")
from app.cli import main
sys.exit(main(["--db", db, "--lang", "en", "--user", "zhao", "autopilot", "--once",
               "--json", "--watch", watch, "--now", now]))
'''


def _killed_at(point: str, db_url: str, watch: Path, now: str) -> None:
    log = watch.parent / f"autopilot-{point}.log"
    with log.open("w") as err:
        proc = subprocess.Popen([sys.executable, "-c", _STOPPED_AT, db_url, str(watch), now,
                                 point], cwd=ROOT, stdin=subprocess.PIPE,
                                stdout=subprocess.PIPE, stderr=err, text=True,
                                env={**os.environ, "CLEARDESK_PASSWORD": PASSWORD})
        assert proc.stdout is not None
        line = proc.stdout.readline()
        assert line.strip() == point, log.read_text()
        proc.send_signal(signal.SIGKILL)
        proc.wait(30)


def _restart(db_url: str, watch: Path, now: str) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, "-m", "app", "--db", db_url, "--lang", "en", "--user", "zhao",
         "autopilot", "--once", "--json", "--watch", str(watch), "--now", now],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
        env={**os.environ, "CLEARDESK_PASSWORD": PASSWORD})
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)  # type: ignore[no-any-return]


@pytest.mark.parametrize("point", ["imported", "batched", "handing-over", "reading-receipts"])
def test_killed_anywhere_and_started_again_loses_doubles_and_forks_nothing(
        point: str, db_url: str, sessions: sessionmaker[Session], tmp_path: Path,
        capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    watch, exchange = _office(db_url, sessions, tmp_path, capsys, monkeypatch)
    _drop(watch)
    if point == "reading-receipts":
        _pass(capsys, db_url, watch, AT_CUTOFF)
        CustomsSimulator(exchange, seed=3).run_once()
    _killed_at(point, db_url, watch, AT_CUTOFF)
    again = _restart(db_url, watch, AT_CUTOFF)
    counts = _counts(sessions)
    assert {k: v for k, v in counts.items() if k != "receipts"} == {
        "declarations": 10, "orders": 10, "imports": 1, "batches": 1, "messages": 1}
    if point == "imported":  # found again by its content: moved to done/, not re-imported
        assert [f["outcome"] for f in again["imported"]] == ["already"]
    if point == "batched":  # the restart hands over what the killed pass had batched
        assert again["handedOver"] == 1 and again["batched"] == []
    if point in ("imported", "batched", "handing-over"):
        # One inventory file handed over, never two (customs would see a duplicate copNo).
        assert len(exchange.outbox_files()) == 1
        with sessions() as s:
            assert set(s.execute(select(OutboundMessage.state)).scalars()) == {"written"}
    if point == "reading-receipts":
        assert again["receipts"]["applied"] == 0  # stored before the kill: not again
        assert again["receipts"]["duplicates"] == again["receipts"]["returns"] > 0
    _customs_until_quiet(capsys, db_url, watch, exchange)
    _assert_flow_untouched(sessions, capsys, db_url, watch, exchange)
