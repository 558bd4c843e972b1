"""Newer ClearDesk packages in the office's update folder (`updateFolder` setting).

An office without network copies new packages to a shared folder or a USB stick; the app
only looks at the file names there (`cleardesk_<version>_<arch>.deb`, and
`ClearDesk-Setup-<version>.exe` on Windows) and says when one is newer than itself. Nothing
is downloaded or installed by the app: the clerk or the administrator installs it.
"""

from __future__ import annotations

import os
import re
import sys
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.orm import Session

from app import __version__
from app.i18n import Message

UPDATE_FOLDER_KEY = "updateFolder"

DEB_NAME = re.compile(r"^cleardesk_(?P<version>[0-9][0-9A-Za-z.+~-]*)_(?P<arch>[a-z0-9]+)\.deb$")
SETUP_NAME = re.compile(r"^ClearDesk-Setup-(?P<version>[0-9][0-9A-Za-z.+~-]*)\.exe$",
                        re.IGNORECASE)


@dataclass(frozen=True)
class UpdateOffer:
    version: str
    path: Path


@dataclass(frozen=True)
class UpdateCheck:
    """What a look into the update folder found: a newer package, or why there is none."""

    folder: str
    current: str
    offer: UpdateOffer | None
    problem: Message | None = None

    def as_dict(self) -> dict[str, str | None]:
        return {
            "updateFolder": self.folder or None,
            "current": self.current,
            "newer": self.offer.version if self.offer else None,
            "file": str(self.offer.path) if self.offer else None,
        }

    def message(self) -> Message:
        if self.problem is not None:
            return self.problem
        if self.offer is None:
            return Message("ClearDesk {version} is the newest in the update folder {folder}.",
                           {"version": self.current, "folder": self.folder})
        return Message("A newer ClearDesk {version} is ready to install: {file}",
                       {"version": self.offer.version, "file": str(self.offer.path)})


def version_key(version: str) -> tuple[tuple[int, int | str], ...]:
    """Sort key: numeric parts compare as numbers (0.10 > 0.9, 1.0 == 1.0.0); a pre-release
    (`0.2~rc1`, `0.2rc1`) sorts before its release, a build or revision (`0.2+1`, `0.2-1`)
    after it."""
    m = re.match(r"([0-9]+(?:\.[0-9]+)*)(.*)", version.strip())
    if m is None:
        return ((-1, version),)
    nums = [int(p) for p in m.group(1).split(".")]
    while len(nums) > 1 and nums[-1] == 0:
        nums.pop()
    key: list[tuple[int, int | str]] = [(3, n) for n in nums]
    suffix = m.group(2)
    if not suffix:
        key.append((1, ""))
    elif suffix[0] in "+-":
        key.append((2, suffix[1:]))
    else:
        key.append((0, suffix.lstrip("~.")))
    return tuple(key)


def is_newer(candidate: str, current: str) -> bool:
    return version_key(candidate) > version_key(current)


def package_kind() -> str:
    return "exe" if sys.platform == "win32" else "deb"


def find_update(folder: Path, current: str = __version__, kind: str | None = None,
                arch: str | None = None) -> UpdateOffer | None:
    """The newest package in `folder` newer than `current`, for this platform (or None).

    Raises OSError when the folder cannot be read (a USB stick not plugged in, a share
    offline)."""
    kind = kind or package_kind()
    best: UpdateOffer | None = None
    with os.scandir(folder) as entries:
        for entry in entries:
            if kind == "deb":
                m = DEB_NAME.match(entry.name)
                if m and arch is not None and m["arch"] not in (arch, "all"):
                    continue
            else:
                m = SETUP_NAME.match(entry.name)
            if m is None or not entry.is_file():
                continue
            version = m["version"]
            if not is_newer(version, current):
                continue
            if best is None or is_newer(version, best.version):
                best = UpdateOffer(version, Path(entry.path))
    return best


def check_folder(folder: str, current: str = __version__, kind: str | None = None,
                 arch: str | None = None) -> UpdateCheck:
    if not folder.strip():
        return UpdateCheck("", current, None, Message(
            "No update folder is set (setting updateFolder): nothing to check."))
    try:
        offer = find_update(Path(folder), current, kind, arch or machine_arch())
    except OSError as exc:
        return UpdateCheck(folder, current, None, Message(
            "The update folder {folder} cannot be read ({reason}); is the share or USB stick "
            "connected?", {"folder": folder, "reason": exc.strerror or str(exc)}))
    return UpdateCheck(folder, current, offer)


def check_for_update(session: Session, current: str = __version__) -> UpdateCheck:
    """Look into the office's `updateFolder`. Reading the setting needs no permission: every
    user may learn that a newer version exists."""
    from app.services.settings import all_settings

    return check_folder(all_settings(session).get(UPDATE_FOLDER_KEY, ""), current)


def machine_arch() -> str | None:
    """Debian's name for this machine's architecture (for `.deb` names); None elsewhere."""
    names = {"x86_64": "amd64", "amd64": "amd64", "aarch64": "arm64", "arm64": "arm64",
             "loongarch64": "loong64", "mips64": "mips64el", "i686": "i386"}
    try:
        return names.get(os.uname().machine)
    except AttributeError:  # Windows
        return None
