"""The declarant's whole day in the training database: import → check → batch → waybills and
inventories handed over → receipts → one parcel cancelled, one returned after release → tax
bills arrive and the reconciliation shows the seeded mismatch → the evidence pack has it all."""

from __future__ import annotations

import zipfile
from datetime import datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from app.db.models import Declaration, TaxBill, Waybill
from app.precheck.service import check_declarations
from app.reports.evidence import export_evidence
from app.reports.evidence_sources import EvidenceSources, receipt_finder
from app.reports.tax_reconcile import ReconcileScope, reconcile
from app.security.context import Actor, Role
from app.services import settings as settings_service
from app.submission import lifecycle, outbound
from app.submission.exchange import ExchangeFolderTransport
from app.submission.receipts_job import process_inbox
from app.submission.simulator import CustomsSimulator
from tests.db.submission.test_submission_e2e import _submit
from tests.factories import make_declaration


def _status(s: Session, decl_id: int) -> str:
    return str(s.execute(select(Declaration.status).where(Declaration.id == decl_id))
               .scalar_one())


def test_a_clerks_day(sessions: sessionmaker[Session], actor: Actor,
                      exchange: ExchangeFolderTransport, broker: dict[str, str],
                      tmp_path: Path) -> None:
    supervisor = Actor("wang.sup", Role.SUPERVISOR)
    with sessions() as s, s.begin():
        settings_service.set_setting(s, actor, "sendWaybills", "yes")
        settings = settings_service.all_settings(s)
        ids = [make_declaration(s, status="draft") for _ in range(8)]
        check_declarations(s, actor, ids)
    batch_no = _submit(sessions, actor, exchange, settings, ids)
    sim = CustomsSimulator(exchange, seed=21, now=datetime(2026, 11, 25, 9),
                           tax_mismatch_rate=0.3)

    def tick() -> None:
        sim.run_once()
        process_inbox(sessions, actor, exchange)
        outbound.deliver_pending(sessions, actor, exchange)

    for _ in range(2):  # declared (2), then stored with inventory numbers (120)
        tick()
    with sessions() as s:
        held = [i for i in ids if _status(s, i) == "accepted"
                and s.get(Declaration, i).invtNo]  # type: ignore[union-attr]
    assert held
    cancelled = held[0]
    with sessions() as s, s.begin():
        lifecycle.request_cancellation(s, supervisor, [cancelled], "包裹丢失", settings)
    outbound.deliver_pending(sessions, actor, exchange)  # as `cleardesk cancel` does
    for _ in range(8):
        tick()
        if sim.pending() == 0:
            break
    with sessions() as s:
        assert _status(s, cancelled) == "cancelled"
        released = [i for i in ids if _status(s, i) == "released"]
    assert len(released) == len(ids) - 1
    returned = released[0]
    with sessions() as s, s.begin():
        lifecycle.request_return(s, supervisor, [returned], "买家七天无理由退货", settings)
    outbound.deliver_pending(sessions, actor, exchange)
    for _ in range(4):
        tick()
        if sim.pending() == 0:
            break
    with sessions() as s:
        assert _status(s, returned) == "returned"
        assert set(s.execute(select(Waybill.status)).scalars()) == {"accepted"}
        billed = set(s.execute(select(TaxBill.declaration_id)).scalars())
        assert billed == set(released)  # bills for released parcels only
        rec = reconcile(s, supervisor, ReconcileScope())
    assert rec.declarations == len(released)
    assert rec.mismatch_count >= 1 and rec.billed > rec.estimated
    assert {m.cause for m in rec.mismatches} == {"value"}

    with sessions() as s, s.begin():
        result = export_evidence(s, supervisor, batch_no, tmp_path / "pack.zip",
                                 EvidenceSources(None, None, receipt_finder(None)))
    with zipfile.ZipFile(result.path) as zf:
        names = zf.namelist()
        audit = zf.read("audit-events.csv").decode("utf-8-sig")
    kinds = {n.split("/")[-1].split("_")[0] for n in names
             if n.startswith(("messages/", "receipts/"))}
    assert {"CEB511", "CEB621", "CEB623", "CEB625", "CEB512", "CEB622", "CEB624", "CEB626",
            "CEB816", "CEB818"} <= kinds
    assert "declaration.cancel_request" in audit and "declaration.return_request" in audit
