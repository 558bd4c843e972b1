"""The evidence pack of one batch: everything about it in one ZIP with SHA-256 checksums.

Contents: manifest.pdf and labels.pdf (printing area), messages/ (every message sent, as
recorded), receipts/ (every receipt received: the original file as stored when it was applied;
for receipts applied before files were kept, the exchange folder's copy if it still has it, else
the recorded fields as JSON), declarations.xlsx (detail export, masked per role),
audit-events.csv (the audit trail of the batch and its declarations, with the chain hashes),
README.txt and SHA256SUMS (`sha256sum -c` format).
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import tempfile
import zipfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from app.db.models import (
    AuditEvent,
    Batch,
    Declaration,
    InboundReceipt,
    MessageDeclaration,
    ReceiptFile,
)
from app.db.models import OutboundMessage as Msg
from app.domain.errors import NotFoundError
from app.i18n import N_, translate
from app.jobs.base import CancelToken, Progress, no_progress
from app.reports import cells
from app.reports.atomic import atomic_path, check_target
from app.reports.detail import export_declarations
from app.reports.evidence_sources import EvidenceSources
from app.security.audit import record_event
from app.security.checkpoints import PACK_MEMBER, current_head, pack_checkpoint
from app.security.context import Actor, Permission, require
from app.security.masking import mask_details, redact_text
from app.services.queries import DeclarationFilter


@dataclass(frozen=True)
class EvidenceResult:
    path: Path
    batch_no: str
    files: dict[str, int]  # name in the ZIP -> size in bytes
    counts: dict[str, int]  # declarations, messages, receipts, receiptsAsRecorded, auditEvents
    missing: tuple[str, ...]  # parts that could not be included


def find_batch(session: Session, key: str) -> Batch:
    batch = session.execute(select(Batch).where(Batch.batch_no == key)).scalar_one_or_none()
    if batch is None and key.isdigit():
        batch = session.get(Batch, int(key))
    if batch is None:
        raise NotFoundError("No batch with number or id {key}.", key=key)
    return batch


class _Pack:
    """Adds files to the ZIP and remembers their checksums."""

    def __init__(self, zf: zipfile.ZipFile) -> None:
        self.zf = zf
        self.sums: dict[str, str] = {}
        self.sizes: dict[str, int] = {}

    def add(self, name: str, data: bytes) -> None:
        self.zf.writestr(name, data)
        self.sums[name] = hashlib.sha256(data).hexdigest()
        self.sizes[name] = len(data)

    def add_file(self, name: str, path: Path) -> None:
        digest = hashlib.sha256()
        with path.open("rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                digest.update(block)
        self.zf.write(path, name)
        self.sums[name] = digest.hexdigest()
        self.sizes[name] = path.stat().st_size


def export_evidence(session: Session, actor: Actor, batch_key: str, target: Path,
                    sources: EvidenceSources, *, lang: str = "en",
                    progress: Progress = no_progress, cancel: CancelToken | None = None,
                    now: datetime | None = None) -> EvidenceResult:
    """Write the evidence pack of the batch `batch_key` (number or id) to `target` (.zip)."""
    require(actor, Permission.REPORTS)
    path = check_target(target, (".zip",))
    batch = find_batch(session, batch_key)
    decl_ids = select(Declaration.id).where(Declaration.batch_id == batch.id)
    missing: list[str] = []
    counts: dict[str, int] = {}
    steps = 6

    def step(n: int, msgid: str) -> None:
        if cancel is not None:
            cancel.raise_if_cancelled()
        progress(n, steps, translate(msgid, lang))

    with atomic_path(path) as temp, tempfile.TemporaryDirectory(dir=path.parent) as scratch, \
            zipfile.ZipFile(temp, "w", zipfile.ZIP_DEFLATED) as zf:
        pack = _Pack(zf)
        work = Path(scratch)
        step(0, N_("Printing the manifest and labels…"))
        for name, writer in (("manifest.pdf", sources.manifest_pdf),
                             ("labels.pdf", sources.labels_pdf)):
            if writer is None:
                missing.append(name)
                continue
            writer(session, actor, batch.id, work / name, lang)
            pack.add_file(name, work / name)

        step(1, N_("Adding messages…"))
        msg_filter = or_(Msg.batch_id == batch.id, Msg.id.in_(
            select(MessageDeclaration.message_id)
            .where(MessageDeclaration.declaration_id.in_(decl_ids))))
        counts["messages"] = 0
        for m in session.execute(select(Msg).where(msg_filter).order_by(Msg.id)).scalars():
            pack.add(f"messages/{_safe_name(m.file_name)}", m.content)
            counts["messages"] += 1

        step(2, N_("Adding receipts…"))
        counts["receipts"], counts["receiptsAsRecorded"] = _receipts(session, pack, decl_ids,
                                                                     sources)

        step(3, N_("Exporting declarations…"))
        detail = work / "declarations.xlsx"
        result = export_declarations(session, actor, DeclarationFilter(batch_id=batch.id),
                                     detail, lang=lang, cancel=cancel, audit=False)
        pack.add_file("declarations.xlsx", detail)
        counts["declarations"] = result.rows

        step(4, N_("Adding the audit trail…"))
        audit, counts["auditEvents"] = _audit_csv(session, batch.id, decl_ids)
        pack.add("audit-events.csv", audit)
        pack.add(PACK_MEMBER, pack_checkpoint(current_head(session)))

        step(5, N_("Writing checksums…"))
        pack.add("README.txt", _readme(batch, counts, missing, lang, now or datetime.now(UTC)))
        sums = "".join(f"{digest}  {name}\n" for name, digest in sorted(pack.sums.items()))
        zf.writestr("SHA256SUMS", sums.encode("ascii"))
        files = dict(pack.sizes)
        record_event(session, actor, "export.evidence", entity="batch", entity_id=batch.id,
                     details={"file": path.name, **counts, "missing": missing})
    progress(steps, steps, "")
    return EvidenceResult(path, batch.batch_no, files, counts, tuple(missing))


def _safe_name(name: str) -> str:
    """A ZIP member name without folders or parent references."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1].lstrip(".")
    return base or "unnamed"


def _receipts(session: Session, pack: _Pack, decl_ids: Any,
              sources: EvidenceSources) -> tuple[int, int]:
    found = recorded = 0
    rows = session.execute(select(InboundReceipt)
                           .where(InboundReceipt.declaration_id.in_(decl_ids))
                           .order_by(InboundReceipt.id)).scalars()
    for r in rows:
        name = _safe_name(r.file_name)
        kept = session.get(ReceiptFile, r.file_hash)
        data = kept.content if kept is not None else sources.receipt_file(r.file_name,
                                                                          r.file_hash)
        if data is not None:
            if f"receipts/{name}" not in pack.sums:
                pack.add(f"receipts/{name}", data)
                found += 1
            continue
        record = {
            "note": "original file not found; fields as recorded when the receipt was applied",
            "messageType": r.message_type, "fileName": r.file_name, "fileSha256": r.file_hash,
            "guid": r.guid, "copNo": r.cop_no, "preNo": r.pre_no, "invtNo": r.invt_no,
            "returnStatus": r.return_status, "returnTime": r.return_time,
            "returnInfo": r.return_info, "declarationId": r.declaration_id,
            "applied": r.applied, "receivedAt": r.received_at.isoformat(),
        }
        pack.add(f"receipts/recorded/{r.id:08d}-{name}.json",
                 json.dumps(record, ensure_ascii=False, indent=2).encode("utf-8"))
        recorded += 1
    return found, recorded


AUDIT_COLUMNS = ("id", "at", "user", "workstation", "action", "entity", "entity_id",
                 "declaration_id", "details", "reason", "prev_hash", "hash")


def _audit_csv(session: Session, batch_id: int, decl_ids: Any) -> tuple[bytes, int]:
    stmt = (select(AuditEvent)
            .where(or_(AuditEvent.declaration_id.in_(decl_ids),
                       (AuditEvent.entity == "batch") & (AuditEvent.entity_id == str(batch_id))))
            .order_by(AuditEvent.id))
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(AUDIT_COLUMNS)
    n = 0
    for e in session.execute(stmt).scalars():
        details = json.dumps(mask_details(e.details), ensure_ascii=False, sort_keys=True)
        writer.writerow([cells.csv_value(v) for v in (
            e.id, e.at.isoformat(), e.user_name, e.workstation, e.action, e.entity, e.entity_id,
            e.declaration_id, details, redact_text(e.reason or ""), e.prev_hash, e.hash)])
        n += 1
    return ("\ufeff" + buf.getvalue()).encode("utf-8"), n


def _readme(batch: Batch, counts: dict[str, int], missing: list[str], lang: str,
            now: datetime) -> bytes:
    def t(msgid: str) -> str:
        return translate(msgid, lang)

    lines = [
        f"{t(N_('Evidence pack of batch'))} {batch.batch_no}",
        f"{t(N_('Generated'))}: {cells.naive_beijing(now):%Y-%m-%d %H:%M:%S} "
        f"{t(N_('Beijing time'))}",
        "",
        f"{t(N_('Declarations'))}: {counts['declarations']}",
        f"{t(N_('Messages sent'))}: {counts['messages']}",
        f"{t(N_('Receipt files'))}: {counts['receipts']}",
        f"{t(N_('Receipts as recorded (file not found)'))}: {counts['receiptsAsRecorded']}",
        f"{t(N_('Audit events'))}: {counts['auditEvents']}",
        "",
        t(N_("Check the files with: sha256sum -c SHA256SUMS")),
    ]
    if missing:
        lines += ["", f"{t(N_('Not included (not available yet)'))}: {', '.join(missing)}"]
    return ("\n".join(lines) + "\n").encode("utf-8")
