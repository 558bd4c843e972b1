"""The `cleardesk` command line. See app/cli/main.py."""

from app.cli.main import main

__all__ = ["main"]
