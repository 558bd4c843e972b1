"""The exchange folder shared with the customs client (or a USB stick carried to it).

Layout under the exchange root (names configurable; real clients differ per installation):

    outbox/                      messages for the customs client to sign and send
    inbox/                       receipts the client wrote for us
    sent/<yyyyMMdd>/             a copy of every message we handed over
    processed/<yyyyMMdd>/        receipts applied
    error/<yyyyMMdd>/            receipts refused or unmatched, each with <name>.reason.txt

Every file appears under its final name in one atomic rename, so the client never picks up
half a message. Temporary files are hidden (`.<name>.tmp`).
"""

from __future__ import annotations

import hashlib
import os
import secrets
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from app.domain.errors import UserFacingError, ValidationError
from app.i18n import N_

TMP_SUFFIX = ".tmp"
# A temp file older than this is a crash's leftover, not a write in progress (a message is
# written in well under a second, a slow USB stick included).
STALE_TEMP_SECONDS = 600
MANIFEST_NAME = "MANIFEST.sha256"


class ExchangeOfflineError(UserFacingError):
    """The exchange folder cannot be reached (stick not mounted, share offline)."""


@dataclass(frozen=True)
class FolderNames:
    outbox: str = "outbox"
    inbox: str = "inbox"
    sent: str = "sent"
    processed: str = "processed"
    error: str = "error"


def message_file_name(message_type: str, batch: str, when: datetime, seq: int) -> str:
    """`CEB621_<batch>_<yyyyMMddHHmmssSSS>_<seq>.xml` (message type without "Message")."""
    code = message_type.removesuffix("Message")
    stamp = when.strftime("%Y%m%d%H%M%S") + f"{when.microsecond // 1000:03d}"
    safe_batch = "".join(c if c.isalnum() or c in "-" else "-" for c in batch)[:40]
    return f"{code}_{safe_batch}_{stamp}_{seq:04d}.xml"


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def write_atomic(target: Path, data: bytes, *, durable: bool = True) -> Path:
    """Write `data` to `target` via a hidden temp file in the same folder, fsync, rename.

    `durable=False` skips the fsync, for copies whose loss a crash may cause harmlessly.
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.{secrets.token_hex(4)}{TMP_SUFFIX}")
    try:
        with open(tmp, "wb") as fh:
            fh.write(data)
            if durable:
                fh.flush()
                os.fsync(fh.fileno())
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return target


def _unique(target: Path) -> Path:
    if not target.exists():
        return target
    stem, suffix = target.stem, target.suffix
    n = 1
    while True:
        candidate = target.with_name(f"{stem}~{n}{suffix}")
        if not candidate.exists():
            return candidate
        n += 1


class ExchangeFolderTransport:
    """Hands message files to the customs client and collects its receipts."""

    def __init__(self, root: Path | str, names: FolderNames | None = None) -> None:
        self.root = Path(root)
        self.names = names or FolderNames()

    @property
    def outbox(self) -> Path:
        return self.root / self.names.outbox

    @property
    def inbox(self) -> Path:
        return self.root / self.names.inbox

    def sent_dir(self, day: str) -> Path:
        return self.root / self.names.sent / day

    def available(self) -> bool:
        """True when the exchange root exists and we can write to it (stick mounted)."""
        try:
            if not self.root.is_dir() or not os.access(self.root, os.W_OK | os.X_OK):
                return False
            self.outbox.mkdir(exist_ok=True)
            self.inbox.mkdir(exist_ok=True)
        except OSError:
            return False
        return True

    def require_available(self) -> None:
        if not self.available():
            raise ExchangeOfflineError(
                N_("The exchange folder {path} is not reachable. Messages stay pending and "
                   "are written when it is back."), path=str(self.root))

    # -- outbound ---------------------------------------------------------------------------

    def is_handed_over(self, name: str, day: str) -> bool:
        """Whether `name` already reached the client: in the outbox, or in the sent archive
        (the client may already have taken it from the outbox)."""
        return (self.outbox / name).exists() or (self.sent_dir(day) / name).exists()

    def hand_over(self, name: str, data: bytes, day: str) -> Path:
        """Put one message in the outbox (atomically), then keep a copy in sent/<day>/.

        Idempotent: a message already handed over is not written again.
        """
        self.require_available()
        target = self.outbox / name
        if not self.is_handed_over(name, day):
            write_atomic(target, data)
        archive = self.sent_dir(day) / name
        if not archive.exists():
            # The archive is a convenience copy (the database keeps every message's XML), so
            # it is not fsync'd; the outbox file is, before the message is marked written.
            write_atomic(archive, data, durable=False)
        return target

    def clean_temp_files(self, *, now: float | None = None) -> int:
        """Remove temp files a crash left in the outbox; returns how many.

        Only those untouched for STALE_TEMP_SECONDS: a younger one may be a message another
        workstation (or this one's other window) is writing right now, and removing it would
        make that delivery fail."""
        count = 0
        if self.outbox.is_dir():
            cutoff = (time.time() if now is None else now) - STALE_TEMP_SECONDS
            for tmp in self.outbox.glob(f".*{TMP_SUFFIX}"):
                try:
                    if tmp.stat().st_mtime > cutoff:
                        continue
                    tmp.unlink()
                except FileNotFoundError:  # renamed into place (or removed) meanwhile
                    continue
                count += 1
        return count

    def outbox_files(self) -> list[Path]:
        if not self.outbox.is_dir():
            return []
        return sorted(p for p in self.outbox.glob("*.xml") if not p.name.startswith("."))

    # -- inbound ----------------------------------------------------------------------------

    def inbox_files(self) -> list[Path]:
        """Receipt files waiting, oldest name first (temp and hidden files skipped)."""
        if not self.inbox.is_dir():
            return []
        return sorted(
            p for p in self.inbox.iterdir()
            if p.is_file() and not p.name.startswith(".") and p.suffix.lower() == ".xml"
        )

    def move_processed(self, path: Path, day: str) -> Path:
        target = _unique(self.root / self.names.processed / day / path.name)
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(path, target)
        return target

    def move_error(self, path: Path, day: str, reason: str) -> Path:
        """Quarantine a receipt, with `<name>.reason.txt` next to it saying why."""
        target = _unique(self.root / self.names.error / day / path.name)
        target.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(target.with_name(target.name + ".reason.txt"),
                     (reason.rstrip() + "\n").encode("utf-8"))
        os.replace(path, target)
        return target

    def error_files(self) -> list[Path]:
        folder = self.root / self.names.error
        if not folder.is_dir():
            return []
        return sorted(p for p in folder.rglob("*.xml") if p.is_file())


def export_to_folder(dest: Path | str, files: Iterable[tuple[str, bytes]]) -> Path:
    """Write messages to `dest` for a hand-carried transfer, plus a SHA-256 manifest.

    The manifest uses the `sha256sum` format (`<hex>  <name>`), so the receiving PC can check
    it with `sha256sum -c MANIFEST.sha256`; it is written last, so its presence means the copy
    is complete. Returns the manifest path.
    """
    folder = Path(dest)
    folder.mkdir(parents=True, exist_ok=True)
    lines: list[str] = []
    for name, data in files:
        write_atomic(folder / name, data)
        lines.append(f"{sha256_hex(data)}  {name}")
    manifest = folder / MANIFEST_NAME
    write_atomic(manifest, ("\n".join(lines) + "\n").encode("utf-8"))
    return manifest


def verify_manifest(folder: Path | str) -> list[str]:
    """Names whose content does not match the manifest (missing files included)."""
    base = Path(folder)
    bad: list[str] = []
    for line in (base / MANIFEST_NAME).read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        digest, _, name = line.partition("  ")
        path = base / name
        if not path.is_file() or sha256_hex(path.read_bytes()) != digest:
            bad.append(name)
    return bad


def transport_from_settings(values: Mapping[str, str | None],
                            override: Path | str | None = None) -> ExchangeFolderTransport:
    """The exchange folder of the broker settings (`exchangeDir`, `outboxName`,
    `inboxName`), or `override` with the configured folder names."""
    root = override or values.get("exchangeDir")
    if not root:
        raise ValidationError(N_("No exchange folder is set: choose one in the settings "
                                 "(exchangeDir) or pass --exchange DIR."))
    names = FolderNames(outbox=values.get("outboxName") or "outbox",
                        inbox=values.get("inboxName") or "inbox")
    return ExchangeFolderTransport(Path(root), names)
