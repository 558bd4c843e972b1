"""Site hand-over (issue 19): a sorting centre on SQLite (site A) hands its work to the office
(site B: PostgreSQL when CLEARDESK_TEST_PG is set) and back, with real `python -m app`
processes, as a supervisor would on each computer with a USB stick in between."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from app.db.engine import make_engine, make_session_factory
from app.db.models import (
    AuditEvent,
    Bag,
    BagParcel,
    Batch,
    Declaration,
    DeclarationItem,
    ImportedAuditEvent,
    InboundReceipt,
    OutboundMessage,
    ParcelWeighing,
)
from tests.db.test_concurrent_commands import PASSWORD, ROOT, _add_users
from tests.factories import make_declaration

TABLES = (Declaration, DeclarationItem, Batch, OutboundMessage, InboundReceipt,
          ParcelWeighing, Bag, BagParcel)


def _run(db: str, *argv: str, user: str | None = None,
         ok: bool = True) -> tuple[int, Any, str]:
    env = {**os.environ, "CLEARDESK_PASSWORD": PASSWORD, "CLEARDESK_LANG": "en"}
    cmd = [sys.executable, "-m", "app", "--db", db, "--lang", "en"]
    cmd += ["--user", user] if user else []
    done = subprocess.run([*cmd, *argv, "--json"], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=300, check=False)
    assert "Traceback" not in done.stderr, done.stderr
    if ok:
        assert done.returncode == 0, done.stdout + done.stderr
    data = json.loads(done.stdout) if done.stdout.strip().startswith("{") else None
    return done.returncode, data, done.stderr


def _counts(url: str) -> dict[str, int]:
    engine = make_engine(url)
    with make_session_factory(engine)() as s:
        out = {m.__tablename__: s.scalar(select(func.count()).select_from(m)) or 0
               for m in (*TABLES, ImportedAuditEvent)}
    engine.dispose()
    return out


def _numbers(url: str) -> tuple[list[str], list[str]]:
    """Every copNo a declaration is (or will be) declared under, and every batch number."""
    from app.services.settings import site_code
    from app.submission.outbound import internal_number

    engine = make_engine(url)
    with make_session_factory(engine)() as s:
        site = site_code(s)
        cops = [cop or internal_number(i, site)
                for i, cop in s.execute(select(Declaration.id, Declaration.copNo))]
        batches = list(s.scalars(select(Batch.batch_no)))
    engine.dispose()
    return cops, batches


def _sorting_centre(path: Path) -> str:
    """Site A: 12 parcels checked, 4 batched, submitted, answered by customs, one weighed
    and bagged."""
    url = f"sqlite:///{path / 'centre.sqlite3'}"
    exchange = path / "exchange"
    exchange.mkdir()
    _run(url, "init", "--site", "A")
    for key, value in (("copCode", "3120980105"), ("copName", "测试分拣中心"),
                       ("dxpId", "DXPENT0000000001"), ("sendWaybills", "yes"),
                       ("weightTolerancePercent", "100"), ("weightToleranceKg", "50")):
        _run(url, "config", "set", key, value)
    _run(url, "demo", "--parcels", "12", "--seed", "1")
    _run(url, "check", "--all")
    batch = _run(url, "batch", "create", "--limit", "4")[1]["batch"]
    _run(url, "submit", batch, "--exchange", str(exchange))
    _run(url, "simulate-customs", "--exchange", str(exchange), "--once")
    assert _run(url, "receipts", "--exchange", str(exchange))[1]["applied"] > 0
    engine = make_engine(url)
    with make_session_factory(engine)() as s:
        waybill = s.scalar(select(Declaration.logisticsNo).where(Declaration.batch_id.is_(None))
                           .order_by(Declaration.id))
    engine.dispose()
    assert waybill
    _run(url, "station", "scan", waybill, "--weight", "0.8", "--no-print")
    return url


def test_sorting_centre_to_office_and_back(db_url: str, sessions: sessionmaker[Session],
                                           tmp_path: Path) -> None:
    centre = _sorting_centre(tmp_path)
    office = db_url  # site B
    _add_users(sessions)
    _run(office, "init", "--site", "B", user="boss")
    with sessions() as s, s.begin():  # the office's own work
        for _ in range(5):
            make_declaration(s, status="ready")
    _run(office, "batch", "create", "--limit", "2", user="wang")
    centre_counts = _counts(centre)
    assert centre_counts["outbound_messages"] and centre_counts["inbound_receipts"]
    assert centre_counts["bags"] == 1 and centre_counts["parcel_weighings"] == 1

    pack = tmp_path / "usb" / "centre.cdtransfer"
    pack.parent.mkdir()
    exported = _run(centre, "transfer", "export", "-o", str(pack))[1]
    assert exported["counts"]["declarations"] == 12 and exported["site"] == "A"
    assert pack.stat().st_mode & 0o777 == 0o600
    assert not [p for p in pack.parent.iterdir() if p != pack]  # no temp file left

    # A file changed on the way is refused, and nothing is written.
    tampered = tmp_path / "usb" / "tampered.cdtransfer"
    with zipfile.ZipFile(pack) as src, zipfile.ZipFile(tampered, "w") as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename == "tables/declarations.json":
                data = data.replace(b'"status":"', b'"status":"re', 1)
            dst.writestr(info, data)
    before = _counts(office)
    code, _, err = _run(office, "transfer", "import", str(tampered), user="wang", ok=False)
    assert code == 1 and "tables/declarations.json does not match its manifest" in err
    assert _counts(office) == before
    # Clerks cannot hand work over.
    assert _run(office, "transfer", "import", str(pack), user="li", ok=False)[0] == 1
    assert _counts(office) == before

    first = _run(office, "transfer", "import", str(pack), user="wang")[1]
    assert first["added"]["declarations"] == 12 and not first["conflicts"]
    assert first["auditEvents"] > 12
    after = _counts(office)
    for table, n in centre_counts.items():
        if table not in ("imported_audit_events",):
            assert after[table] == before[table] + n, table
    second = _run(office, "transfer", "import", str(pack), user="wang")[1]
    assert second["added"]["declarations"] == 0 and second["skipped"]["declarations"] == 12
    assert not any(second["added"].values()) and not second["conflicts"]
    assert _counts(office) == after  # importing twice changes nothing

    cops, batch_nos = _numbers(office)
    assert len(cops) == len(set(cops)) == 17
    assert {c[:3] for c in cops} == {"CDA", "CDB"}
    assert len(batch_nos) == len(set(batch_nos)) == 2
    assert sorted(b.split("-")[1] for b in batch_nos) == ["A", "B"]
    verified = _run(office, "audit", "verify", user="boss")[1]
    assert verified["ok"] is True
    with sessions() as s:
        imports = s.scalars(select(AuditEvent.details)
                            .where(AuditEvent.action == "transfer.import")).all()
    assert len(imports) == 2 and imports[0]["manifestSha256"] == exported["manifestSha256"]

    # The office hands everything back: the centre keeps its own, gains the office's five.
    back = tmp_path / "usb" / "office.cdtransfer"
    _run(office, "transfer", "export", "-o", str(back), user="wang")
    returned = _run(centre, "transfer", "import", str(back))[1]
    assert returned["added"]["declarations"] == 5
    assert returned["skipped"]["declarations"] == 12 and not returned["conflicts"]
    assert _counts(centre)["declarations"] == 17
    assert _run(centre, "audit", "verify")[1]["ok"] is True
    # …and a fresh SQLite site C gets all of it.
    third = f"sqlite:///{tmp_path / 'third.sqlite3'}"
    _run(third, "init", "--site", "C")
    assert _run(third, "transfer", "import", str(back))[1]["added"]["declarations"] == 17
    assert _counts(third)["declarations"] == 17
    third_cops, _ = _numbers(third)
    assert sorted(third_cops) == sorted(cops)
    assert _run(third, "audit", "verify")[1]["ok"] is True
