"""Scan station logic: look a scanned waybill/S10 number up, classify the scan, keep the list.

Pure apart from `lookup_scan` (one indexed query). The GUI station only shows and sounds it.
"""

from __future__ import annotations

import csv
import os
import tempfile
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Literal

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from app.db.models import Declaration
from app.domain.status import DeclarationStatus
from app.i18n import N_, translate
from app.security.context import Actor, Permission, require

Outcome = Literal["ok", "problem", "duplicate", "unknown"]
# Statuses a parcel on the floor should not simply move on with.
PROBLEM_STATUSES: frozenset[str] = frozenset({
    DeclarationStatus.INVALID, DeclarationStatus.REJECTED, DeclarationStatus.INSPECTION,
    DeclarationStatus.DETAINED, DeclarationStatus.SHIPPED_BACK, DeclarationStatus.CANCELLED,
    DeclarationStatus.CANCEL_REQUESTED, DeclarationStatus.RETURN_REQUESTED,
    DeclarationStatus.RETURNED,
})
OUTCOME_LABELS: dict[str, str] = {
    "ok": N_("OK"), "problem": N_("Problem parcel"), "duplicate": N_("Scanned twice"),
    "unknown": N_("Unknown number"),
}


@dataclass(frozen=True)
class FoundParcel:
    id: int
    status: str
    order_no: str | None
    waybill: str | None
    buyer_name: str | None
    errors: int


@dataclass(frozen=True)
class Scan:
    at: datetime
    code: str
    outcome: Outcome
    parcel: FoundParcel | None


def normalise_code(raw: str) -> str:
    """Scanner input without whitespace/control characters, letters upper-case."""
    return "".join(ch for ch in raw if ch.isprintable() and not ch.isspace()).upper()


def lookup_scan(session: Session, actor: Actor, code: str) -> FoundParcel | None:
    """The newest declaration whose waybill (or, failing that, order) number is `code`."""
    require(actor, Permission.VIEW)
    d = Declaration
    row = session.execute(
        select(d.id, d.status, d.orderNo, d.logisticsNo, d.buyerName, d.error_count)
        .where(or_(d.logisticsNo == code, d.orderNo == code)).order_by(d.id.desc()).limit(1)
    ).first()
    if row is None:
        return None
    return FoundParcel(int(row[0]), str(row[1]), row[2], row[3], row[4], int(row[5] or 0))


@dataclass
class ScanSession:
    """The scans of one station session: duplicates are judged within it."""

    scans: list[Scan] = field(default_factory=list)
    _seen: set[str] = field(default_factory=set)

    def record(self, code: str, parcel: FoundParcel | None, at: datetime | None = None) -> Scan:
        if parcel is None:
            outcome: Outcome = "unknown"
        elif code in self._seen:
            outcome = "duplicate"
        elif parcel.status in PROBLEM_STATUSES or parcel.errors > 0:
            outcome = "problem"
        else:
            outcome = "ok"
        self._seen.add(code)
        scan = Scan(at or datetime.now().astimezone(), code, outcome, parcel)
        self.scans.append(scan)
        return scan

    def counts(self) -> dict[str, int]:
        out = {k: 0 for k in OUTCOME_LABELS}
        for s in self.scans:
            out[s.outcome] += 1
        return out

    def export_csv(self, path: Path, lang: str) -> int:
        """Write the scan list as UTF-8 CSV (Excel-friendly BOM), atomically. Returns rows."""
        header = [translate(h, lang) for h in (N_("Time"), N_("Scanned number"), N_("Result"),
                                               N_("Declaration"), N_("Status"),
                                               N_("Order No."))]
        fd, tmp = tempfile.mkstemp(prefix=".scans-", suffix=".csv", dir=path.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8-sig", newline="") as fh:
                writer = csv.writer(fh)
                writer.writerow(header)
                for s in self.scans:
                    p = s.parcel
                    status = (translate(DeclarationStatus(p.status).label, lang)
                              if p and p.status in DeclarationStatus.__members__.values()
                              else (p.status if p else ""))
                    writer.writerow([s.at.strftime("%Y-%m-%d %H:%M:%S"), s.code,
                                     translate(OUTCOME_LABELS[s.outcome], lang),
                                     p.id if p else "", status, (p.order_no or "") if p else ""])
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return len(self.scans)
