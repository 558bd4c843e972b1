"""SECURITY.md names, for each measure, the test that proves it: those tests must exist."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def test_every_test_named_in_security_md_exists() -> None:
    text = (ROOT / "SECURITY.md").read_text(encoding="utf-8")
    all_tests = "\n".join(p.read_text(encoding="utf-8") for p in (ROOT / "tests").rglob("*.py"))
    missing = []
    for match in re.finditer(r"`(tests/[\w/]+\.py)((?:::\w+)?)`", text):
        path = ROOT / match.group(1)
        wanted = f"def {match.group(2)[2:]}(" if match.group(2) else ""
        if not path.exists() or wanted not in path.read_text("utf-8"):
            missing.append(match.group(0))
    for match in re.finditer(r"`::(\w+)`", text):
        if f"def {match.group(1)}(" not in all_tests:
            missing.append(match.group(0))
    assert not missing
    assert text.count("| `tests/") + text.count("`, `tests/") > 20
