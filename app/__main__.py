"""`python -m app` — the same as the `cleardesk` command."""

import sys

from app.cli import main

sys.exit(main())
