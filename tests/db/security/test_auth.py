from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from app.db.models import AuditEvent, User
from app.security.auth import login
from app.security.context import Actor, Role
from app.security.passwords import (
    FAST_TEST_PARAMETERS,
    HashParameters,
    PasswordHasher,
    VerifyResult,
)
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


class CountingHasher(PasswordHasher):
    """Counts the password hashes computed: equal work means equal time per answer."""

    def __init__(self) -> None:
        super().__init__(FAST_TEST_PARAMETERS)
        self.hashes = 0

    def verify(self, stored_hash: str, password: str) -> VerifyResult:
        self.hashes += 1  # burn() verifies against a dummy hash of the same cost
        return super().verify(stored_hash, password)

    def hash(self, password: str) -> str:
        self.hashes += 1
        return super().hash(password)


def test_an_attacker_cannot_lock_the_admin_out(
    sessions: sessionmaker[Session], accounts: dict[str, Actor], hasher: PasswordHasher
) -> None:
    # Issue 16: five wrong passwords for `admin` from anywhere used to lock the real admin out.
    for i in range(30):
        login(sessions, "admin", f"guess-{i}", hasher=hasher, workstation="evil-pc",
              now=T0 + timedelta(seconds=i))
    later = T0 + timedelta(seconds=31)
    assert login(sessions, "admin", PASSWORDS["admin"], hasher=hasher, workstation="admin-pc",
                 now=later).actor is not None
    # The guesser's own workstation waits, even with the right password, and learns nothing.
    refused = login(sessions, "admin", PASSWORDS["admin"], hasher=hasher, workstation="evil-pc",
                    now=later)
    assert refused.actor is None and refused.error is not None
    assert refused.error.text("en") == "Wrong user name or password."
    with sessions() as session:
        details = session.execute(select(AuditEvent.details).order_by(AuditEvent.id.desc())
                                  .limit(1)).scalar_one()
    assert details["reason"] == "throttled"


def test_every_refusal_gets_the_same_answer_after_the_same_work(
    sessions: sessionmaker[Session], accounts: dict[str, Actor]
) -> None:
    hasher = CountingHasher()
    answers = []
    for name, password in [("ghost", "nope"), *[("clerk", "wrong")] * 5,
                           ("clerk", PASSWORDS["clerk"])]:  # the last one is throttled
        before = hasher.hashes
        outcome = login(sessions, name, password, hasher=hasher, workstation="ws9", now=T0)
        assert outcome.actor is None and hasher.hashes == before + 1
        assert outcome.error is not None
        answers.append((type(outcome.error), outcome.error.text("en"),
                        outcome.error.text("zh_CN")))
    assert len(set(answers)) == 1
    assert login(sessions, "clerk", PASSWORDS["clerk"], hasher=hasher, workstation="ws9",
                 now=T0 + timedelta(minutes=1)).actor is not None


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
