"""Issue 16, file modes: exports and label PDFs hold buyers' personal data and are owner-only
(0600) whatever the umask, also when they replace an older world-readable file."""

from __future__ import annotations

import os
import stat
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from app.documents.labels import write_labels
from app.documents.profiles import THERMAL_100X150
from app.reports.detail import export_declarations
from app.reports.evidence import export_evidence
from app.reports.evidence_sources import EvidenceSources, receipt_finder
from app.services.queries import DeclarationFilter
from tests.db.reports.conftest import SUPERVISOR, ReportData
from tests.unit.printing.samples import make_label

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX modes")


@pytest.fixture
def usual_umask() -> Iterator[None]:
    old = os.umask(0o022)  # the usual desktop umask: new files would be 0644
    yield
    os.umask(old)


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.mark.usefixtures("usual_umask")
@pytest.mark.parametrize("suffix", [".xlsx", ".csv"])
def test_exports_are_owner_only(report_data: ReportData, sessions: sessionmaker[Session],
                                tmp_path: Path, suffix: str) -> None:
    (tmp_path / "out").mkdir()
    target = tmp_path / "out" / f"export{suffix}"
    target.write_bytes(b"old")
    target.chmod(0o644)
    with sessions() as s, s.begin():
        export_declarations(s, SUPERVISOR, DeclarationFilter(), target)
    assert _mode(target) == 0o600
    assert [p.name for p in target.parent.iterdir()] == [target.name]  # no temp left


@pytest.mark.usefixtures("usual_umask")
def test_label_pdfs_are_owner_only(tmp_path: Path) -> None:
    target = tmp_path / "labels.pdf"
    write_labels([make_label(1)], target, THERMAL_100X150)
    assert target.read_bytes().startswith(b"%PDF")
    assert _mode(target) == 0o600


@pytest.mark.usefixtures("usual_umask")
def test_the_evidence_zip_is_owner_only(report_data: ReportData,
                                        sessions: sessionmaker[Session], tmp_path: Path) -> None:
    target = tmp_path / "pack.zip"
    with sessions() as s:
        export_evidence(s, SUPERVISOR, "B2-20261121", target,
                        EvidenceSources(None, None, receipt_finder(None)))
    assert _mode(target) == 0o600
