"""Where the evidence pack gets the parts other areas own.

- Manifest and labels PDFs belong to the printing area (issue 8). `PRINTING_HOOKS` is the single
  call site: while printing's batch-level functions are not on main, both are None and the pack
  lists them as missing in its README.
- Receipt files: the data model keeps a receipt's fields and hash, not its bytes; the exchange
  folder keeps applied receipts under `processed/<yyyyMMdd>/`. `find_receipt_file` looks there
  and accepts a file only when its SHA-256 equals the recorded hash.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.orm import Session

from app.security.context import Actor

# (session, actor, batch id, target PDF path) -> None; raises UserFacingError on failure.
PdfWriter = Callable[[Session, Actor, int, Path], None]
ReceiptFinder = Callable[[str, str], bytes | None]


@dataclass(frozen=True)
class EvidenceSources:
    manifest_pdf: PdfWriter | None
    labels_pdf: PdfWriter | None
    receipt_file: ReceiptFinder


def printing_hooks() -> tuple[PdfWriter | None, PdfWriter | None]:
    """(manifest writer, labels writer) of the printing area; None until it provides them.

    HOOK: when app/documents gains `write_batch_manifest(session, actor, batch_id, path)` and
    `write_batch_labels(...)`, return them here.
    """
    return None, None


def receipt_finder(exchange_dir: str | None) -> ReceiptFinder:
    """A finder for applied receipt files under `exchange_dir/processed/*/`."""
    root = Path(exchange_dir).expanduser() / "processed" if exchange_dir else None

    def find(file_name: str, file_hash: str) -> bytes | None:
        if root is None or not root.is_dir() or "/" in file_name or "\\" in file_name:
            return None
        for candidate in sorted(root.glob(f"*/{file_name}")):
            data = candidate.read_bytes()
            if hashlib.sha256(data).hexdigest() == file_hash:
                return data
        return None

    return find


def default_sources(exchange_dir: str | None) -> EvidenceSources:
    manifest, labels = printing_hooks()
    return EvidenceSources(manifest, labels, receipt_finder(exchange_dir))
