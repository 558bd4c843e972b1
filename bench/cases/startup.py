"""cold-start-cli: a fresh `cleardesk list --limit 5` process vs `python -c "import sqlalchemy"`
(child-process CPU, median of RUNS each, alternately).

Both sides run as installed code does: with compiled bytecode. The children write and read it
under a scratch PYTHONPYCACHEPREFIX after one unmeasured warm-up run each, whatever the
caller's PYTHONDONTWRITEBYTECODE says (without it every run of ours recompiled app/ and ui/,
about 0.07 s that no installed copy pays, while SQLAlchemy's bytecode was already installed).
"""

from __future__ import annotations

import os
import resource
import statistics
import subprocess
import sys
from pathlib import Path

from bench.registry import Outcome, case, scratch_dir

RUNS = 5


def child_env(pycache: Path, **extra: str) -> dict[str, str]:
    """The environment of a measured child: bytecode cached under `pycache`."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    return {**env, "PYTHONPYCACHEPREFIX": str(pycache), "CLEARDESK_LANG": "en", **extra}


def _child_cpu(argv: list[str], env: dict[str, str]) -> float:
    """CPU (user + system) of one child process run to its end."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(argv, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                   env=env)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


@case("cold-start-cli", target=2.0)
def cold_start_cli(quick: bool) -> Outcome:
    with scratch_dir() as d:
        db = f"sqlite:///{Path(d) / 'cold.sqlite3'}"
        subprocess.run([sys.executable, "-m", "app", "--db", db, "demo", "--parcels", "200"],
                       check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        env = child_env(Path(d) / "pycache")
        bare_argv = [sys.executable, "-c", "import sqlalchemy"]
        ours_argv = [sys.executable, "-m", "app", "--db", db, "list", "--limit", "5"]
        _child_cpu(bare_argv, env)  # warm-up: writes the bytecode
        _child_cpu(ours_argv, env)
        ours: list[float] = []
        bare: list[float] = []
        for _ in range(RUNS):
            bare.append(_child_cpu(bare_argv, env))
            ours.append(_child_cpu(ours_argv, env))
    notes = {"clock": "child CPU, median", "runs": RUNS,
             "ours_runs": "/".join(f"{t:.2f}" for t in ours),
             "bare_runs": "/".join(f"{t:.2f}" for t in bare)}
    return Outcome(statistics.median(ours), statistics.median(bare),
                   {k: str(v) for k, v in notes.items()})
