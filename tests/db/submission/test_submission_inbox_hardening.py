"""Issue 16: one bad receipt never stops the others, GBK receipts are read, links are never
followed, a receipt still being written is not lost."""

from __future__ import annotations

import json
import os
import time
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from app.cli.main import main as cli_main
from app.db.models import Declaration, InboundReceipt, OutboundMessage
from app.security.context import Actor
from app.submission import outbound
from app.submission.exchange import ExchangeFolderTransport
from app.submission.exchange_fs import ExchangeSymlinkError
from app.submission.receipt_builders import build_inventory_receipt
from app.submission.receipts_job import process_inbox
from tests.factories import make_declaration

DAY = date(2026, 11, 25)
LATER = time.time() + 3600  # every file in these tests has settled by then


def _receipt(cop_no: str, info: str = "海关已接收", encoding: str = "UTF-8") -> bytes:
    data = build_inventory_receipt("CEB622", [{
        "guid": "A" * 36, "copNo": cop_no, "preNo": "B20261125000000001",
        "returnStatus": "2", "returnTime": "20261125100000000", "returnInfo": info}])
    if encoding == "UTF-8":
        return data
    text = data.decode("utf-8").replace("encoding='UTF-8'", f"encoding='{encoding}'")
    return text.encode(encoding)


def _klingon(cop_no: str) -> bytes:
    return _receipt(cop_no).replace(b"encoding='UTF-8'", b"encoding='x-klingon'")


def _sent(sessions: sessionmaker[Session], *cop_nos: str) -> None:
    with sessions() as s, s.begin():
        for cop_no in cop_nos:
            make_declaration(s, status="sent", copNo=cop_no)


def _statuses(sessions: sessionmaker[Session]) -> dict[str, str]:
    with sessions() as s:
        return dict(s.execute(select(Declaration.copNo, Declaration.status)).all())


def _returns(sessions: sessionmaker[Session]) -> list[tuple[str, str]]:
    with sessions() as s:
        return sorted(s.execute(select(InboundReceipt.cop_no, InboundReceipt.return_info))
                      .all())


def _reason(exchange: ExchangeFolderTransport, name: str) -> str:
    return (exchange.root / "error" / "20261125" / f"{name}.reason.txt").read_text("utf-8")


def _tree(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*"))


def test_one_bad_receipt_never_stops_the_others(
        sessions: sessionmaker[Session], actor: Actor, exchange: ExchangeFolderTransport,
        tmp_path: Path) -> None:
    _sent(sessions, "GOOD1", "GOOD2", "GBK1", "BIG51", "OUTSIDE1")
    exchange.available()
    inbox = exchange.inbox
    (inbox / "a_good.xml").write_bytes(_receipt("GOOD1"))
    (inbox / "b_gbk.xml").write_bytes(_receipt("GBK1", "海关已接收，等待审核", "GBK"))
    (inbox / "c_big5.xml").write_bytes(_receipt("BIG51", "海關已接收", "big5"))
    (inbox / "d_unknown.xml").write_bytes(_klingon("GOOD2"))
    with (inbox / "e_huge.xml").open("wb") as fh:  # sparse: 21 MB by size, nothing on disk
        fh.truncate(21 * 1024 * 1024)
    outside = tmp_path / "elsewhere" / "secret.xml"
    outside.parent.mkdir()
    secret = _receipt("OUTSIDE1")
    outside.write_bytes(secret)
    (inbox / "f_link.xml").symlink_to(outside)
    (inbox / "g_good.xml").write_bytes(_receipt("GOOD2"))

    r = process_inbox(sessions, actor, exchange, today=DAY, now=LATER)

    assert (r.applied, r.errors) == (4, 3)
    assert {(q.file, q.reason) for q in r.quarantined} == {
        ("d_unknown.xml", "encoding"), ("e_huge.xml", "too_large"), ("f_link.xml", "symlink")}
    statuses = _statuses(sessions)
    assert {statuses[c] for c in ("GOOD1", "GOOD2", "GBK1", "BIG51")} == {"accepted"}
    assert statuses["OUTSIDE1"] == "sent"  # the link's target was never read
    assert ("GBK1", "海关已接收，等待审核") in _returns(sessions)
    assert ("BIG51", "海關已接收") in _returns(sessions)
    assert "x-klingon" in _reason(exchange, "d_unknown.xml")
    assert "20 MB" in _reason(exchange, "e_huge.xml")
    assert "symbolic link" in _reason(exchange, "f_link.xml")
    assert "符号链接" in _reason(exchange, "f_link.xml")
    moved_link = exchange.root / "error" / "20261125" / "f_link.xml"
    assert moved_link.is_symlink() and outside.read_bytes() == secret
    assert exchange.inbox_files() == []

    before = (_returns(sessions), _tree(exchange.root))
    again = process_inbox(sessions, actor, exchange, today=DAY, now=LATER)
    assert (again.files, again.applied, again.errors, again.retried) == (0, 0, 0, ())
    assert (_returns(sessions), _tree(exchange.root)) == before


def test_a_parser_crash_quarantines_only_that_file(
        sessions: sessionmaker[Session], actor: Actor, exchange: ExchangeFolderTransport,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Whatever the parser raises on one file (MemoryError on a huge one in the issue), the
    others are applied and that one is quarantined with the error."""
    from app.submission import receipts_job

    _sent(sessions, "GOOD1")
    exchange.available()
    (exchange.inbox / "a.xml").write_bytes(_receipt("GOOD1"))
    (exchange.inbox / "b.xml").write_bytes(b"<boom/>")
    real = receipts_job.parse_receipt

    def parse(data: bytes, **kw: int) -> object:
        if data == b"<boom/>":
            raise ValueError("multi-byte encodings are not supported")
        return real(data, **kw)

    monkeypatch.setattr(receipts_job, "parse_receipt", parse)
    r = process_inbox(sessions, actor, exchange, today=DAY, now=LATER)
    assert r.applied == 1 and [q.reason for q in r.quarantined] == ["unreadable"]
    assert "multi-byte encodings" in _reason(exchange, "b.xml")


@pytest.mark.parametrize("folder", ["inbox", "error", "processed"])
def test_a_linked_exchange_folder_is_refused(
        sessions: sessionmaker[Session], actor: Actor, exchange: ExchangeFolderTransport,
        tmp_path: Path, folder: str) -> None:
    _sent(sessions, "GOOD1")
    outside = tmp_path / "outside"
    outside.mkdir()
    exchange.available()
    if folder == "inbox":
        exchange.inbox.rmdir()
        (outside / "theirs.xml").write_bytes(_receipt("GOOD1"))
    else:
        (exchange.inbox / "r.xml").write_bytes(b"<broken")
    (exchange.root / folder).symlink_to(outside, target_is_directory=True)
    with pytest.raises(ExchangeSymlinkError) as err:
        process_inbox(sessions, actor, exchange, today=DAY, now=LATER)
    assert folder in str(err.value) and "symbolic link" in str(err.value)
    assert [p.name for p in outside.iterdir()] == (["theirs.xml"] if folder == "inbox" else [])
    assert _statuses(sessions)["GOOD1"] == "sent"


def test_a_linked_outbox_or_sent_folder_is_refused(
        sessions: sessionmaker[Session], actor: Actor, exchange: ExchangeFolderTransport,
        tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (exchange.root / "outbox").symlink_to(outside, target_is_directory=True)
    with pytest.raises(ExchangeSymlinkError):
        exchange.hand_over("CEB621_B1_20261125000000000_0001.xml", b"<x/>", "20261125")
    (exchange.root / "outbox").unlink()
    (exchange.root / "sent").symlink_to(outside, target_is_directory=True)
    with pytest.raises(ExchangeSymlinkError):
        exchange.hand_over("CEB621_B1_20261125000000000_0001.xml", b"<x/>", "20261125")
    assert list(outside.iterdir()) == []


def test_cli_names_the_linked_folder(db_url: str, exchange: ExchangeFolderTransport,
                                     tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "outside").mkdir()
    (exchange.root / "inbox").symlink_to(tmp_path / "outside", target_is_directory=True)
    code = cli_main(["--db", db_url, "--lang", "en", "receipts", "--exchange",
                     str(exchange.root)])
    captured = capsys.readouterr()
    assert code == 1
    assert "inbox is a symbolic link" in captured.err + captured.out


def test_a_receipt_still_being_written_waits_then_is_applied(
        sessions: sessionmaker[Session], actor: Actor, exchange: ExchangeFolderTransport) -> None:
    _sent(sessions, "GOOD1")
    exchange.available()
    whole = _receipt("GOOD1")
    path = exchange.inbox / "arriving.xml"
    path.write_bytes(whole[:120])
    now = path.stat().st_mtime + 1  # written a second ago: the client may still be at it
    r = process_inbox(sessions, actor, exchange, today=DAY, now=now)
    assert (r.waiting, r.errors, r.applied) == (1, 0, 0)
    assert exchange.inbox_files() == [path] and exchange.error_files() == []
    path.write_bytes(whole)
    r = process_inbox(sessions, actor, exchange, today=DAY, now=now + 1)
    assert (r.waiting, r.applied) == (0, 1)
    assert _statuses(sessions)["GOOD1"] == "accepted"


def test_temp_names_of_the_client_are_not_read(
        sessions: sessionmaker[Session], actor: Actor, exchange: ExchangeFolderTransport) -> None:
    exchange.available()
    for name in (".r1.xml", "~r2.xml", "r3.xml.tmp", "r4.xml.part", "r5.xml~",
                 "r6.xml.filepart"):
        (exchange.inbox / name).write_bytes(b"<half")
    r = process_inbox(sessions, actor, exchange, today=DAY, now=LATER)
    assert (r.files, r.errors, r.waiting) == (0, 0, 0)
    assert len(list(exchange.inbox.iterdir())) == 6


def test_an_unchanged_broken_file_is_quarantined_once_settled_by_our_clock(
        sessions: sessionmaker[Session], actor: Actor, exchange: ExchangeFolderTransport) -> None:
    """A share whose clock runs ahead makes every file look brand new: a broken file that
    stayed unchanged for the settle time by our clock is complete, and quarantined."""
    exchange.available()
    path = exchange.inbox / "broken.xml"
    path.write_bytes(b"<CEB622Message")
    clock = time.time()
    future = int((clock + 3600) * 1e9)
    os.utime(path, ns=(future, future))
    settle = exchange.settle_seconds
    for now, waiting, errors in ((clock, 1, 0), (clock + settle / 2, 1, 0),
                                 (clock + settle + 1, 0, 1)):
        r = process_inbox(sessions, actor, exchange, today=DAY, now=now)
        assert (r.waiting, r.errors) == (waiting, errors)
    assert [p.name for p in exchange.error_files()] == ["broken.xml"]


def test_a_file_the_client_still_holds_is_left_for_the_next_run(
        sessions: sessionmaker[Session], actor: Actor, exchange: ExchangeFolderTransport,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """On Windows a file the client holds open cannot be moved: the others go on, no
    orphan reason file is left, and the next run files it away."""
    _sent(sessions, "GOOD1")
    exchange.available()
    (exchange.inbox / "a.xml").write_bytes(_receipt("GOOD1"))
    (exchange.inbox / "held.xml").write_bytes(b"<broken")
    real = os.replace

    def replace(src: object, dst: object) -> None:
        if str(src).endswith("held.xml"):
            raise PermissionError(13, "The process cannot access the file", str(src))
        real(src, dst)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "replace", replace)
    r = process_inbox(sessions, actor, exchange, today=DAY, now=LATER)
    assert (r.applied, r.errors, r.waiting) == (1, 0, 1)
    assert [p.name for p in exchange.inbox_files()] == ["held.xml"]
    assert list((exchange.root / "error").rglob("*")) == [exchange.root / "error" / "20261125"]
    monkeypatch.undo()
    r = process_inbox(sessions, actor, exchange, today=DAY, now=LATER)
    assert [q.file for q in r.quarantined] == ["held.xml"]


def test_a_quarantined_receipt_that_changes_is_tried_again(
        sessions: sessionmaker[Session], actor: Actor, exchange: ExchangeFolderTransport,
        capsys: pytest.CaptureFixture[str], db_url: str) -> None:
    """Caught mid-write and quarantined as malformed (an old mtime made it look finished):
    once the client has finished writing it, it is applied."""
    _sent(sessions, "GOOD1")
    exchange.available()
    whole = _receipt("GOOD1")
    (exchange.inbox / "slow.xml").write_bytes(whole[:150])
    r = process_inbox(sessions, actor, exchange, today=DAY, now=LATER)
    assert [(q.file, q.reason) for q in r.quarantined] == [("slow.xml", "malformed")]
    quarantined = exchange.root / "error" / "20261125" / "slow.xml"
    # Unchanged: stays quarantined, run after run.
    assert process_inbox(sessions, actor, exchange, today=DAY, now=LATER).retried == ()
    with quarantined.open("ab") as fh:  # the client's open handle followed the rename
        fh.write(whole[150:])
    code = cli_main(["--db", db_url, "receipts", "--exchange", str(exchange.root), "--json"])
    out = json.loads(capsys.readouterr().out)
    assert code == 0 and out["retried"] == ["slow.xml"] and out["applied"] == 1
    assert _statuses(sessions)["GOOD1"] == "accepted"
    assert exchange.error_files() == []
    [processed] = (exchange.root / "processed").rglob("slow.xml")  # the CLI's own day
    assert processed.read_bytes() == whole


def test_crash_leftovers_in_sent_are_cleaned(
        sessions: sessionmaker[Session], actor: Actor, exchange: ExchangeFolderTransport) -> None:
    exchange.available()
    day = exchange.root / "sent" / "20261120"
    day.mkdir(parents=True)
    stale = day / ".CEB621_B1_20261120000000000_0001.xml.ab12.tmp"
    stale.write_bytes(b"half")
    old = time.time() - 3600
    os.utime(stale, (old, old))
    fresh = day / ".CEB621_B2_20261120000000000_0001.xml.cd34.tmp"
    fresh.write_bytes(b"being written")
    outbound.deliver_pending(sessions, actor, exchange)
    assert [p.name for p in day.iterdir()] == [fresh.name]


def test_cli_lists_quarantined_files(db_url: str, exchange: ExchangeFolderTransport,
                                     capsys: pytest.CaptureFixture[str]) -> None:
    exchange.available()
    (exchange.inbox / "klingon.xml").write_bytes(_klingon("X"))
    code = cli_main(["--db", db_url, "--lang", "en", "receipts", "--exchange",
                     str(exchange.root)])
    assert code == 0
    assert "Quarantined klingon.xml (encoding)" in capsys.readouterr().out
    (exchange.inbox / "klingon2.xml").write_bytes(_klingon("Y"))
    code = cli_main(["--db", db_url, "receipts", "--exchange", str(exchange.root), "--json"])
    out = json.loads(capsys.readouterr().out)
    assert code == 0
    assert out["quarantined"] == [{"file": "klingon2.xml", "reason": "encoding"}]


def test_a_linked_outbox_does_not_stop_the_receipts(
        db_url: str, sessions: sessionmaker[Session], exchange: ExchangeFolderTransport,
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _sent(sessions, "GOOD1")
    exchange.available()
    (exchange.inbox / "r.xml").write_bytes(_receipt("GOOD1"))
    (tmp_path / "outside").mkdir()
    exchange.outbox.rmdir()
    exchange.outbox.symlink_to(tmp_path / "outside", target_is_directory=True)
    with sessions() as s, s.begin():  # a message waiting to be delivered
        s.add(OutboundMessage(guid="G" * 36, message_type="CEB621Message", seq=1,
                              file_name="CEB621_B1_20261125000000000_0001.xml",
                              state="pending", app_type="1", content=b"<x/>", sha256="0" * 64))
    code = cli_main(["--db", db_url, "--lang", "en", "receipts", "--exchange",
                     str(exchange.root), "--json"])
    out = json.loads(capsys.readouterr().out)
    assert code == 0 and out["applied"] == 1
    assert "outbox is a symbolic link" in out["problems"][0]
    assert list((tmp_path / "outside").iterdir()) == []


def test_config_set_refuses_an_unusable_exchange_file_mode(
        db_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli_main(["--db", db_url, "--lang", "en", "config", "set", "exchangeFileMode",
                     "0755"]) == 1
    assert "exchangeFileMode must be an octal file mode" in capsys.readouterr().err
    assert cli_main(["--db", db_url, "config", "set", "exchangeFileMode", "0640"]) == 0
    capsys.readouterr()
    assert cli_main(["--db", db_url, "config", "get", "exchangeFileMode"]) == 0
    assert capsys.readouterr().out.strip() == "0640"
