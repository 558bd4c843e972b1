"""Logging in: password check with lockout, audit of every attempt, rehash on login.

`authenticate()` works inside the caller's transaction and never raises for a refused login:
it returns the outcome, so the caller can commit the failed-attempt counter and the audit
event before showing the refusal (a rolled-back failure would never lock anybody out).
`login()` is that whole unit of work for callers holding a session factory.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from app.db.models import User
from app.db.types import utcnow
from app.domain.errors import PermissionDeniedError, UserFacingError
from app.i18n import N_
from app.security.audit import record_event
from app.security.context import Actor, Role, this_workstation
from app.security.lockout import (
    LockoutPolicy,
    LoginState,
    after_failure,
    attempts_left,
    ensure_not_locked,
)
from app.security.lockout import (
    current as current_state,
)
from app.security.passwords import PasswordHasher


class LoginRefusedError(PermissionDeniedError):
    """Wrong user name or password, or a disabled account."""


@dataclass(frozen=True)
class LoginOutcome:
    actor: Actor | None
    error: UserFacingError | None = None
    must_change_password: bool = False

    def actor_or_raise(self) -> Actor:
        if self.error is not None:
            raise self.error
        assert self.actor is not None
        return self.actor


def _refused() -> LoginRefusedError:
    # One message for unknown names and wrong passwords: never tell which names exist.
    return LoginRefusedError(N_("Wrong user name or password."))


def authenticate(
    session: Session,
    name: str,
    password: str,
    *,
    hasher: PasswordHasher,
    lockout: LockoutPolicy | None = None,
    workstation: str | None = None,
    now: datetime | None = None,
) -> LoginOutcome:
    """Check `name`/`password`; record the attempt. The caller commits in every case."""
    lockout = lockout or LockoutPolicy()
    now = now or utcnow()
    workstation = workstation if workstation is not None else this_workstation()
    name = name.strip()
    user = session.execute(select(User).where(User.name == name)).scalar()
    attempt = Actor(name=name[:60] or "?", role=Role.CLERK, workstation=workstation)
    if user is None:
        hasher.burn(password)
        record_event(session, attempt, "login_failed", entity="user", at=now,
                     details={"reason": "unknown_user"})
        return LoginOutcome(actor=None, error=_refused())
    state = current_state(LoginState(user.failed_attempts, user.locked_until), now)
    try:
        ensure_not_locked(state, now)
    except UserFacingError as exc:
        record_event(session, attempt, "login_failed", entity="user", entity_id=user.id,
                     at=now, details={"reason": "locked"})
        return LoginOutcome(actor=None, error=exc)
    result = hasher.verify(user.password_hash, password)
    if not result.ok:
        state = after_failure(lockout, state, now)
        user.failed_attempts = state.failed_attempts
        user.locked_until = state.locked_until
        record_event(
            session, attempt, "login_failed", entity="user", entity_id=user.id, at=now,
            details={"reason": "password", "attempts_left": attempts_left(lockout, state, now)},
        )
        if state.locked_until is not None:
            record_event(session, attempt, "account_locked", entity="user", entity_id=user.id,
                         at=now, details={"until": state.locked_until.isoformat()})
            try:
                ensure_not_locked(state, now)
            except UserFacingError as exc:
                return LoginOutcome(actor=None, error=exc)
        return LoginOutcome(actor=None, error=_refused())
    if not user.active:
        record_event(session, attempt, "login_failed", entity="user", entity_id=user.id,
                     at=now, details={"reason": "disabled"})
        return LoginOutcome(
            actor=None,
            error=LoginRefusedError(N_("This account is disabled; ask your administrator.")),
        )
    if result.needs_rehash:
        user.password_hash = hasher.hash(password)
    user.failed_attempts = 0
    user.locked_until = None
    user.last_login_at = now
    actor = Actor(name=user.name, role=Role(user.role), user_id=user.id, workstation=workstation,
                  must_change_password=user.must_change_password)
    record_event(session, actor, "login", entity="user", entity_id=user.id, at=now)
    return LoginOutcome(actor=actor, must_change_password=user.must_change_password)


def login(
    sessions: sessionmaker[Session],
    name: str,
    password: str,
    *,
    hasher: PasswordHasher,
    lockout: LockoutPolicy | None = None,
    workstation: str | None = None,
    now: datetime | None = None,
) -> LoginOutcome:
    """One login attempt as its own transaction (committed whether it succeeds or not)."""
    with sessions() as session, session.begin():
        return authenticate(session, name, password, hasher=hasher, lockout=lockout,
                            workstation=workstation, now=now)



def record_logout(session: Session, actor: Actor) -> None:
    """The user ended the session (log out / switch user): an audit event, nothing else."""
    record_event(session, actor, "logout", entity="user", entity_id=actor.user_id)
