"""Demo accounts, one per role, for the demo database that `make run` creates.

Their names and passwords are public (the login dialog shows them), so they exist only in a
database marked as a demo database; a real database never gets them.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.db.models import Setting, User
from app.security.audit import record_event
from app.security.context import Actor, Role, this_workstation
from app.security.passwords import PasswordHasher

DEMO_FLAG_KEY = "demoDatabase"


@dataclass(frozen=True)
class DemoAccountSpec:
    name: str
    password: str
    role: Role
    display_name: str


DEMO_ACCOUNTS: tuple[DemoAccountSpec, ...] = (
    DemoAccountSpec("clerk", "Demo-pass-c1", Role.CLERK, "王芳 (demo clerk)"),
    DemoAccountSpec("supervisor", "Demo-pass-s1", Role.SUPERVISOR, "李强 (demo supervisor)"),
    DemoAccountSpec("admin", "Demo-pass-a1", Role.ADMIN, "张伟 (demo admin)"),
)


def is_demo_database(session: Session) -> bool:
    value = session.execute(select(Setting.value).where(Setting.key == DEMO_FLAG_KEY)).scalar()
    return value == "1"


def add_demo_users(session: Session, hasher: PasswordHasher | None = None) -> int:
    """Mark the database as a demo and create the missing demo accounts; returns how many."""
    hasher = hasher or PasswordHasher()
    if session.get(Setting, DEMO_FLAG_KEY) is None:
        session.add(Setting(key=DEMO_FLAG_KEY, value="1"))
    existing = set(session.execute(select(User.name)).scalars())
    added = 0
    system = Actor(name="demo", role=Role.ADMIN, workstation=this_workstation())
    for spec in DEMO_ACCOUNTS:
        if spec.name in existing:
            continue
        session.add(User(name=spec.name, display_name=spec.display_name, role=spec.role.value,
                         password_hash=hasher.hash(spec.password), active=True,
                         failed_attempts=0, must_change_password=False))
        added += 1
    session.flush()
    if added:
        record_event(session, system, "user_add", entity="user",
                     details={"demo_accounts": [s.name for s in DEMO_ACCOUNTS]})
    return added


def demo_accounts(session: Session) -> list[DemoAccountSpec]:
    """The demo accounts to show on the login dialog: only for a demo database."""
    if not is_demo_database(session):
        return []
    active = set(session.execute(select(User.name).where(User.active.is_(True))).scalars())
    return [spec for spec in DEMO_ACCOUNTS if spec.name in active]
