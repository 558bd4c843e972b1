"""Where shipped files live: one helper, valid from a checkout, an installed wheel and the
packaged (PyInstaller) build.

`resources/` and `migrations/` are packages of their own, so `importlib.resources` finds
them wherever the project is installed; nothing here depends on the current directory. The
packaged build (`make dist`, packaging/cleardesk.spec) copies both folders next to its
libraries, in `sys._MEIPASS`, and reads them from there.
"""

from __future__ import annotations

import sys
from importlib.resources import as_file, files
from pathlib import Path


def resource_path(*parts: str) -> Path:
    """Path of a file or folder under the shipped `resources/` package."""
    return _package_path("resources", *parts)


def migrations_path() -> Path:
    """Folder holding the Alembic environment (`env.py`, `versions/`)."""
    return _package_path("migrations")


def frozen_root() -> Path | None:
    """The packaged build's folder of bundled files; None when running from Python."""
    if not getattr(sys, "frozen", False):
        return None
    root = getattr(sys, "_MEIPASS", None)
    return Path(root) if root else Path(sys.executable).resolve().parent


def self_command() -> list[str]:
    """The command line that starts this ClearDesk again (packaged or from Python)."""
    if frozen_root() is not None:
        return [sys.executable]
    return [sys.executable, "-m", "app"]


def _package_path(package: str, *parts: str) -> Path:
    root = frozen_root()
    if root is not None:
        return root.joinpath(package, *parts)
    node = files(package).joinpath(*parts)
    # Regular (non-zip) installs give a real path; as_file is a no-op for them.
    with as_file(node) as real:
        return Path(real)
