"""cold-start-cli: a fresh `cleardesk list --limit 5` process vs `python -c "import sqlalchemy"`
(child-process CPU, median of RUNS each, alternately)."""

from __future__ import annotations

import os
import resource
import statistics
import subprocess
import sys
from pathlib import Path

from bench.registry import Outcome, case, scratch_dir

RUNS = 5


def _child_cpu(argv: list[str]) -> float:
    """CPU (user + system) of one child process run to its end."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(argv, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                   env={**os.environ, "CLEARDESK_LANG": "en"})
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


@case("cold-start-cli", target=2.0)
def cold_start_cli(quick: bool) -> Outcome:
    with scratch_dir() as d:
        db = f"sqlite:///{Path(d) / 'cold.sqlite3'}"
        subprocess.run([sys.executable, "-m", "app", "--db", db, "demo", "--parcels", "200"],
                       check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        ours: list[float] = []
        bare: list[float] = []
        for _ in range(RUNS):
            bare.append(_child_cpu([sys.executable, "-c", "import sqlalchemy"]))
            ours.append(_child_cpu([sys.executable, "-m", "app", "--db", db, "list",
                                    "--limit", "5"]))
    notes = {"clock": "child CPU, median", "runs": RUNS,
             "ours_runs": "/".join(f"{t:.2f}" for t in ours),
             "bare_runs": "/".join(f"{t:.2f}" for t in bare)}
    return Outcome(statistics.median(ours), statistics.median(bare),
                   {k: str(v) for k, v in notes.items()})
