"""Fixtures for security tests: a fast hasher and one logged-in actor per role."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session, sessionmaker

from app.security.context import Actor, Role
from app.security.passwords import FAST_TEST_PARAMETERS, PasswordHasher
from app.security.users import UserService

PASSWORDS = {"admin": "Lotus-gate-41", "clerk": "Harbor-kite-72", "supervisor": "Maple-drum-53"}


@pytest.fixture(autouse=True)
def _fast_password_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """The CLI and GUI build their own hashers: make those cheap too (same algorithm)."""
    monkeypatch.setattr("app.security.passwords.DEFAULT_PARAMETERS", FAST_TEST_PARAMETERS)


@pytest.fixture
def hasher() -> PasswordHasher:
    return PasswordHasher(FAST_TEST_PARAMETERS)


@pytest.fixture
def accounts(sessions: sessionmaker[Session], hasher: PasswordHasher) -> dict[str, Actor]:
    """admin (bootstrap), clerk and supervisor accounts; returns their actors by role name."""
    with sessions() as session, session.begin():
        users = UserService(session, hasher)
        admin_info = users.add(None, "admin", "admin", PASSWORDS["admin"])
        admin = Actor(name="admin", role=Role.ADMIN, user_id=admin_info.id, workstation="ws1")
        out = {"admin": admin}
        for role in ("clerk", "supervisor"):
            info = users.add(admin, role, role, PASSWORDS[role])
            out[role] = Actor(name=role, role=Role(role), user_id=info.id, workstation="ws1")
    return out
