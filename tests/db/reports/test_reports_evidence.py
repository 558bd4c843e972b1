"""The evidence pack of a batch: what is inside, and that its checksums verify."""

from __future__ import annotations

import hashlib
import io
import subprocess
import zipfile
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from app.db.models import AuditEvent, Declaration
from app.domain.errors import NotFoundError
from app.reports.evidence import export_evidence
from app.reports.evidence_sources import EvidenceSources, default_sources, receipt_finder
from app.security.checkpoints import given_checkpoint
from app.security.context import Actor
from tests.db.reports.conftest import SUPERVISOR, ReportData


def _fake_pdf(session: Session, actor: Actor, batch_id: int, target: Path, lang: str) -> None:
    target.write_bytes(b"%PDF-1.4 batch " + str(batch_id).encode())


def test_pack_contents_and_checksums(report_data: ReportData, sessions: sessionmaker[Session],
                                     tmp_path: Path) -> None:
    exchange = tmp_path / "exchange"
    day = exchange / "processed" / "20261120"
    day.mkdir(parents=True)
    # The original of jd1's release receipt is still in the exchange folder; its recorded hash
    # is sha256("<id>-800") in the fixture, so store exactly those bytes.
    jd1 = report_data.ids["jd1"]
    (day / f"CEB622_{jd1}-800.xml").write_bytes(f"{jd1}-800".encode())
    sources = EvidenceSources(_fake_pdf, _fake_pdf, receipt_finder(str(exchange)))
    target = tmp_path / "pack.zip"
    with sessions() as s:
        result = export_evidence(s, SUPERVISOR, "B1-20261120", target, sources)
    assert result.counts == {"messages": 1, "receipts": 1, "receiptsAsRecorded": 2,
                             "declarations": 3, "auditEvents": 2}
    assert result.missing == ()
    with zipfile.ZipFile(target) as zf:
        names = set(zf.namelist())
        assert {"manifest.pdf", "labels.pdf", "messages/msg-b1.xml",
                f"receipts/CEB622_{jd1}-800.xml", "declarations.xlsx", "audit-events.csv",
                "README.txt", "SHA256SUMS"} <= names
        assert sum(n.startswith("receipts/recorded/") for n in names) == 2
        sums = zf.read("SHA256SUMS").decode("ascii").splitlines()
        assert len(sums) == len(names) - 1
        for line in sums:
            digest, name = line.split("  ", 1)
            assert hashlib.sha256(zf.read(name)).hexdigest() == digest, name
        assert zf.read("messages/msg-b1.xml").startswith(b"<CEB621Message")
        audit = zf.read("audit-events.csv").decode("utf-8-sig")
        assert "declaration.send" in audit and "batch.create" in audit
        ws = load_workbook(io.BytesIO(zf.read("declarations.xlsx"))).active
        assert ws.max_row == 4
    # The pack carries a checkpoint of the audit chain that `audit verify` can check against.
    checkpoint = given_checkpoint(str(target))
    with sessions() as s:
        events = s.execute(select(AuditEvent.hash).order_by(AuditEvent.id)).scalars().all()
    assert checkpoint.count == len(events) and checkpoint.head == events[-1]
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_real_manifest_and_labels(report_data: ReportData, sessions: sessionmaker[Session],
                                  tmp_path: Path) -> None:
    target = tmp_path / "pack.zip"
    with sessions() as s:
        result = export_evidence(s, SUPERVISOR, str(report_data.batch_ids["B2"]), target,
                                 default_sources(None), lang="zh_CN")
        waybills = [s.get(Declaration, report_data.ids[k]).logisticsNo  # type: ignore[union-attr]
                    for k in ("tm2", "tm3", "kl1")]
    assert result.missing == ()
    assert result.counts["receiptsAsRecorded"] == 4  # no exchange folder: fields as recorded
    with zipfile.ZipFile(target) as zf:
        for name in ("manifest.pdf", "labels.pdf"):
            pdf = tmp_path / name
            pdf.write_bytes(zf.read(name))
            assert pdf.read_bytes().startswith(b"%PDF")
            text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True,
                                  text=True, check=True).stdout.replace(" ", "")
            assert all(w in text for w in waybills), name
        readme = zf.read("README.txt").decode()
        assert "批次证据包" in readme and "sha256sum -c SHA256SUMS" in readme


def test_missing_parts_are_listed(report_data: ReportData, sessions: sessionmaker[Session],
                                  tmp_path: Path) -> None:
    target = tmp_path / "pack.zip"
    sources = EvidenceSources(None, None, receipt_finder(None))
    with sessions() as s:
        result = export_evidence(s, SUPERVISOR, "B2-20261121", target, sources)
    assert result.missing == ("manifest.pdf", "labels.pdf")
    with zipfile.ZipFile(target) as zf:
        assert "manifest.pdf" in zf.read("README.txt").decode()
        assert "manifest.pdf" not in zf.namelist()
    with sessions() as s, pytest.raises(NotFoundError):
        export_evidence(s, SUPERVISOR, "nope", tmp_path / "n.zip", sources)
