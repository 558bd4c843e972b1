from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from app.db.models import AuditEvent, User
from app.domain.errors import (
    ConflictError,
    NotFoundError,
    PermissionDeniedError,
    ValidationError,
)
from app.security.context import Actor, Role
from app.security.passwords import PasswordHasher
from app.security.users import UserService
from tests.db.security.conftest import PASSWORDS


def test_first_admin_needs_no_login_and_is_audited(
    sessions: sessionmaker[Session], hasher: PasswordHasher
) -> None:
    with sessions() as session, session.begin():
        users = UserService(session, hasher)
        assert users.needs_bootstrap()
        info = users.add(None, "boss", "admin", "Quiet-river-88", display_name="王总")
    assert info.role is Role.ADMIN and info.active
    with sessions() as session:
        stored = session.execute(select(User).where(User.name == "boss")).scalar_one()
        assert stored.password_hash.startswith("$argon2id$")
        assert "Quiet-river-88" not in stored.password_hash
        event = session.execute(select(AuditEvent)).scalar_one()
        assert (event.action, event.user_name) == ("user_add", "boss")


def test_bootstrap_only_once_and_only_for_an_admin(
    sessions: sessionmaker[Session], hasher: PasswordHasher
) -> None:
    with sessions() as session, session.begin():
        with pytest.raises(ValidationError, match="must be an administrator"):
            UserService(session, hasher).add(None, "wang", "clerk", "Amber-field-19")
        UserService(session, hasher).add(None, "boss", "admin", "Quiet-river-88")
    with sessions() as session, session.begin(), pytest.raises(PermissionDeniedError):
        UserService(session, hasher).add(None, "mallory", "admin", "Stone-wolf-66")


def test_only_admins_manage_users(
    session: Session, accounts: dict[str, Actor], hasher: PasswordHasher
) -> None:
    users = UserService(session, hasher)
    for role in ("clerk", "supervisor"):
        with pytest.raises(PermissionDeniedError):
            users.list_users(accounts[role])
        with pytest.raises(PermissionDeniedError):
            users.add(accounts[role], "x" + role, "clerk", "Amber-field-19")
        with pytest.raises(PermissionDeniedError):
            users.set_role(accounts[role], role, "admin")
    names = [u.name for u in users.list_users(accounts["admin"])]
    assert names == ["admin", "clerk", "supervisor"]


def test_name_role_password_and_duplicates_are_checked(
    session: Session, accounts: dict[str, Actor], hasher: PasswordHasher
) -> None:
    users = UserService(session, hasher)
    admin = accounts["admin"]
    with pytest.raises(ConflictError):
        users.add(admin, "clerk", "clerk", "Cedar-lamp-27")
    with pytest.raises(ValidationError, match="user name"):
        users.add(admin, "a b", "clerk", "Cedar-lamp-27")
    with pytest.raises(ValidationError, match="Unknown role"):
        users.add(admin, "li", "system", "Cedar-lamp-27")
    with pytest.raises(ValidationError, match="at least 10"):
        users.add(admin, "li", "clerk", "short1")


def test_the_last_active_admin_stays(
    session: Session, accounts: dict[str, Actor], hasher: PasswordHasher
) -> None:
    users = UserService(session, hasher)
    admin = accounts["admin"]
    with pytest.raises(ConflictError):
        users.set_active(admin, "admin", False)  # own account
    with pytest.raises(ConflictError, match="last active administrator"):
        users.set_role(admin, "admin", "clerk")
    users.set_role(admin, "supervisor", "admin")
    users.set_role(admin, "admin", "clerk")  # now allowed: supervisor is an admin
    assert {u.name: u.role for u in users.list_users(Actor("supervisor", Role.ADMIN))} == {
        "admin": Role.CLERK, "clerk": Role.CLERK, "supervisor": Role.ADMIN,
    }


def test_disable_and_enable_are_audited(
    session: Session, accounts: dict[str, Actor], hasher: PasswordHasher
) -> None:
    users = UserService(session, hasher)
    assert not users.set_active(accounts["admin"], "clerk", False).active
    assert users.set_active(accounts["admin"], "clerk", True).active
    actions = session.execute(
        select(AuditEvent.action).order_by(AuditEvent.id)
    ).scalars().all()
    assert actions[-2:] == ["user_disable", "user_enable"]
    with pytest.raises(NotFoundError):
        users.set_active(accounts["admin"], "nobody", False)


def test_own_password_needs_the_old_one_and_admin_reset_forces_a_change(
    session: Session, accounts: dict[str, Actor], hasher: PasswordHasher
) -> None:
    users = UserService(session, hasher)
    clerk = accounts["clerk"]
    with pytest.raises(PermissionDeniedError, match="current password"):
        users.change_password(clerk, "clerk", "Violet-bay-35", old_password="wrong")
    info = users.change_password(clerk, "clerk", "Violet-bay-35",
                                 old_password=PASSWORDS["clerk"])
    assert not info.must_change_password
    with pytest.raises(PermissionDeniedError):
        users.change_password(clerk, "supervisor", "Orchid-hill-90")
    info = users.change_password(accounts["admin"], "clerk", "Copper-sand-14")
    assert info.must_change_password
    stored = session.execute(select(User).where(User.name == "clerk")).scalar_one()
    assert hasher.verify(stored.password_hash, "Copper-sand-14").ok
    details = session.execute(
        select(AuditEvent.details).where(AuditEvent.action == "user_password")
    ).scalars().all()
    assert all("Copper-sand-14" not in str(d) for d in details)
