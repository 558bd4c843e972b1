"""Write build/buildinfo/cleardesk_build.py: commit, build date (UTC) and schema of this build.

Run by `make dist` before PyInstaller. No network: the commit comes from the local git.
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app.buildinfo import BUILD_MODULE, build_module_source, git_commit, schema_head  # noqa: E402


def main() -> int:
    target = ROOT / "build" / "buildinfo" / f"{BUILD_MODULE}.py"
    target.parent.mkdir(parents=True, exist_ok=True)
    date = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    target.write_text(build_module_source(git_commit(ROOT), date, schema_head()),
                      encoding="utf-8")
    print(target.read_text(encoding="utf-8"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
