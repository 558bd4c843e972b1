"""Logging in: password check with throttling, audit of every attempt, rehash on login.

`authenticate()` works inside the caller's transaction and never raises for a refused login:
it returns the outcome, so the caller can commit the failed-attempt counter and the audit
event before showing the refusal (a rolled-back failure would never slow a guesser down).
`login()` is that whole unit of work for callers holding a session factory.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from app.db.models import AuditEvent, User
from app.db.types import utcnow
from app.domain.errors import PermissionDeniedError, UserFacingError
from app.i18n import N_
from app.security.audit import record_event
from app.security.context import Actor, Role, this_workstation
from app.security.lockout import ThrottlePolicy, throttled_until
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


def _failures(session: Session, name: str, workstation: str, since: datetime) -> list[datetime]:
    """When `name` failed to log in from `workstation` since `since` and since its last
    successful login there (the audit trail is the record; user_name is indexed)."""
    last_ok = session.execute(
        select(func.max(AuditEvent.id)).where(
            AuditEvent.action == "login", AuditEvent.user_name == name,
            AuditEvent.workstation == workstation)).scalar()
    stmt = select(AuditEvent.at).where(
        AuditEvent.action == "login_failed", AuditEvent.user_name == name,
        AuditEvent.workstation == workstation, AuditEvent.at > since)
    if last_ok is not None:
        stmt = stmt.where(AuditEvent.id > last_ok)
    return [at if at.tzinfo else at.replace(tzinfo=UTC) for at in session.execute(stmt).scalars()]


def authenticate(
    session: Session,
    name: str,
    password: str,
    *,
    hasher: PasswordHasher,
    throttle: ThrottlePolicy | None = None,
    workstation: str | None = None,
    now: datetime | None = None,
) -> LoginOutcome:
    """Check `name`/`password`; record the attempt. The caller commits in every case.

    Every refusal (unknown name, wrong password, a throttled workstation) gives the same
    answer after the same work: one password hash (see app.security.lockout).
    """
    throttle = throttle or ThrottlePolicy()
    now = now or utcnow()
    workstation = workstation if workstation is not None else this_workstation()
    name = name.strip()
    attempt = Actor(name=name[:60] or "?", role=Role.CLERK, workstation=workstation)
    failures = _failures(session, attempt.name, workstation, now - throttle.window)
    waiting = throttled_until(throttle, failures, now)
    user = session.execute(select(User).where(User.name == name)).scalar()
    if user is None or waiting is not None:
        hasher.burn(password)
        reason = "throttled" if waiting is not None else "unknown_user"
        details: dict[str, str] = {"reason": reason}
        if waiting is not None:
            details["until"] = waiting.isoformat()
        record_event(session, attempt, "login_failed", entity="user",
                     entity_id=None if user is None else user.id, at=now, details=details)
        return LoginOutcome(actor=None, error=_refused())
    result = hasher.verify(user.password_hash, password)
    if not result.ok:
        user.failed_attempts = user.failed_attempts + 1
        record_event(session, attempt, "login_failed", entity="user", entity_id=user.id, at=now,
                     details={"reason": "password", "failures_here": len(failures) + 1})
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
    throttle: ThrottlePolicy | None = None,
    workstation: str | None = None,
    now: datetime | None = None,
) -> LoginOutcome:
    """One login attempt as its own transaction (committed whether it succeeds or not)."""
    with sessions() as session, session.begin():
        return authenticate(session, name, password, hasher=hasher, throttle=throttle,
                            workstation=workstation, now=now)



def record_logout(session: Session, actor: Actor) -> None:
    """The user ended the session (log out / switch user): an audit event, nothing else."""
    record_event(session, actor, "logout", entity="user", entity_id=actor.user_id)
