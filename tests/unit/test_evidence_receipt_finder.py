"""The evidence pack copies applied receipts from processed/: never through a link, never
blocking on a FIFO someone left there."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from app.reports.evidence_sources import receipt_finder


def test_finder_reads_regular_files_only(tmp_path: Path) -> None:
    day = tmp_path / "processed" / "20261205"
    day.mkdir(parents=True)
    data = b"<CEB622Message/>"
    digest = hashlib.sha256(data).hexdigest()
    (day / "CEB622_a.xml").write_bytes(data)
    outside = tmp_path / "outside.xml"
    outside.write_bytes(data)
    (day / "CEB622_b.xml").symlink_to(outside)
    os.mkfifo(day / "CEB622_c.xml")
    find = receipt_finder(str(tmp_path))
    assert find("CEB622_a.xml", digest) == data
    assert find("CEB622_b.xml", digest) is None  # a link, even to the same bytes
    assert find("CEB622_c.xml", digest) is None  # returns at once instead of blocking
