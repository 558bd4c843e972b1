"""Owner-only files: the database, its backups and the folders holding them.

The database holds buyers' identity numbers; on a shared PC other accounts must not read it.
On POSIX files are created with mode 0600 and folders 0700 whatever the umask; on Windows
the user's profile folder already restricts access, so the modes are left to the system.
"""

from __future__ import annotations

import contextlib
import os
import stat
import sys
from pathlib import Path

OWNER_FILE_MODE = 0o600
OWNER_DIR_MODE = 0o700
_POSIX = sys.platform != "win32"


def ensure_owner_only(path: Path) -> None:
    """Remove group/other access from an existing file (no-op on Windows)."""
    if not _POSIX:
        return
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        path.chmod(mode & 0o700)


def ensure_private_dir(path: Path) -> Path:
    """Create `path` (and parents) if missing; a folder we create is owner-only."""
    if not path.exists():
        path.mkdir(parents=True, exist_ok=True)
        if _POSIX:
            path.chmod(OWNER_DIR_MODE)
    return path


def create_owner_only(path: Path) -> None:
    """Create an empty file readable by the owner only; fails if it already exists."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0),
                 OWNER_FILE_MODE)
    os.close(fd)
    ensure_owner_only(path)  # in case the umask removed nothing but the FS ignored the mode


def create_private_output(path: Path) -> None:
    """Create an empty output file (an export, a PDF) readable by the owner only; fails if it
    exists. Only the creation mode is used (the umask can only take bits away), no chmod
    afterwards: that would fail on a USB stick's FAT, which has no modes."""
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0),
                     OWNER_FILE_MODE))


def prepare_database_file(path: Path) -> None:
    """Make sure a SQLite database file (and its WAL/SHM companions) is owner-only.

    Call before the engine opens the file: a missing file is created empty with mode 0600,
    and SQLite gives the -wal/-shm files it creates later the same mode as the database.
    """
    ensure_private_dir(path.parent)
    if not path.exists():
        with contextlib.suppress(FileExistsError):
            create_owner_only(path)
    for suffix in ("", "-wal", "-shm", "-journal"):
        companion = _sibling(path, suffix)
        if companion.exists():
            ensure_owner_only(companion)


def _sibling(path: Path, suffix: str) -> Path:
    return path.with_name(path.name + suffix)


def fsync_file(path: Path) -> None:
    """Flush a file's content to disk before it is renamed into place."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_BINARY", 0))
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def fsync_dir(path: Path) -> None:
    """Flush a folder entry after a rename (POSIX only; Windows has no directory fsync)."""
    if not _POSIX:
        return
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def safe_child(folder: Path, name: str) -> Path:
    """`folder / name` for a file name that came from outside (a receipt, an archive entry,
    a platform file), refusing anything that would land outside `folder`.

    Raises ValueError for empty names, absolute paths, drive letters and `..` parts; the
    name keeps only its last component after a separator (`a/b.xml` → `b.xml`).
    """
    if not name or "\x00" in name:
        raise ValueError("empty or NUL file name")
    leaf = name.replace("\\", "/").rsplit("/", 1)[-1]
    if leaf in ("", ".", "..") or (len(leaf) >= 2 and leaf[1] == ":"):
        raise ValueError(f"unsafe file name: {name!r}")
    target = (folder / leaf).resolve()
    if target.parent != folder.resolve():
        raise ValueError(f"file name leaves its folder: {name!r}")
    return target
