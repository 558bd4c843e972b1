"""Who is acting, and what their role allows. Checked in services, so CLI and GUI obey alike."""

from __future__ import annotations

import socket
from dataclasses import dataclass
from enum import StrEnum

from app.domain.errors import PermissionDeniedError
from app.i18n import N_


class Role(StrEnum):
    CLERK = "clerk"
    SUPERVISOR = "supervisor"
    ADMIN = "admin"
    SYSTEM = "system"  # unattended jobs, bootstrap and tests; never a login role


ROLE_LABELS: dict[Role, str] = {
    Role.CLERK: N_("Clerk"),
    Role.SUPERVISOR: N_("Supervisor"),
    Role.ADMIN: N_("Administrator"),
    Role.SYSTEM: N_("System"),
}


class Permission(StrEnum):
    VIEW = "view"
    IMPORT = "import"
    EDIT = "edit"
    CHECK = "check"
    BATCH = "batch"
    SUBMIT = "submit"
    RECEIPTS = "receipts"
    PRINT = "print"
    EXPORT = "export"  # detail exports of the grid
    REPORTS = "reports"  # supervisor summaries and evidence packs
    UNMASK = "unmask"  # see full identity numbers and phones
    ACKNOWLEDGE = "acknowledge"  # acknowledge pre-check warnings
    REOPEN = "reopen"  # reopen / reverse / cancel declarations
    AUDIT = "audit"  # browse and verify the audit trail
    USERS = "users"
    SETTINGS = "settings"
    BACKUP = "backup"
    DEMO = "demo"
    ROUTES = "routes"  # import the office's route / sort-code table
    CATALOGUE = "catalogue"  # confirm goods catalogue classifications, import the catalogue


_CLERK = frozenset(
    {
        Permission.VIEW,
        Permission.IMPORT,
        Permission.EDIT,
        Permission.CHECK,
        Permission.BATCH,
        Permission.SUBMIT,
        Permission.RECEIPTS,
        Permission.PRINT,
        Permission.EXPORT,
    }
)
_SUPERVISOR = _CLERK | {
    Permission.REPORTS,
    Permission.UNMASK,
    Permission.ACKNOWLEDGE,
    Permission.REOPEN,
    Permission.AUDIT,
    Permission.DEMO,
    Permission.ROUTES,
    Permission.CATALOGUE,
}
_ADMIN = frozenset(
    {
        Permission.VIEW,
        Permission.USERS,
        Permission.SETTINGS,
        Permission.BACKUP,
        Permission.AUDIT,
        Permission.DEMO,
        Permission.ROUTES,
    }
)

ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.CLERK: _CLERK,
    Role.SUPERVISOR: frozenset(_SUPERVISOR),
    Role.ADMIN: _ADMIN,
    Role.SYSTEM: frozenset(Permission),
}


@dataclass(frozen=True)
class Actor:
    """The user on whose behalf a service runs."""

    name: str
    role: Role
    user_id: int | None = None
    workstation: str = ""
    # An administrator reset the password: until the user chooses a new one, every service
    # refuses (changing one's own password needs no permission, so that still works).
    must_change_password: bool = False

    def can(self, permission: Permission) -> bool:
        return permission in ROLE_PERMISSIONS[self.role]


def require(actor: Actor, permission: Permission) -> None:
    """Raise PermissionDeniedError unless the actor's role grants `permission` and the actor's
    password is not waiting to be changed after an administrator's reset."""
    if actor.must_change_password:
        raise PermissionDeniedError(
            N_("An administrator has reset your password. Choose a new password first: "
               "cleardesk users passwd (on the command line) or log in again in ClearDesk."))
    if not actor.can(permission):
        raise PermissionDeniedError(
            "Your role ({role}) is not allowed to do this ({permission}).",
            role=actor.role.value,
            permission=permission.value,
        )


def this_workstation() -> str:
    return socket.gethostname()


def system_actor() -> Actor:
    """Actor with every permission, for unattended jobs, bootstrap and tests."""
    return Actor(name="system", role=Role.SYSTEM, workstation=this_workstation())
