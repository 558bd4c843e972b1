from __future__ import annotations

from tests.db.security.conftest import PASSWORDS, _fast_password_hashing, accounts, hasher

__all__ = ["PASSWORDS", "_fast_password_hashing", "accounts", "hasher"]
