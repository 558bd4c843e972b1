"""User accounts: add, list, disable/enable, change password, change role.

Only an administrator manages accounts, except two cases: on a database with no users yet the
first account (an administrator) needs no login, and everyone may change their own password
(giving the old one). There is always at least one active administrator.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.db.models import User
from app.domain.errors import ConflictError, NotFoundError, PermissionDeniedError, ValidationError
from app.i18n import N_
from app.security.audit import record_event
from app.security.context import Actor, Permission, Role, require, this_workstation
from app.security.passwords import PasswordHasher, PasswordPolicy

_NAME_RE = re.compile(r"^[\w.@-]{2,60}$")


@dataclass(frozen=True)
class UserInfo:
    id: int
    name: str
    display_name: str | None
    role: Role
    active: bool
    locked_until: datetime | None
    last_login_at: datetime | None
    must_change_password: bool


def _info(user: User) -> UserInfo:
    return UserInfo(
        id=user.id,
        name=user.name,
        display_name=user.display_name,
        role=Role(user.role),
        active=user.active,
        locked_until=user.locked_until,
        last_login_at=user.last_login_at,
        must_change_password=user.must_change_password,
    )


LOGIN_ROLES: tuple[Role, ...] = (Role.CLERK, Role.SUPERVISOR, Role.ADMIN)


def _role(value: str | Role) -> Role:
    try:
        role = Role(value)
    except ValueError:
        role = None
    if role not in LOGIN_ROLES:
        raise ValidationError(
            N_("Unknown role {role}; use clerk, supervisor or admin."), role=str(value)
        )
    assert role is not None
    return role


def _check_name(name: str) -> str:
    name = name.strip()
    if not _NAME_RE.match(name):
        raise ValidationError(
            N_("A user name has 2 to 60 letters, digits or the characters . _ @ -.")
        )
    return name


class UserService:
    """Account management over one session; the caller commits."""

    def __init__(
        self,
        session: Session,
        hasher: PasswordHasher | None = None,
        policy: PasswordPolicy | None = None,
    ) -> None:
        self._session = session
        self._hasher = hasher or PasswordHasher()
        self._policy = policy or PasswordPolicy()

    # --- queries --------------------------------------------------------------------------

    def count(self) -> int:
        """Number of accounts (no permission needed: it only decides whether to bootstrap)."""
        return int(self._session.execute(select(func.count()).select_from(User)).scalar_one())

    def needs_bootstrap(self) -> bool:
        """True on a database without any account: the first administrator may be created."""
        return self.count() == 0

    def list_users(self, actor: Actor) -> list[UserInfo]:
        require(actor, Permission.USERS)
        users = self._session.execute(select(User).order_by(User.name)).scalars()
        return [_info(u) for u in users]

    def get(self, actor: Actor, name: str) -> UserInfo:
        if actor.name != name:
            require(actor, Permission.USERS)
        return _info(self._find(name))

    # --- changes --------------------------------------------------------------------------

    def add(
        self,
        actor: Actor | None,
        name: str,
        role: str | Role,
        password: str,
        *,
        display_name: str | None = None,
        must_change_password: bool = False,
    ) -> UserInfo:
        """Create an account. `actor` None is the bootstrap: allowed only with no users yet.

        Raises PermissionDeniedError, ValidationError (name, role, password policy) and
        ConflictError when the name is taken.
        """
        role = _role(role)
        name = _check_name(name)
        if actor is None:
            if not self.needs_bootstrap():
                raise PermissionDeniedError(
                    N_("Log in as an administrator to add users (use --user NAME).")
                )
            if role is not Role.ADMIN:
                raise ValidationError(
                    N_("The first account must be an administrator (--role admin).")
                )
            actor = Actor(name=name, role=Role.ADMIN, workstation=this_workstation())
        else:
            require(actor, Permission.USERS)
        if self._session.execute(select(User.id).where(User.name == name)).first():
            raise ConflictError(N_("A user named {name} already exists."), name=name)
        self._policy.enforce(password, username=name)
        user = User(
            name=name,
            display_name=(display_name or "").strip() or None,
            role=role.value,
            password_hash=self._hasher.hash(password),
            active=True,
            failed_attempts=0,
            must_change_password=must_change_password,
        )
        self._session.add(user)
        self._session.flush()
        record_event(
            self._session, actor, "user_add", entity="user", entity_id=user.id,
            details={"name": name, "role": role.value},
        )
        return _info(user)

    def set_active(self, actor: Actor, name: str, active: bool) -> UserInfo:
        require(actor, Permission.USERS)
        user = self._find(name)
        if not active:
            if user.name == actor.name:
                raise ConflictError(N_("You cannot disable your own account."))
            self._keep_an_admin(user, new_role=None)
        if user.active != active:
            user.active = active
            if active:
                user.failed_attempts = 0
                user.locked_until = None
            record_event(
                self._session, actor, "user_enable" if active else "user_disable",
                entity="user", entity_id=user.id, details={"name": user.name},
            )
        return _info(user)

    def set_role(self, actor: Actor, name: str, role: str | Role) -> UserInfo:
        require(actor, Permission.USERS)
        role = _role(role)
        user = self._find(name)
        old = Role(user.role)
        if old is not role:
            self._keep_an_admin(user, new_role=role)
            user.role = role.value
            record_event(
                self._session, actor, "user_role", entity="user", entity_id=user.id,
                details={"name": user.name, "before": old.value, "after": role.value},
            )
        return _info(user)

    def change_password(
        self,
        actor: Actor,
        name: str,
        new_password: str,
        *,
        old_password: str | None = None,
    ) -> UserInfo:
        """Set a new password. Your own needs the old one; an administrator may reset anyone's
        (the user must then choose a new one at the next login)."""
        user = self._find(name)
        own = user.name == actor.name
        if own:
            if old_password is None or not self._hasher.verify(
                user.password_hash, old_password
            ).ok:
                raise PermissionDeniedError(N_("The current password is not correct."))
            if user.must_change_password and new_password == old_password:
                raise ValidationError(N_("Choose a password different from the one the "
                                         "administrator set."))
        else:
            require(actor, Permission.USERS)
        self._policy.enforce(new_password, username=user.name)
        user.password_hash = self._hasher.hash(new_password)
        user.must_change_password = not own
        user.failed_attempts = 0
        user.locked_until = None
        record_event(
            self._session, actor, "user_password", entity="user", entity_id=user.id,
            details={"name": user.name, "reset": not own},
        )
        return _info(user)

    # --- helpers --------------------------------------------------------------------------

    def _find(self, name: str) -> User:
        user = self._session.execute(select(User).where(User.name == name.strip())).scalar()
        if user is None:
            raise NotFoundError(N_("There is no user named {name}."), name=name)
        return user

    def _keep_an_admin(self, user: User, new_role: Role | None) -> None:
        """Refuse a change that would leave no active administrator."""
        if user.role != Role.ADMIN.value or not user.active:
            return
        if new_role is Role.ADMIN:
            return
        others = self._session.execute(
            select(func.count()).select_from(User).where(
                User.role == Role.ADMIN.value, User.active.is_(True), User.id != user.id
            )
        ).scalar_one()
        if not others:
            raise ConflictError(
                N_("{name} is the last active administrator; make someone else an "
                   "administrator first."),
                name=user.name,
            )
