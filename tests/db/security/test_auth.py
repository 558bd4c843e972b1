from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from app.db.models import AuditEvent, User
from app.security.auth import login
from app.security.context import Actor, Role
from app.security.lockout import AccountLockedError
from app.security.passwords import HashParameters, PasswordHasher
from app.security.users import UserService
from tests.db.security.conftest import PASSWORDS

T0 = datetime(2026, 3, 1, 1, 0, tzinfo=UTC)


def actions(sessions: sessionmaker[Session]) -> list[tuple[str, str | None]]:
    with sessions() as session:
        return [(a, u) for a, u in session.execute(
            select(AuditEvent.action, AuditEvent.user_name).order_by(AuditEvent.id))]


def test_login_gives_the_users_role_and_is_audited(
    sessions: sessionmaker[Session], accounts: dict[str, Actor], hasher: PasswordHasher
) -> None:
    outcome = login(sessions, "supervisor", PASSWORDS["supervisor"], hasher=hasher,
                    workstation="PC-7", now=T0)
    actor = outcome.actor_or_raise()
    assert (actor.name, actor.role, actor.workstation) == ("supervisor", Role.SUPERVISOR, "PC-7")
    assert actions(sessions)[-1] == ("login", "supervisor")
    with sessions() as session:
        user = session.execute(select(User).where(User.name == "supervisor")).scalar_one()
        assert user.last_login_at == T0


def test_wrong_password_and_unknown_user_get_the_same_answer(
    sessions: sessionmaker[Session], accounts: dict[str, Actor], hasher: PasswordHasher
) -> None:
    wrong = login(sessions, "clerk", "nope", hasher=hasher, now=T0)
    unknown = login(sessions, "ghost", "nope", hasher=hasher, now=T0)
    assert wrong.error is not None and unknown.error is not None
    assert wrong.error.text("en") == unknown.error.text("en") == "Wrong user name or password."
    assert actions(sessions)[-2:] == [("login_failed", "clerk"), ("login_failed", "ghost")]


def test_five_failures_lock_the_account_even_for_the_right_password(
    sessions: sessionmaker[Session], accounts: dict[str, Actor], hasher: PasswordHasher
) -> None:
    for i in range(5):
        outcome = login(sessions, "clerk", f"wrong-{i}", hasher=hasher,
                        now=T0 + timedelta(seconds=i))
    assert isinstance(outcome.error, AccountLockedError)
    later = T0 + timedelta(minutes=10)
    refused = login(sessions, "clerk", PASSWORDS["clerk"], hasher=hasher, now=later)
    assert isinstance(refused.error, AccountLockedError)
    assert "min" in refused.error.text("en")
    assert ("account_locked", "clerk") in actions(sessions)
    after = T0 + timedelta(minutes=16)
    assert login(sessions, "clerk", PASSWORDS["clerk"], hasher=hasher, now=after).actor


def test_success_resets_the_failure_count(
    sessions: sessionmaker[Session], accounts: dict[str, Actor], hasher: PasswordHasher
) -> None:
    for _ in range(4):
        login(sessions, "clerk", "wrong", hasher=hasher, now=T0)
    assert login(sessions, "clerk", PASSWORDS["clerk"], hasher=hasher, now=T0).actor
    for _ in range(4):
        assert login(sessions, "clerk", "wrong", hasher=hasher, now=T0).error
    assert login(sessions, "clerk", PASSWORDS["clerk"], hasher=hasher, now=T0).actor


def test_disabled_account_cannot_log_in(
    sessions: sessionmaker[Session], accounts: dict[str, Actor], hasher: PasswordHasher
) -> None:
    with sessions() as session, session.begin():
        UserService(session, hasher).set_active(accounts["admin"], "clerk", False)
    outcome = login(sessions, "clerk", PASSWORDS["clerk"], hasher=hasher, now=T0)
    assert outcome.actor is None and outcome.error is not None
    assert "disabled" in outcome.error.text("en")
    assert "停用" in outcome.error.text("zh_CN")


def test_a_weaker_stored_hash_is_upgraded_at_login(
    sessions: sessionmaker[Session], accounts: dict[str, Actor], hasher: PasswordHasher
) -> None:
    stronger = PasswordHasher(HashParameters(time_cost=2, memory_cost_kib=16, parallelism=1))
    assert login(sessions, "clerk", PASSWORDS["clerk"], hasher=stronger, now=T0).actor
    with sessions() as session:
        stored = session.execute(select(User.password_hash).where(User.name == "clerk"))
        assert "m=16,t=2" in stored.scalar_one()
