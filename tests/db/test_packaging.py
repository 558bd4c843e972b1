"""Resources and migrations are found from an installed wheel, not relative to the checkout."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from app.db.migrate import head_revision

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_installed_wheel_finds_resources_and_migrates(tmp_path: Path) -> None:
    wheels, target = tmp_path / "wheels", tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(wheels),
                    str(ROOT)], check=True, capture_output=True)
    (wheel,) = wheels.glob("cleardesk-*.whl")
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target",
                    str(target), str(wheel)], check=True, capture_output=True)
    probe = (
        "import app.paths as p, sys;"
        "assert str(p.resource_path('fonts', 'wqy-microhei.ttc')).startswith(sys.argv[1]);"
        "assert (p.migrations_path() / 'env.py').is_file();"
        "from app.cli import main; sys.exit(main(['--db', sys.argv[2], 'init', '--json']))"
    )
    # Run from an unrelated folder with only the installed copy (and the venv's deps) on the path.
    site_packages = [p for p in sys.path if p.endswith("site-packages")]
    env = {"PYTHONPATH": ":".join([str(target), *site_packages]), "PATH": "/usr/bin:/bin",
           "HOME": str(tmp_path)}
    # -S: no site module, so the editable install of the checkout (a .pth finder) is not seen.
    out = subprocess.run([sys.executable, "-S", "-c", probe, str(target),
                          f"sqlite:///{tmp_path / 'w.sqlite3'}"], cwd=tmp_path, env=env,
                         capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert f'"schema": "{head_revision()}"' in out.stdout
