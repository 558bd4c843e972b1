"""The standalone bag manifest PDF (`cleardesk bags manifest -o F.pdf`, the station's button).

Closed bags of a period with the parcels each holds, read in one query, drawn by
app.documents.bag_manifest; logged as a printed manifest (audit `print.manifest`).
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.db.models import BagParcel, Batch, Declaration
from app.documents.bag_manifest import ManifestBag, write_bag_manifest
from app.documents.models import DocumentResult
from app.security.audit import record_event
from app.security.context import Actor, Permission, require
from app.services.settings import all_settings
from app.station.bags import bag_manifest


def export_bag_manifest(session: Session, actor: Actor, target: str | Path, *,
                        since: datetime | None = None, until: datetime | None = None,
                        period: str = "", invariant: bool = False) -> DocumentResult:
    """Write the manifest of the bags closed in [since, until) (all when None) to `target`.
    The caller commits (the audit event)."""
    require(actor, Permission.PRINT)
    bags = bag_manifest(session, actor, since=since, until=until)
    rows: dict[int, list[tuple[str, str, Decimal | None, str]]] = {b.id: [] for b in bags}
    ids = list(rows)
    for start in range(0, len(ids), 900):
        q = (select(BagParcel.bag_id, Declaration.logisticsNo, Declaration.orderNo,
                    Declaration.grossWeight, Batch.batch_no)
             .join(Declaration, Declaration.id == BagParcel.declaration_id)
             .outerjoin(Batch, Batch.id == Declaration.batch_id)
             .where(BagParcel.bag_id.in_(ids[start:start + 900]))
             .order_by(BagParcel.bag_id, BagParcel.id))
        for bag_id, waybill, order, gross, batch in session.execute(q):
            rows[bag_id].append((waybill or "", order or "", gross, batch or ""))
    manifest = [ManifestBag(b.bag_no, b.route, b.parcels, b.weight_kg, b.closed_by or "",
                            b.closed_at, tuple(rows[b.id])) for b in bags]
    broker = all_settings(session).get("agentName", "")
    result = write_bag_manifest(manifest, target, broker=broker, period=period or "-",
                                invariant=invariant)
    record_event(session, actor, "print.manifest", entity="bags", entity_id=period or "all",
                 details={"file": result.file, "pages": result.pages, "rows": result.records,
                          "bags": len(bags)})
    return result
