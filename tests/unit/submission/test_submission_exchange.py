"""Exchange folder: atomic hand-over, sent archive, offline, quarantine, hand-carried export."""

from __future__ import annotations

import os
import stat
import sys
import time
from datetime import datetime
from pathlib import Path

import pytest

from app.domain.errors import ValidationError
from app.submission.exchange import (
    MANIFEST_NAME,
    STALE_TEMP_SECONDS,
    ExchangeFolderTransport,
    ExchangeOfflineError,
    FolderNames,
    export_to_folder,
    message_file_name,
    transport_from_settings,
    verify_manifest,
    write_atomic,
)


def test_file_name_pattern() -> None:
    when = datetime(2026, 11, 25, 8, 9, 10, 123456)
    assert message_file_name("CEB621Message", "B20261125-001", when, 3) == (
        "CEB621_B20261125-001_20261125080910123_0003.xml")


def test_hand_over_writes_outbox_and_sent_copy_once(tmp_path: Path) -> None:
    t = ExchangeFolderTransport(tmp_path)
    path = t.hand_over("CEB621_B1_1_0001.xml", b"<x/>", "20261125")
    assert path.read_bytes() == b"<x/>"
    assert (tmp_path / "sent" / "20261125" / "CEB621_B1_1_0001.xml").read_bytes() == b"<x/>"
    # The client took it from the outbox: handing over again must not resend it.
    path.unlink()
    t.hand_over("CEB621_B1_1_0001.xml", b"<x/>", "20261125")
    assert t.outbox_files() == []
    assert [p.name for p in tmp_path.rglob("*") if p.name.endswith(".tmp")] == []


def test_custom_folder_names(tmp_path: Path) -> None:
    t = ExchangeFolderTransport(tmp_path, FolderNames(outbox="send", inbox="receive"))
    t.hand_over("a.xml", b"1", "20261125")
    assert (tmp_path / "send" / "a.xml").exists()
    (tmp_path / "receive" / "r.xml").write_bytes(b"r")
    (tmp_path / "receive" / ".r2.xml.abcd.tmp").write_bytes(b"partial")
    assert [p.name for p in t.inbox_files()] == ["r.xml"]


def test_offline_when_folder_missing(tmp_path: Path) -> None:
    t = ExchangeFolderTransport(tmp_path / "usb-stick")
    assert not t.available()
    with pytest.raises(ExchangeOfflineError):
        t.hand_over("a.xml", b"1", "20261125")
    (tmp_path / "usb-stick").mkdir()
    assert t.available()


def test_crash_leftovers_are_cleaned(tmp_path: Path) -> None:
    t = ExchangeFolderTransport(tmp_path)
    assert t.available()
    (t.outbox / ".CEB621_x.xml.1234.tmp").write_bytes(b"half")
    later = time.time() + STALE_TEMP_SECONDS + 1
    assert t.clean_temp_files(now=later) == 1
    assert list(t.outbox.iterdir()) == []


def test_a_temp_file_being_written_now_is_left_alone(tmp_path: Path) -> None:
    """Another workstation's delivery in progress: removing its temp file would make its
    rename fail."""
    t = ExchangeFolderTransport(tmp_path)
    assert t.available()
    writing = t.outbox / ".CEB621_y.xml.5678.tmp"
    writing.write_bytes(b"half")
    assert t.clean_temp_files() == 0
    assert writing.exists()


def test_write_atomic_replaces_in_one_step(tmp_path: Path) -> None:
    target = tmp_path / "f.xml"
    write_atomic(target, b"one")
    write_atomic(target, b"two")
    assert target.read_bytes() == b"two"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["f.xml"]


def test_quarantine_with_reason_and_processed(tmp_path: Path) -> None:
    t = ExchangeFolderTransport(tmp_path)
    t.available()
    bad = t.inbox / "r1.xml"
    bad.write_bytes(b"<!DOCTYPE x>")
    moved = t.move_error(bad, "20261125", "Refused: DOCTYPE")
    assert moved == tmp_path / "error" / "20261125" / "r1.xml"
    assert (moved.parent / "r1.xml.reason.txt").read_text(encoding="utf-8") == "Refused: DOCTYPE\n"
    good = t.inbox / "r1.xml"
    good.write_bytes(b"ok")
    assert t.move_processed(good, "20261125").name == "r1.xml"
    again = t.inbox / "r1.xml"
    again.write_bytes(b"ok2")
    assert t.move_processed(again, "20261125").name == "r1~1.xml"
    assert t.inbox_files() == []
    assert [p.name for p in t.error_files()] == ["r1.xml"]


def test_export_to_folder_with_manifest(tmp_path: Path) -> None:
    dest = tmp_path / "E:" / "batch-7"
    manifest = export_to_folder(dest, [("a.xml", b"<a/>"), ("b.xml", "中文".encode())])
    assert manifest.name == MANIFEST_NAME
    lines = manifest.read_text(encoding="utf-8").splitlines()
    assert [ln.split("  ")[1] for ln in lines] == ["a.xml", "b.xml"]
    assert len(lines[0].split("  ")[0]) == 64
    assert verify_manifest(dest) == []
    (dest / "b.xml").write_bytes(b"tampered")
    (dest / "a.xml").unlink()
    assert verify_manifest(dest) == ["a.xml", "b.xml"]


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.lstat().st_mode)


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX modes")
@pytest.mark.parametrize(("setting", "umask", "file_mode", "folder_mode"), [
    (None, 0o022, 0o600, 0o700),  # default: buyers' data stays with the owner
    ("0640", 0o077, 0o640, 0o750),  # a customs client in the owner's group reads them
    ("644", 0o077, 0o644, 0o755),
])
def test_exchange_files_and_folders_get_the_configured_mode(
        tmp_path: Path, setting: str | None, umask: int, file_mode: int,
        folder_mode: int) -> None:
    old = os.umask(umask)
    try:
        t = transport_from_settings({"exchangeDir": str(tmp_path),
                                     "exchangeFileMode": setting})
        assert t.available()
        message = t.hand_over("CEB621_B1_20261125000000000_0001.xml", b"<x/>", "20261125")
        (t.inbox / "bad.xml").write_bytes(b"<x")
        quarantined = t.move_error(t.inbox / "bad.xml", "20261125", "malformed")
    finally:
        os.umask(old)
    sent = tmp_path / "sent" / "20261125" / message.name
    reason = quarantined.with_name("bad.xml.reason.txt")
    assert {_mode(p) for p in (message, sent, reason)} == {file_mode}
    assert {_mode(p) for p in (t.outbox, t.inbox, sent.parent, sent.parent.parent,
                               quarantined.parent)} == {folder_mode}


@pytest.mark.parametrize("bad", ["0755", "0400", "rw-r--r--", "0o1666"])
def test_a_wrong_exchange_file_mode_is_a_clear_error(tmp_path: Path, bad: str) -> None:
    with pytest.raises(ValidationError, match="exchangeFileMode"):
        transport_from_settings({"exchangeDir": str(tmp_path), "exchangeFileMode": bad})


def test_crash_leftovers_in_the_sent_archive_are_cleaned(tmp_path: Path) -> None:
    t = ExchangeFolderTransport(tmp_path)
    t.hand_over("CEB621_B1_20261125000000000_0001.xml", b"<x/>", "20261125")
    leftover = tmp_path / "sent" / "20261125" / ".CEB621_B2.xml.abcd.tmp"
    leftover.write_bytes(b"half")
    assert t.clean_temp_files(now=time.time() + STALE_TEMP_SECONDS + 1) == 1
    assert [p.name for p in leftover.parent.iterdir()] == [
        "CEB621_B1_20261125000000000_0001.xml"]


@pytest.mark.parametrize(("key", "value"), [
    ("receiptMaxMB", "0"), ("receiptMaxMB", "lots"), ("receiptSettleSeconds", "-1"),
    ("exchangeFileMode", "0777")])
def test_exchange_settings_out_of_range_are_refused_by_name(tmp_path: Path, key: str,
                                                            value: str) -> None:
    with pytest.raises(ValidationError, match=key):
        transport_from_settings({"exchangeDir": str(tmp_path), key: value})


def test_receipt_size_and_settle_settings_reach_the_transport(tmp_path: Path) -> None:
    t = transport_from_settings({"exchangeDir": str(tmp_path), "receiptMaxMB": "2",
                                 "receiptSettleSeconds": "0.5"})
    assert (t.max_receipt_bytes, t.settle_seconds) == (2 * 1024 * 1024, 0.5)


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX modes")
def test_a_usb_stick_without_modes_still_takes_messages(tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """A FAT stick refuses chmod (EPERM): the message is handed over all the same."""
    def refuse(*_args: object) -> None:
        raise PermissionError(1, "Operation not permitted")

    monkeypatch.setattr(os, "fchmod", refuse)
    t = ExchangeFolderTransport(tmp_path / "stick")
    (tmp_path / "stick").mkdir()
    path = t.hand_over("CEB621_B1_20261125000000000_0001.xml", b"<x/>", "20261125")
    assert path.read_bytes() == b"<x/>"
    assert (tmp_path / "stick" / "sent" / "20261125" / path.name).exists()
