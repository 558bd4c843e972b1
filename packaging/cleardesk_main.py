"""Entry point of the packaged build: the `cleardesk` command (no command opens the GUI)."""

import multiprocessing
import sys

from app.cli import main

if __name__ == "__main__":
    # A big check's worker processes are this executable again ("spawn"): let them run
    # their task instead of the command line (app/precheck/pool.py).
    multiprocessing.freeze_support()
    sys.exit(main())
