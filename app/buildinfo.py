"""Version and build information: what `cleardesk --version` and Help ▸ About show.

A packaged build (`make dist`) writes the module `cleardesk_build` (in `build/`, outside the
source tree) with the git commit, the build date and the schema revision, and PyInstaller
bundles it. A checkout has no such module: the commit comes from git when it is there, the
schema from the migrations folder, the date is `unknown`.
Nothing here touches the network.
"""

from __future__ import annotations

import importlib
import shutil
import subprocess
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from app import __version__
from app.i18n import translate

UNKNOWN = "unknown"
BUILD_MODULE = "cleardesk_build"
SOURCE_ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class BuildInfo:
    version: str
    commit: str
    build_date: str
    schema: str
    packaged: bool

    def as_dict(self) -> dict[str, str | bool]:
        return {"version": self.version, "commit": self.commit, "buildDate": self.build_date,
                "schema": self.schema, "packaged": self.packaged}

    def text(self, lang: str) -> str:
        """Several lines: the product and version first, then one `label: value` a line."""
        unknown = translate("unknown", lang)
        rows = (
            (translate("Commit", lang), self.commit),
            (translate("Built", lang), self.build_date),
            (translate("Database schema", lang), self.schema),
        )
        lines = [f"ClearDesk {self.version}"]
        lines += [f"{label}: {unknown if value == UNKNOWN else value}" for label, value in rows]
        return "\n".join(lines)


@cache
def build_info() -> BuildInfo:
    """This build's information: from `cleardesk_build` when packaged, else from the checkout."""
    try:
        built = importlib.import_module(BUILD_MODULE)
    except ImportError:
        return BuildInfo(__version__, git_commit(SOURCE_ROOT), UNKNOWN, schema_head(), False)
    return BuildInfo(
        str(getattr(built, "VERSION", __version__)),
        str(getattr(built, "COMMIT", UNKNOWN)),
        str(getattr(built, "BUILD_DATE", UNKNOWN)),
        str(getattr(built, "SCHEMA", UNKNOWN)),
        True,
    )


def git_commit(folder: Path) -> str:
    """Short commit of the checkout at `folder` (`+` when it has uncommitted changes)."""
    git = shutil.which("git")
    if git is None or not (folder / ".git").exists():
        return UNKNOWN
    try:
        commit = subprocess.run(
            [git, "-C", str(folder), "rev-parse", "--short=12", "HEAD"],
            capture_output=True, text=True, timeout=5, check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            [git, "-C", str(folder), "status", "--porcelain", "--untracked-files=no"],
            capture_output=True, text=True, timeout=5, check=True,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return UNKNOWN
    if not commit:
        return UNKNOWN
    return f"{commit}+" if dirty else commit


def schema_head() -> str:
    """The schema revision this build migrates to (the Alembic head)."""
    try:
        from app.db.migrate import head_revision

        return head_revision()
    except Exception:  # a broken migrations folder must not stop --version
        return UNKNOWN


def build_module_source(commit: str, build_date: str, schema: str) -> str:
    """Text of the `cleardesk_build` module as `make dist` writes it."""
    return (
        '"""Written by `make dist` (packaging/write_build_info.py); not in git."""\n\n'
        f"VERSION = {__version__!r}\n"
        f"COMMIT = {commit!r}\n"
        f"BUILD_DATE = {build_date!r}\n"
        f"SCHEMA = {schema!r}\n"
    )
