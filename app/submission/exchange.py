"""The exchange folder shared with the customs client (or a USB stick carried to it).

Layout under the exchange root (names configurable; real clients differ per installation):

    outbox/                      messages for the customs client to sign and send
    inbox/                       receipts the client wrote for us
    sent/<yyyyMMdd>/             a copy of every message we handed over
    processed/<yyyyMMdd>/        receipts applied
    error/<yyyyMMdd>/            receipts refused or unmatched, each with <name>.reason.txt

Every file appears under its final name in one atomic rename, so the client never picks up
half a message. Temporary files are hidden (`.<name>.tmp`). No link in the tree is followed
and what we write gets the `exchangeFileMode` (see exchange_fs).

Which inbox names are receipts, and the quarantine record: app.submission.inbox.
"""

from __future__ import annotations

import hashlib
import os
import secrets
import stat
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from app.domain.errors import UserFacingError, ValidationError
from app.i18n import N_
from app.submission.exchange_fs import (
    DEFAULT_FILE_MODE,
    ExchangeModes,
    ExchangeSymlinkError,
    check_folder,
    create_exclusive,
    ensure_folder,
    parse_file_mode,
)
from app.submission.inbox import (
    REASON_SUFFIX,
    SETTLE_SECONDS,
    InboxEntry,
    QuarantineRecord,
    is_receipt_name,
    reason_for_people,
)
from app.submission.receipts import MAX_RECEIPT_BYTES

TMP_SUFFIX = ".tmp"
# A temp file older than this is a crash's leftover, not a write in progress (a message is
# written in well under a second, a slow USB stick included).
STALE_TEMP_SECONDS = 600
RETRY_DAYS = 7  # quarantined files that change are tried again from this many day folders
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


def write_atomic(target: Path, data: bytes, *, durable: bool = True,
                 mode: int = DEFAULT_FILE_MODE) -> Path:
    """Write `data` to `target` via a hidden temp file in the same folder, fsync, rename.

    `durable=False` skips the fsync, for copies whose loss a crash may cause harmlessly. The
    file is created with exactly `mode` (0600: messages hold buyers' personal data).
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.{secrets.token_hex(4)}{TMP_SUFFIX}")
    try:
        with open(create_exclusive(tmp, mode), "wb") as fh:
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
    if not os.path.lexists(target):
        return target
    stem, suffix = target.stem, target.suffix
    n = 1
    while True:
        candidate = target.with_name(f"{stem}~{n}{suffix}")
        if not os.path.lexists(candidate):
            return candidate
        n += 1


class ExchangeFolderTransport:
    """Hands message files to the customs client and collects its receipts."""

    def __init__(self, root: Path | str, names: FolderNames | None = None, *,
                 modes: ExchangeModes | None = None,
                 max_receipt_bytes: int = MAX_RECEIPT_BYTES,
                 settle_seconds: float = SETTLE_SECONDS) -> None:
        self.root = Path(root)
        self.names = names or FolderNames()
        self.modes = modes or ExchangeModes()
        self.max_receipt_bytes = max_receipt_bytes
        self.settle_seconds = settle_seconds
        # (size, mtime_ns, first seen) of inbox files left waiting by earlier scans: unchanged
        # for the settle time by our clock means complete, whatever the file's mtime says (a
        # share's clock may be ahead).
        self.unsettled: dict[str, tuple[int, int, float]] = {}

    @property
    def outbox(self) -> Path:
        return self.root / self.names.outbox

    @property
    def inbox(self) -> Path:
        return self.root / self.names.inbox

    def sent_dir(self, day: str) -> Path:
        return self.root / self.names.sent / day

    def _folder(self, path: Path) -> Path:
        """`path` made (with the exchange folder mode) if missing; a link is refused."""
        return ensure_folder(self.root, path, self.modes)

    def available(self) -> bool:
        """True when the exchange root exists and we can write to it (stick mounted).

        A linked outbox or inbox counts as available: using it then fails with the reason."""
        try:
            if not self.root.is_dir() or not os.access(self.root, os.W_OK | os.X_OK):
                return False
            for folder in (self.outbox, self.inbox):
                try:
                    self._folder(folder)
                except ExchangeSymlinkError:
                    continue
        except (OSError, ValidationError):
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
        return (os.path.lexists(self.outbox / name)
                or os.path.lexists(self.sent_dir(day) / name))

    def hand_over(self, name: str, data: bytes, day: str) -> Path:
        """Put one message in the outbox (atomically), then keep a copy in sent/<day>/.

        Idempotent: a message already handed over is not written again.
        """
        self.require_available()
        target = self._folder(self.outbox) / name
        archive = self._folder(self.sent_dir(day)) / name
        if not self.is_handed_over(name, day):
            write_atomic(target, data, mode=self.modes.file)
        if not os.path.lexists(archive):
            # The archive is a convenience copy (the database keeps every message's XML), so
            # it is not fsync'd; the outbox file is, before the message is marked written.
            write_atomic(archive, data, durable=False, mode=self.modes.file)
        return target

    def clean_temp_files(self, *, now: float | None = None) -> int:
        """Remove temp files a crash left in the outbox and the sent archive; returns how
        many.

        Only those untouched for STALE_TEMP_SECONDS: a younger one may be a message another
        workstation (or this one's other window) is writing right now, and removing it would
        make that delivery fail. Links and linked folders are left alone."""
        cutoff = (time.time() if now is None else now) - STALE_TEMP_SECONDS
        folders = [self.outbox]
        sent = self.root / self.names.sent
        if _real_folder(sent):
            folders += sorted(p for p in sent.iterdir() if _real_folder(p))
        count = 0
        for folder in folders:
            if not _real_folder(folder):
                continue
            for tmp in folder.glob(f".*{TMP_SUFFIX}"):
                try:
                    st = tmp.lstat()
                    if not stat.S_ISREG(st.st_mode) or st.st_mtime > cutoff:
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

    def check_inbound_folders(self, day: str) -> None:
        """Raise ExchangeSymlinkError if the inbox, processed/, error/ or their `day`
        folders is a link (before anything is applied, so no file is left half filed)."""
        for name in (self.names.inbox, self.names.processed, self.names.error):
            check_folder(self.root / name)
        for name in (self.names.processed, self.names.error):
            check_folder(self.root / name / day)

    def inbox_entries(self) -> list[InboxEntry]:
        """Receipt files waiting, oldest name first (temp and hidden names skipped); links
        are listed (to be quarantined), never followed. Raises ExchangeSymlinkError for a
        linked inbox."""
        if not check_folder(self.inbox):
            return []
        out: list[InboxEntry] = []
        with os.scandir(self.inbox) as it:
            for entry in it:
                if not is_receipt_name(entry.name):
                    continue
                try:
                    st = entry.stat(follow_symlinks=False)
                except FileNotFoundError:
                    continue
                if not stat.S_ISDIR(st.st_mode):  # a FIFO or device is refused when read
                    out.append(InboxEntry(Path(entry.path), st.st_size, st.st_mtime_ns,
                                          stat.S_ISLNK(st.st_mode)))
        return sorted(out, key=lambda e: e.path.name)

    def inbox_files(self) -> list[Path]:
        """Receipt files waiting, oldest name first (temp and hidden files skipped)."""
        return [e.path for e in self.inbox_entries()]

    def move_processed(self, path: Path, day: str) -> Path:
        folder = self._folder(self.root / self.names.processed / day)
        target = _unique(folder / path.name)
        os.replace(path, target)
        return target

    def move_error(self, path: Path, day: str, reason: str,
                   record: QuarantineRecord | None = None) -> Path:
        """Quarantine a receipt, with `<name>.reason.txt` next to it saying why (and, with
        `record`, what the file looked like, so that a changed file is tried again). A link
        is moved as the link itself."""
        folder = self._folder(self.root / self.names.error / day)
        target = _unique(folder / path.name)
        text = reason.rstrip() + "\n" + ("\n" + record.as_text() if record else "")
        reason_file = write_atomic(target.with_name(target.name + REASON_SUFFIX),
                                   text.encode("utf-8"), mode=self.modes.file)
        try:
            os.replace(path, target)
        except BaseException:  # e.g. still held open by the client on Windows
            reason_file.unlink(missing_ok=True)
            raise
        return target

    def error_files(self) -> list[Path]:
        """Quarantined receipts (links included, not followed), by folder and name."""
        folder = self.root / self.names.error
        if not _real_folder(folder):
            return []
        found: list[Path] = []
        for dirpath, dirnames, filenames in os.walk(folder):  # never descends into a link
            dirnames.sort()
            found += [Path(dirpath) / n for n in sorted(filenames) if n.lower().endswith(".xml")]
        return found

    def retry_changed(self) -> list[str]:
        """Move back to the inbox every quarantined receipt that changed since it was
        quarantined (a file still being written when it was read, or repaired by hand);
        returns their names. Unchanged files and links stay where they are.

        Only the newest RETRY_DAYS day folders are looked at: the scan runs every 30 s and
        error/ keeps growing (unmatched receipts stay there)."""
        back: list[str] = []
        folder = self.root / self.names.error
        days = sorted(p.name for p in folder.iterdir() if _real_folder(p)) if _real_folder(
            folder) else []
        recent = set(days[-RETRY_DAYS:])
        for path in self.error_files():
            if path.parent.name not in recent or path.parent.parent != folder:
                continue
            reason = path.with_name(path.name + REASON_SUFFIX)
            try:
                record = QuarantineRecord.from_text(reason.read_text("utf-8", "replace"))
                st = path.lstat()
            except OSError:
                continue
            if (record is None or record.symlink or not stat.S_ISREG(st.st_mode)
                    or (st.st_size, st.st_mtime_ns) == (record.size, record.mtime_ns)):
                continue
            if st.st_size == record.size and record.sha256 and st.st_size <= (
                    self.max_receipt_bytes) and sha256_hex(path.read_bytes()) == record.sha256:
                continue  # only touched
            try:
                back.append(self.take_back(path).name)
            except FileNotFoundError:
                continue
        return back

    def take_back(self, path: Path) -> Path:
        """Move a quarantined receipt back to the inbox to be read again; its reason goes."""
        target = _unique(self._folder(self.inbox) / path.name)
        os.replace(path, target)
        path.with_name(path.name + REASON_SUFFIX).unlink(missing_ok=True)
        return target

    def reason_of(self, path: Path) -> str:
        """Why a quarantined receipt was refused, as written for people (no record)."""
        try:
            text = path.with_name(path.name + REASON_SUFFIX).read_text("utf-8", "replace")
        except OSError:
            return ""
        return reason_for_people(text)


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
    return ExchangeFolderTransport(
        Path(root), names, modes=parse_file_mode(values.get("exchangeFileMode")),
        max_receipt_bytes=int(setting_number("receiptMaxMB", values.get("receiptMaxMB"))
                              * 2**20),
        settle_seconds=setting_number("receiptSettleSeconds", values.get("receiptSettleSeconds")))


_NUMBERS = {"receiptMaxMB": (MAX_RECEIPT_BYTES / 2**20, 1, 1000),
            "receiptSettleSeconds": (SETTLE_SECONDS, 0, 3600)}


def setting_number(key: str, text: str | None) -> float:
    """`receiptMaxMB` / `receiptSettleSeconds` as a number (its default when empty).
    Raises ValidationError when it is no number or out of range."""
    default, low, high = _NUMBERS[key]
    raw = (text or "").strip()
    try:
        number = float(raw) if raw else default
    except ValueError:
        number = float("nan")
    if not low <= number <= high:
        raise ValidationError(N_("The setting {key} must be a number from {low} to {high}, "
                                 "not {value}."), key=key, low=low, high=high, value=raw)
    return number


def check_exchange_setting(key: str, value: str) -> None:
    """Raise ValidationError for a value of an exchange setting the transport would refuse
    (checked when the setting is saved, so the watcher never meets it)."""
    if key == "exchangeFileMode":
        parse_file_mode(value)
    elif key in _NUMBERS:
        setting_number(key, value)
    elif key == "sendWaybills" and value.strip().lower() not in _YES_NO:
        raise ValidationError(N_("{key} must be yes or no, not {value}."), key=key,
                              value=value[:20])


_YES_NO = frozenset({"yes", "no", "y", "n", "true", "false", "1", "0", "on", "off", "是", "否"})


def _real_folder(path: Path) -> bool:
    try:
        return stat.S_ISDIR(path.lstat().st_mode)
    except OSError:
        return False
