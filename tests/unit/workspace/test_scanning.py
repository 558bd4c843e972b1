from __future__ import annotations

import csv
from datetime import datetime
from pathlib import Path

from app.services.scanning import FoundParcel, ScanSession, normalise_code


def parcel(status: str = "ready", errors: int = 0) -> FoundParcel:
    return FoundParcel(7, status, "ORD1", "EA123456785CN", "张伟", errors)


def test_normalise_code_strips_scanner_noise() -> None:
    assert normalise_code(" ea123456785cn\r\n") == "EA123456785CN"
    assert normalise_code("\x02EA 1234\t") == "EA1234"


def test_outcomes() -> None:
    session = ScanSession()
    assert session.record("EA1", parcel()).outcome == "ok"
    assert session.record("EA1", parcel()).outcome == "duplicate"
    assert session.record("EA2", None).outcome == "unknown"
    assert session.record("EA3", parcel("detained")).outcome == "problem"
    assert session.record("EA4", parcel("ready", errors=2)).outcome == "problem"
    assert session.counts() == {"ok": 1, "problem": 2, "duplicate": 1, "unknown": 1}


def test_export_is_chinese_csv_with_bom(tmp_path: Path) -> None:
    session = ScanSession()
    session.record("EA1", parcel("released"), at=datetime(2026, 11, 25, 9, 30))
    session.record("XX", None, at=datetime(2026, 11, 25, 9, 31))
    target = tmp_path / "scans.csv"
    assert session.export_csv(target, "zh_CN") == 2
    raw = target.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(raw.decode("utf-8-sig").splitlines()))
    assert rows[0][:3] == ["时间", "扫描号码", "结果"]
    assert rows[1] == ["2026-11-25 09:30:00", "EA1", "正常", "7", "已放行", "ORD1"]
    assert rows[2][2] == "未知号码"
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".scans-")]
