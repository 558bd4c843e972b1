"""File operations on the exchange folder that never follow a symbolic link.

Anyone who can write into the exchange folder (the customs client's account, a USB stick
from elsewhere) could plant a link: a receipt pointing at a file outside, an `inbox` pointing
at another folder whose files we would move away, an `error` folder pointing where we would
write. So every folder of the tree is checked with lstat before use (a link is refused with
ExchangeSymlinkError naming it), files are opened with O_NOFOLLOW, and a renamed link is moved
as the link itself. The exchange root is the one path allowed to be a link: it comes from the
settings, not from the folder.

Modes: files we write there get `exchangeFileMode` (default 0600) exactly, whatever the
umask; folders we create get the same bits plus search (x) wherever a read bit is set.
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
from dataclasses import dataclass
from pathlib import Path

from app.domain.errors import UserFacingError, ValidationError
from app.i18n import N_
from app.submission.receipts import ReceiptParseError, too_large

_POSIX = os.name == "posix"
_O_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_O_NONBLOCK = getattr(os, "O_NONBLOCK", 0)  # a FIFO planted in the inbox must not block us
_O_BINARY = getattr(os, "O_BINARY", 0)
DEFAULT_FILE_MODE = 0o600


class ExchangeSymlinkError(UserFacingError):
    """A folder of the exchange tree is a symbolic link: nothing is read or written there."""


@dataclass(frozen=True)
class ExchangeModes:
    """Modes of what we create in the exchange folder (POSIX only; Windows uses its ACLs)."""

    file: int = DEFAULT_FILE_MODE

    @property
    def folder(self) -> int:
        return self.file | 0o100 | ((self.file & 0o044) >> 2)


def parse_file_mode(text: str | None) -> ExchangeModes:
    """`exchangeFileMode` ("0600", "640", "0o640") → modes. Raises ValidationError unless the
    owner can read and write and nothing is executable."""
    raw = (text or "").strip().lower().removeprefix("0o") or oct(DEFAULT_FILE_MODE)[2:]
    try:
        mode = int(raw, 8)
    except ValueError:
        mode = -1
    if mode < 0 or mode & ~0o666 or mode & 0o600 != 0o600:
        raise ValidationError(
            N_("exchangeFileMode must be an octal file mode the owner can read and write, "
               "without execute bits (0600, 0640 or 0644), not {value}."), value=text or "")
    return ExchangeModes(mode)


def refuse_link(path: Path) -> ExchangeSymlinkError:
    return ExchangeSymlinkError(
        N_("The exchange folder {path} is a symbolic link. ClearDesk does not follow links "
           "in the exchange folder: replace it with a real folder."), path=str(path))


def check_folder(path: Path) -> bool:
    """Whether `path` exists as a real folder; raises ExchangeSymlinkError for a link."""
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        return False
    if stat.S_ISLNK(st.st_mode):
        raise refuse_link(path)
    if not stat.S_ISDIR(st.st_mode):
        raise ValidationError(N_("{path} in the exchange folder is a file, not a folder."),
                              path=str(path))
    return True


def ensure_folder(root: Path, path: Path, modes: ExchangeModes) -> Path:
    """Create `path` (below `root`) folder by folder, refusing any link on the way."""
    current = root
    for part in path.relative_to(root).parts:
        current = current / part
        if check_folder(current):
            continue
        try:
            os.mkdir(current, modes.folder)
        except FileExistsError:
            check_folder(current)  # made meanwhile by another process: still no link
            continue
        if _POSIX:  # the umask took bits; set them on the folder we made, not a link
            fd = os.open(current, os.O_RDONLY | os.O_DIRECTORY | _O_NOFOLLOW)
            try:
                with contextlib.suppress(OSError):  # FAT sticks refuse modes (EPERM)
                    os.fchmod(fd, modes.folder)
            finally:
                os.close(fd)
    return path


def create_exclusive(path: Path, mode: int) -> int:
    """Open a new file for writing (fails if anything, a link included, has that name) with
    exactly `mode`."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _O_NOFOLLOW | _O_BINARY, mode)
    if _POSIX:
        with contextlib.suppress(OSError):  # a FAT USB stick has no modes to set (EPERM)
            os.fchmod(fd, mode)
    return fd


def read_regular(path: Path, limit: int) -> tuple[bytes, os.stat_result]:
    """The bytes of a regular file, opened without following a link, never more than `limit`
    read into memory. Returns the content and the file's stat taken after reading.

    Raises ReceiptParseError (`symlink`, `not_a_file`, `too_large`) for a file to quarantine,
    OSError when it cannot be read now (gone, locked by the writer).
    """
    try:
        fd = os.open(path, os.O_RDONLY | _O_NOFOLLOW | _O_NONBLOCK | _O_BINARY)
    except OSError as exc:
        if exc.errno in (errno.ELOOP, errno.EMLINK) and os.path.islink(path):
            raise symlink_refused() from exc
        raise
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise ReceiptParseError(N_("Refused: not a regular file."), code="not_a_file")
        if st.st_size > limit:
            raise too_large(limit)
        chunks: list[bytes] = []
        left = limit + 1
        while left > 0:
            chunk = os.read(fd, min(left, 1 << 20))
            if not chunk:
                break
            chunks.append(chunk)
            left -= len(chunk)
        if left <= 0:  # it grew past the limit while we read
            raise too_large(limit)
        return b"".join(chunks), os.fstat(fd)
    finally:
        os.close(fd)


def symlink_refused() -> ReceiptParseError:
    return ReceiptParseError(
        N_("Refused: the file is a symbolic link. Links in the exchange folder are never "
           "followed; the link itself was moved here, its target was not read."),
        code="symlink")
