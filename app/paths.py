"""Where shipped files live: one helper, valid from a checkout and from an installed wheel.

`resources/` and `migrations/` are packages of their own, so `importlib.resources` finds
them wherever the project is installed; nothing here depends on the current directory.
"""

from __future__ import annotations

from importlib.resources import as_file, files
from pathlib import Path


def resource_path(*parts: str) -> Path:
    """Path of a file or folder under the shipped `resources/` package."""
    return _package_path("resources", *parts)


def migrations_path() -> Path:
    """Folder holding the Alembic environment (`env.py`, `versions/`)."""
    return _package_path("migrations")


def _package_path(package: str, *parts: str) -> Path:
    node = files(package).joinpath(*parts)
    # Regular (non-zip) installs give a real path; as_file is a no-op for them.
    with as_file(node) as real:
        return Path(real)
