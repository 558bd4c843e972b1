from __future__ import annotations

from tests.db.security.conftest import PASSWORDS, accounts, hasher

__all__ = ["PASSWORDS", "accounts", "hasher"]
