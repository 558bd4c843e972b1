"""Where the evidence pack gets the parts other areas own.

- Manifest and labels PDFs are drawn by the printing area's document writers from its streamed
  sources (`app.services.print_sources`); this module is the single call site. They are copies
  for the file, not prints: no print log, no reprint check, nothing counted as printed.
- Receipt files: since schema 0002 the database keeps every applied receipt file's bytes
  (`receipt_files`); for receipts applied before that, the exchange folder may still keep them
  under `processed/<yyyyMMdd>/`. `receipt_finder` looks there and accepts a file only when its
  SHA-256 equals the recorded hash.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.orm import Session

from app.db.models import Batch
from app.documents.labels import write_labels
from app.documents.manifest import write_manifest
from app.documents.profiles import get_profile
from app.domain.errors import NotFoundError
from app.security.context import Actor
from app.services.print_sources import (
    load_context,
    manifest_header,
    resolve_ids,
    stream_labels,
    stream_manifest_rows,
)
from app.submission.exchange_fs import read_regular
from app.submission.receipts import ReceiptParseError

# (session, actor, batch id, target PDF path, language) -> None; raises UserFacingError.
PdfWriter = Callable[[Session, Actor, int, Path, str], None]
ReceiptFinder = Callable[[str, str], bytes | None]


@dataclass(frozen=True)
class EvidenceSources:
    manifest_pdf: PdfWriter | None
    labels_pdf: PdfWriter | None
    receipt_file: ReceiptFinder


def _batch_no(session: Session, batch_id: int) -> str:
    batch = session.get(Batch, batch_id)
    if batch is None:
        raise NotFoundError("No batch with number or id {key}.", key=str(batch_id))
    return batch.batch_no


def write_manifest_copy(session: Session, actor: Actor, batch_id: int, target: Path,
                        lang: str) -> None:
    """The batch manifest as printing draws it (rows streamed from the database)."""
    batch_no = _batch_no(session, batch_id)
    ctx = load_context(session)
    header = manifest_header(session, batch_no, ctx)
    ids = resolve_ids(session, batch_no=batch_no)
    write_manifest(header, stream_manifest_rows(session, ids), target, lang)


def write_labels_copy(session: Session, actor: Actor, batch_id: int, target: Path,
                      lang: str) -> None:
    """The batch's parcel labels on the configured label profile."""
    ctx = load_context(session)
    ids = resolve_ids(session, batch_no=_batch_no(session, batch_id))
    write_labels(stream_labels(session, ids, ctx), target, get_profile(ctx.profile))

# Receipts above the largest receiptMaxMB an office may set are not ours to copy.
MAX_EVIDENCE_RECEIPT_BYTES = 1000 * 2**20


def printing_hooks() -> tuple[PdfWriter | None, PdfWriter | None]:
    """(manifest writer, labels writer) for the evidence pack."""
    return write_manifest_copy, write_labels_copy


def receipt_finder(exchange_dir: str | None) -> ReceiptFinder:
    """A finder for applied receipt files under `exchange_dir/processed/*/`."""
    root = Path(exchange_dir).expanduser() / "processed" if exchange_dir else None

    def find(file_name: str, file_hash: str) -> bytes | None:
        if root is None or not root.is_dir() or "/" in file_name or "\\" in file_name:
            return None
        for candidate in sorted(root.glob(f"*/{file_name}")):
            try:  # never through a link, never a FIFO, never more than a receipt may be
                data, _ = read_regular(candidate, MAX_EVIDENCE_RECEIPT_BYTES)
            except (ReceiptParseError, OSError):
                continue
            if hashlib.sha256(data).hexdigest() == file_hash:
                return data
        return None

    return find


def default_sources(exchange_dir: str | None) -> EvidenceSources:
    manifest, labels = printing_hooks()
    return EvidenceSources(manifest, labels, receipt_finder(exchange_dir))
