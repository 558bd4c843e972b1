"""`python -m app` — the same as the `cleardesk` command."""

import sys

from app.cli import main

if __name__ == "__main__":  # not when a check worker ("spawn") imports this module
    sys.exit(main())
