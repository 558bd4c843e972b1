"""Small builders shared by the goods catalogue tests."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.db.models import CatalogueEntry
from app.submission.receipt_builders import build_inventory_receipt


def release_receipt(*cop_nos: str, status: str = "800") -> bytes:
    return build_inventory_receipt("CEB622", [{
        "guid": "A" * 36, "copNo": cop, "preNo": "B20261125000000001",
        "returnStatus": status, "returnTime": "20261125100000000", "returnInfo": "放行"}
        for cop in cop_nos])


def drop_receipt(inbox: Path, name: str, data: bytes) -> None:
    """A receipt file that has settled (written an hour ago)."""
    path = inbox / name
    path.write_bytes(data)
    old = time.time() - 3600
    os.utime(path, (old, old))


def entries(session: Session) -> list[dict[str, Any]]:
    rows = session.scalars(select(CatalogueEntry).order_by(CatalogueEntry.entry_key))
    return [{"key": e.entry_key, "gcode": e.gcode, "source": e.source,
             "qty1_per_unit": e.qty1_per_unit, "unit1": e.unit1,
             "accepted_count": e.accepted_count, "proposed_gcode": e.proposed_gcode,
             "proposed_by": e.proposed_by} for e in rows]
