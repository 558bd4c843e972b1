"""Entry point of the packaged build: the `cleardesk` command (no command opens the GUI)."""

import sys

from app.cli import main

if __name__ == "__main__":
    sys.exit(main())
