"""What the inbox holds: which names are receipts, and what a quarantined file looked like.

Inbox names taken as receipts: `*.xml`, except hidden or temp names a client writes before
renaming (a leading `.` or `~`); `*.tmp`, `*.part`, `*.partial`, `*.filepart`, `*.crdownload`
and `*~` do not end in `.xml` and are never read.

A quarantined file's `<name>.reason.txt` says why for people, then keeps a record of the file
(size, mtime, SHA-256): when the file changes afterwards it is tried again.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

REASON_SUFFIX = ".reason.txt"
# A receipt that fails as incomplete XML is "still arriving" (left in the inbox) until it has
# not changed for this long: the client may be writing it under its final name.
SETTLE_SECONDS = 5.0
_RECORD_HEAD = "-- quarantine record (ClearDesk tries the file again when it changes) --"


def is_receipt_name(name: str) -> bool:
    """Whether an inbox name is a receipt to read (not hidden, not a client's temp name)."""
    return name.lower().endswith(".xml") and not name.startswith((".", "~"))


@dataclass(frozen=True)
class InboxEntry:
    """A receipt file in the inbox as listed (lstat: a link is described, not followed)."""

    path: Path
    size: int
    mtime_ns: int
    symlink: bool

    @property
    def snapshot(self) -> tuple[int, int]:
        return (self.size, self.mtime_ns)


@dataclass(frozen=True)
class QuarantineRecord:
    """What a quarantined file looked like, kept in its reason file."""

    size: int
    mtime_ns: int
    sha256: str = ""
    symlink: bool = False

    def as_text(self) -> str:
        return (f"{_RECORD_HEAD}\nsize: {self.size}\nmtime_ns: {self.mtime_ns}\n"
                f"sha256: {self.sha256 or '-'}\nlink: {'yes' if self.symlink else 'no'}\n")

    @classmethod
    def from_text(cls, text: str) -> QuarantineRecord | None:
        _, found, tail = text.partition(_RECORD_HEAD)
        if not found:
            return None
        values = dict(line.split(": ", 1) for line in tail.splitlines() if ": " in line)
        try:
            return cls(int(values["size"]), int(values["mtime_ns"]),
                       values.get("sha256", "-").strip("-"), values.get("link") == "yes")
        except (KeyError, ValueError):
            return None


def reason_for_people(text: str) -> str:
    """A reason file's text without its record."""
    return text.partition(_RECORD_HEAD)[0].strip()
