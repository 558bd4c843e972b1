"""One small document must come out byte for byte the same (reportlab invariant mode).

Regenerate after an intended layout change with CLEARDESK_UPDATE_GOLDEN=1.
"""

from __future__ import annotations

import os
from pathlib import Path

import reportlab

from app.documents.labels import write_labels
from app.documents.profiles import THERMAL_100X150

from .samples import customs, make_label

GOLDEN = Path(__file__).parent / "golden" / "label-cn22.pdf"
# reportlab version the golden file was made with: another version may lay bytes out
# differently, which is a reason to look at the PDF, not a failure.
MADE_WITH = GOLDEN.with_suffix(".reportlab-version")


def _render(target: Path) -> bytes:
    label = make_label(1, waybill="RR123456785CN", customs=customs("150.00", items=2))
    write_labels([label], target, THERMAL_100X150, invariant=True)
    return target.read_bytes()


def test_invariant_output_is_reproducible(tmp_path: Path) -> None:
    first = _render(tmp_path / "a.pdf")
    second = _render(tmp_path / "b.pdf")
    assert first == second
    if os.environ.get("CLEARDESK_UPDATE_GOLDEN"):
        GOLDEN.write_bytes(first)
        MADE_WITH.write_text(reportlab.Version + "\n")
    if MADE_WITH.read_text().strip() == reportlab.Version:
        assert first == GOLDEN.read_bytes()
