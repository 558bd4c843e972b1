"""Output files are written under a temporary name in the target folder, then renamed.

Exports hold buyers' personal data, so the file is owner-only (0600) from the moment it
exists: the temp file is created with that mode before any writer opens it (writers truncate
and keep the mode), and the rename carries it to the final name.
"""

from __future__ import annotations

import contextlib
import os
import secrets
from collections.abc import Iterator
from pathlib import Path

from app.domain.errors import ValidationError
from app.security.files import create_private_output


def check_target(target: Path, suffixes: tuple[str, ...]) -> Path:
    """The target path, checked: its folder exists and its extension is one of `suffixes`."""
    path = Path(target).expanduser()
    if path.suffix.lower() not in suffixes:
        raise ValidationError("The file name must end with {suffixes}.",
                              suffixes=" / ".join(suffixes))
    if not path.parent.is_dir():
        raise ValidationError("The folder {folder} does not exist.", folder=str(path.parent))
    return path


PRIVATE_FILE_MODE = 0o600  # exports carry identity numbers: readable by their owner only


@contextlib.contextmanager
def atomic_path(target: Path) -> Iterator[Path]:
    """Yield a temporary path next to `target`; rename it onto `target` when the block
    succeeds, delete it when the block raises (a cancelled export leaves nothing behind).

    The file is created readable by its owner only (0600) before anything is written into
    it. Record the audit event inside the block, so a failed audit leaves no file either.
    """
    temp = target.parent / f".{target.name}.{secrets.token_hex(6)}.tmp"
    try:
        create_private_output(temp)
        yield temp
        with contextlib.suppress(OSError):  # a USB stick's FAT has no modes
            os.chmod(temp, PRIVATE_FILE_MODE)  # in case a writer replaced the file
        os.replace(temp, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            temp.unlink()
        raise
