"""Every service that checks a permission, called as every login role.

The role → permission table must match issue 10 (clerk / supervisor / admin), and each service
must refuse exactly the roles without its permission — with PermissionDeniedError before it
touches anything. `test_every_service_is_in_the_matrix` fails when a new service calls
`require()` without a row here: add one to SERVICES.
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.orm import Session, sessionmaker

from app.domain.errors import PermissionDeniedError, UserFacingError
from app.domain.state_machine import Event, EventKind
from app.precheck import problems as precheck_problems
from app.precheck import service as precheck_service
from app.precheck import transitions
from app.reference.store import reference_from_db
from app.security import pii
from app.security.audit_service import AuditFilter, AuditService
from app.security.context import ROLE_PERMISSIONS, Actor, Permission, Role
from app.security.maintenance import MaintenanceService
from app.security.passwords import PasswordHasher
from app.security.users import UserService
from app.services import declarations, demo, settings
from app.services.queries import DeclarationFilter
from tests.factories import make_declaration

ROOT = Path(__file__).resolve().parents[3]
P = Permission

# What issue 10 says each role may do.
EXPECTED = {
    Role.CLERK: {P.VIEW, P.IMPORT, P.EDIT, P.CHECK, P.BATCH, P.SUBMIT, P.RECEIPTS, P.PRINT,
                 P.EXPORT},
    Role.SUPERVISOR: {P.VIEW, P.IMPORT, P.EDIT, P.CHECK, P.BATCH, P.SUBMIT, P.RECEIPTS,
                      P.PRINT, P.EXPORT, P.REPORTS, P.UNMASK, P.ACKNOWLEDGE, P.REOPEN,
                      P.AUDIT, P.DEMO},
    Role.ADMIN: {P.VIEW, P.USERS, P.SETTINGS, P.BACKUP, P.AUDIT, P.DEMO},
}
LOGIN_ROLES = (Role.CLERK, Role.SUPERVISOR, Role.ADMIN)


class Env:
    """What the calls need: a session, a declaration id, a hasher, the database url."""

    def __init__(self, session: Session, decl_id: int, hasher: PasswordHasher, url: str,
                 tmp: Path, sessions: sessionmaker[Session]) -> None:
        self.session = session
        self.decl_id = decl_id
        self.hasher = hasher
        self.url = url
        self.tmp = tmp
        self.sessions = sessions


Call = Callable[[Env, Actor], Any]


def _event(kind: EventKind) -> Call:
    return lambda e, a: transitions.change_status(e.session, a, [e.decl_id], Event(kind),
                                                  strict=False)


def _maintenance(e: Env) -> MaintenanceService:
    return MaintenanceService(e.url, e.session.get_bind(), e.sessions)  # type: ignore[arg-type]


# name (module.function as written in app/) → (permission, call)
SERVICES: dict[str, tuple[Permission, Call]] = {
    "services.declarations.count_declarations": (
        P.VIEW, lambda e, a: declarations.count_declarations(e.session, a, DeclarationFilter())),
    "services.declarations.status_counts": (
        P.VIEW, lambda e, a: declarations.status_counts(e.session, a)),
    "services.declarations.fetch_page": (
        P.VIEW, lambda e, a: declarations.fetch_page(e.session, a, DeclarationFilter())),
    "services.declarations.get_detail": (
        P.VIEW, lambda e, a: declarations.get_detail(e.session, a, str(e.decl_id))),
    "services.settings.set_setting": (
        P.SETTINGS, lambda e, a: settings.set_setting(e.session, a, "agentName", "X")),
    "services.settings.set_settings": (
        P.SETTINGS, lambda e, a: settings.set_settings(e.session, a, {"agentName": "Y"})),
    "services.demo.add_demo_declarations": (
        P.DEMO, lambda e, a: demo.add_demo_declarations(
            e.session, a, 1, 3, reference_from_db(e.session), {})),
    "precheck.problems.declaration_problems": (
        P.VIEW, lambda e, a: precheck_problems.declaration_problems(e.session, a, e.decl_id)),
    "precheck.problems.problem_counts": (
        P.VIEW, lambda e, a: precheck_problems.problem_counts(e.session, a)),
    "precheck.problems.acknowledge_warning": (
        P.ACKNOWLEDGE, lambda e, a: precheck_problems.acknowledge_warning(
            e.session, a, 999_999, "checked with the buyer")),
    "precheck.problems.batch_tax_total": (
        P.VIEW, lambda e, a: precheck_problems.batch_tax_total(e.session, a, 1)),
    "precheck.service.check_declarations": (
        P.CHECK, lambda e, a: precheck_service.check_declarations(e.session, a, [e.decl_id])),
    **{f"precheck.transitions.change_status[{kind.value}]": (
        transitions.PERMISSION[kind], _event(kind)) for kind in EventKind},
    "security.users.UserService.list_users": (
        P.USERS, lambda e, a: UserService(e.session, e.hasher).list_users(a)),
    "security.users.UserService.get": (
        P.USERS, lambda e, a: UserService(e.session, e.hasher).get(a, "someone-else")),
    "security.users.UserService.add": (
        P.USERS, lambda e, a: UserService(e.session, e.hasher).add(
            a, "newbie", "clerk", "Amber-field-19")),
    "security.users.UserService.set_active": (
        P.USERS, lambda e, a: UserService(e.session, e.hasher).set_active(a, "other", False)),
    "security.users.UserService.set_role": (
        P.USERS, lambda e, a: UserService(e.session, e.hasher).set_role(a, "other", "clerk")),
    "security.users.UserService.change_password": (
        P.USERS, lambda e, a: UserService(e.session, e.hasher).change_password(
            a, "other", "Violet-bay-35")),
    "security.audit_service.AuditService.verify": (
        P.AUDIT, lambda e, a: AuditService(e.session).verify(a)),
    "security.audit_service.AuditService.list_events": (
        P.AUDIT, lambda e, a: AuditService(e.session).list_events(a, AuditFilter())),
    "security.audit_service.AuditService.count": (
        P.AUDIT, lambda e, a: AuditService(e.session).count(a, AuditFilter())),
    "security.audit_service.AuditService.actions": (
        P.AUDIT, lambda e, a: AuditService(e.session).actions(a)),
    "security.audit_service.AuditService.history": (
        P.VIEW, lambda e, a: AuditService(e.session).history(a, e.decl_id)),
    "security.pii.require_unmask": (
        P.UNMASK, lambda e, a: pii.require_unmask(e.session, a, purpose="export",
                                                  reason="audit sample", count=10)),
    "security.pii.unmask_declaration": (
        P.UNMASK, lambda e, a: pii.unmask_declaration(e.session, a, e.decl_id,
                                                      reason="customs query")),
    "security.maintenance.MaintenanceService.backup": (
        P.BACKUP, lambda e, a: _maintenance(e).backup(
            a, e.tmp / f"b-{a.role.value}.sqlite3", now=datetime(2026, 3, 1))),
    "security.maintenance.MaintenanceService.restore_file": (
        P.BACKUP, lambda e, a: MaintenanceService.restore_file(
            a, e.tmp / "missing.sqlite3", e.tmp / "x.sqlite3", now=datetime(2026, 3, 1))),
}

# Services that run their own transactions (the test must not hold a write lock meanwhile).
OWN_TRANSACTION = {"security.maintenance.MaintenanceService.backup"}


def test_role_permissions_are_those_of_the_issue() -> None:
    for role in LOGIN_ROLES:
        assert set(ROLE_PERMISSIONS[role]) == EXPECTED[role], role


@pytest.mark.parametrize("role", LOGIN_ROLES, ids=lambda r: r.value)
@pytest.mark.parametrize("name", sorted(SERVICES))
def test_service_obeys_the_role(
    name: str, role: Role, sessions: sessionmaker[Session], db_url: str, tmp_path: Path,
    hasher: PasswordHasher,
) -> None:
    permission, call = SERVICES[name]
    actor = Actor(name=f"{role.value}-user", role=role, user_id=None, workstation="ws")
    with sessions() as session:
        session.begin()
        decl_id = 0
        if name not in OWN_TRANSACTION:
            decl_id = make_declaration(session)
            UserService(session, hasher).add(Actor("root", Role.ADMIN), "other", "clerk",
                                             "Cedar-lamp-27")
        env = Env(session, decl_id, hasher, db_url, tmp_path, sessions)
        allowed = permission in EXPECTED[role]
        try:
            call(env, actor)
        except PermissionDeniedError:
            assert not allowed, f"{role.value} was refused {name}"
        except UserFacingError:
            assert allowed, f"{role.value} reached {name} without {permission.value}"
        else:
            assert allowed, f"{role.value} may not {name} but it ran"
        finally:
            session.rollback()


def _services_calling_require() -> set[str]:
    """`module.function` (or `module.Class.method`) of every function in app/ that calls
    require(); the core modules of the security area itself are not services."""
    found: set[str] = set()
    skip = {"app/security/context.py", "app/cli/"}
    for path in sorted((ROOT / "app").rglob("*.py")):
        rel = path.relative_to(ROOT).as_posix()
        if any(rel.startswith(s) for s in skip):
            continue
        module = rel[len("app/"):-len(".py")].replace("/", ".")
        tree = ast.parse(path.read_text(encoding="utf-8"))

        def visit(node: ast.AST, prefix: str, module: str = module) -> None:
            for child in ast.iter_child_nodes(node):
                if isinstance(child, ast.ClassDef):
                    visit(child, f"{prefix}{child.name}.")
                elif isinstance(child, ast.FunctionDef):
                    calls = [n for n in ast.walk(child) if isinstance(n, ast.Call)
                             and isinstance(n.func, ast.Name) and n.func.id == "require"]
                    if calls:
                        found.add(f"{module}.{prefix}{child.name}")

        visit(tree, "")
    return found


def test_every_service_is_in_the_matrix() -> None:
    covered = {name.split("[")[0] for name in SERVICES}
    missing = _services_calling_require() - covered
    assert not missing, f"add these services to SERVICES in {__file__}: {sorted(missing)}"
