"""Security commands: users, audit, backup, restore; and the CLI login (`--user`).

Every command runs as a logged-in user: `--user NAME` (or `CLEARDESK_USER`), the password
from `CLEARDESK_PASSWORD` or a prompt. On a database without any account yet, the first
`cleardesk users add NAME --role admin` needs no login.
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from app.cli.framework import ActorResolver, CliContext, Result, format_table
from app.domain.errors import PermissionDeniedError, ValidationError
from app.i18n import N_, render, translate
from app.security.context import ROLE_LABELS, Actor, Role, system_actor, this_workstation
from app.security.users import LOGIN_ROLES, UserInfo, UserService

if TYPE_CHECKING:
    from app.security.passwords import PasswordHasher
    from app.security.pg_backup import PgRestoreInfo
    from app.security.restore import RestoreInfo
# Services a command may not need are imported by the commands that use them: a cold
# `cleardesk list` must not load password hashing, backups or the audit service.

PasswordPrompt = Callable[[str], str]


def _json_flag(p: argparse.ArgumentParser) -> None:
    p.add_argument("--json", action="store_true", help="print one JSON object")


def register(sub: Any) -> None:
    p = sub.add_parser("users", help="user accounts (administrators)")
    usub = p.add_subparsers(dest="users_command", required=True,
                            metavar="add|list|disable|enable|passwd|role")
    a = usub.add_parser("add", help="add a user (the first one, an admin, needs no login)")
    a.add_argument("name")
    a.add_argument("--role", required=True, choices=[r.value for r in LOGIN_ROLES])
    a.add_argument("--display-name", default=None)
    _json_flag(a)
    a.set_defaults(handler=cmd_users_add)
    li = usub.add_parser("list", help="list users")
    _json_flag(li)
    li.set_defaults(handler=cmd_users_list)
    for name, active in (("disable", False), ("enable", True)):
        d = usub.add_parser(name, help=f"{name} a user")
        d.add_argument("name")
        _json_flag(d)
        d.set_defaults(handler=cmd_users_active, active=active)
    pw = usub.add_parser("passwd", help="change your password, or reset a user's (admin)")
    pw.add_argument("name", nargs="?")
    _json_flag(pw)
    pw.set_defaults(handler=cmd_users_passwd)
    r = usub.add_parser("role", help="change a user's role")
    r.add_argument("name")
    r.add_argument("role", choices=[r.value for r in LOGIN_ROLES])
    _json_flag(r)
    r.set_defaults(handler=cmd_users_role)

    p = sub.add_parser("audit", help="audit trail")
    asub = p.add_subparsers(dest="audit_command", required=True, metavar="verify|list")
    v = asub.add_parser("verify", help="check the hash chain and the checkpoints kept outside "
                        "the database; exit 1 at the first broken link, truncation or rewrite")
    v.add_argument("--checkpoint", action="append", metavar="COUNT:HASH|FILE",
                   help="also compare with this head (as printed before), evidence pack, backup "
                   "or checkpoint file")
    _json_flag(v)
    v.set_defaults(handler=cmd_audit_verify)
    ls = asub.add_parser("list", help="list audit events, newest first")
    ls.add_argument("--by", dest="filter_user", metavar="NAME", help="only this user's events")
    ls.add_argument("--action")
    ls.add_argument("--declaration", type=int, metavar="ID")
    ls.add_argument("--limit", type=int, default=50)
    _json_flag(ls)
    ls.set_defaults(handler=cmd_audit_list)

    p = sub.add_parser("unmask", help="show a declaration's full identity data "
                       "(supervisors; audited)")
    p.add_argument("id", type=int, metavar="ID")
    p.add_argument("--reason", required=True, help="why the full data is needed (audited)")
    _json_flag(p)
    p.set_defaults(handler=cmd_unmask)

    p = sub.add_parser("backup", help="back up the database (SQLite online backup; pg_dump "
                       "on PostgreSQL)")
    p.add_argument("-o", "--output", type=Path, metavar="FILE",
                   help="backup file (default: backups/ beside the database; on PostgreSQL "
                   "backups/ of this workstation's data folder)")
    _json_flag(p)
    p.set_defaults(handler=cmd_backup)

    p = sub.add_parser("restore", help="replace the database with a checked backup")
    p.add_argument("file", type=Path)
    p.add_argument("--force", action="store_true",
                   help="PostgreSQL: restore a dump of another schema version too")
    _json_flag(p)
    p.set_defaults(handler=cmd_restore)


# --- login ------------------------------------------------------------------------------


def make_actor_resolver(
    user: str | None,
    env: Mapping[str, str] | None = None,
    prompt: PasswordPrompt | None = None,
    hasher: PasswordHasher | None = None,
) -> ActorResolver:
    """The login the CLI performs on first use of `ctx.actor`."""
    from app.security.auth import login

    env = os.environ if env is None else env

    def resolve(ctx: CliContext) -> Actor:

        with ctx.read_sessions.begin() as session:
            if UserService(session).needs_bootstrap():
                # No accounts yet: nothing to log in to. Only the first admin can be added.
                return system_actor()
        name = user or env.get("CLEARDESK_USER", "")
        if not name:
            raise PermissionDeniedError(
                N_("Log in first: add --user NAME (or set CLEARDESK_USER) and give the "
                   "password in CLEARDESK_PASSWORD or at the prompt.")
            )
        password = env.get("CLEARDESK_PASSWORD")
        if password is None:
            password = _ask(ctx, prompt, ctx.t("Password for {name}: ", name=name))
        from app.security.passwords import PasswordHasher

        outcome = login(ctx.sessions, name, password, hasher=hasher or PasswordHasher())
        return outcome.actor_or_raise()

    return resolve


def _ask(ctx: CliContext, prompt: PasswordPrompt | None, text: str) -> str:
    if prompt is not None:
        return prompt(text)
    if not sys.stdin.isatty():
        raise PermissionDeniedError(
            N_("No password given: set CLEARDESK_PASSWORD or run the command in a terminal.")
        )
    return getpass.getpass(text)


def _new_password(ctx: CliContext, args: argparse.Namespace, *, bootstrap: bool) -> str:
    env = os.environ
    value = env.get("CLEARDESK_NEW_PASSWORD")
    if value is None and bootstrap:
        value = env.get("CLEARDESK_PASSWORD")
    if value is not None:
        return value
    prompt: PasswordPrompt | None = getattr(args, "password_prompt", None)
    first = _ask(ctx, prompt, ctx.t("New password: "))
    second = _ask(ctx, prompt, ctx.t("New password again: "))
    if first != second:
        raise ValidationError(N_("The two passwords differ."))
    return first


# --- users ------------------------------------------------------------------------------


def _user_data(u: UserInfo) -> dict[str, Any]:
    return {"id": u.id, "name": u.name, "displayName": u.display_name, "role": u.role.value,
            "active": u.active, "lockedUntil": u.locked_until, "lastLoginAt": u.last_login_at,
            "mustChangePassword": u.must_change_password}


def _role_text(role: Role, lang: str) -> str:
    return translate(ROLE_LABELS[role], lang)


def cmd_users_add(ctx: CliContext, args: argparse.Namespace) -> Result:
    with ctx.transaction() as session:
        bootstrap = UserService(session).needs_bootstrap()
    actor = None if bootstrap else ctx.actor
    password = _new_password(ctx, args, bootstrap=bootstrap)
    with ctx.transaction() as session:
        info = UserService(session).add(actor, args.name, args.role, password,
                                        display_name=args.display_name)
    return Result({"user": _user_data(info)},
                  ctx.t("Added user {name} ({role}).", name=info.name,
                        role=_role_text(info.role, ctx.lang)))


def cmd_users_list(ctx: CliContext, args: argparse.Namespace) -> Result:
    with ctx.transaction(write=False) as session:
        users = UserService(session).list_users(ctx.actor)
    if ctx.json:
        return Result({"users": [_user_data(u) for u in users]})
    headers = [translate(h, ctx.lang) for h in
               (N_("User"), N_("Name"), N_("Role"), N_("Active"), N_("Last login"))]
    yes, no = translate(N_("yes"), ctx.lang), translate(N_("no"), ctx.lang)
    rows = [[u.name, u.display_name or "", _role_text(u.role, ctx.lang), yes if u.active else no,
             _when(u.last_login_at)]
            for u in users]
    return Result({}, format_table(headers, rows))


def cmd_users_active(ctx: CliContext, args: argparse.Namespace) -> Result:
    with ctx.transaction() as session:
        info = UserService(session).set_active(ctx.actor, args.name, args.active)
    msgid = N_("User {name} enabled.") if info.active else N_("User {name} disabled.")
    return Result({"user": _user_data(info)}, ctx.t(msgid, name=info.name))


def cmd_users_passwd(ctx: CliContext, args: argparse.Namespace) -> Result:
    actor = ctx.actor
    name = args.name or actor.name
    old = None
    if name == actor.name:
        old = os.environ.get("CLEARDESK_PASSWORD")
        if old is None:
            old = _ask(ctx, getattr(args, "password_prompt", None), ctx.t("Current password: "))
    new = _new_password(ctx, args, bootstrap=False)
    with ctx.transaction() as session:
        info = UserService(session).change_password(actor, name, new, old_password=old)
    return Result({"user": _user_data(info)},
                  ctx.t("Password of {name} changed.", name=info.name))


def cmd_users_role(ctx: CliContext, args: argparse.Namespace) -> Result:
    with ctx.transaction() as session:
        info = UserService(session).set_role(ctx.actor, args.name, args.role)
    return Result({"user": _user_data(info)},
                  ctx.t("{name} is now {role}.", name=info.name,
                        role=_role_text(info.role, ctx.lang)))


# --- audit ------------------------------------------------------------------------------


def cmd_audit_verify(ctx: CliContext, args: argparse.Namespace) -> Result:
    from app.security.audit_service import AuditService
    from app.security.checkpoints import checkpoint_file, given_checkpoint, record_checkpoint
    from app.security.maintenance import checkpoints_for

    checkpoints = checkpoints_for(ctx.url)
    if args.checkpoint:
        checkpoints += [given_checkpoint(value) for value in args.checkpoint]
    with ctx.transaction(write=False) as session:
        check = AuditService(session).verify(ctx.actor, checkpoints)
    head = check.head
    data: dict[str, Any] = {"ok": check.ok, "events": check.events,
                            "firstBadId": check.first_bad_id, "kind": check.kind,
                            "lastHash": check.last_hash, "head": head.text,
                            "checkpoints": check.checkpoints, "uncovered": check.uncovered,
                            "checkpointFile": str(checkpoint_file(ctx.url)),
                            "findings": [{"kind": f.kind, "source": f.checkpoint.source,
                                          "count": f.checkpoint.count,
                                          "at": f.checkpoint.at.isoformat(),
                                          "message": render(f.message(), ctx.lang)}
                                         for f in check.findings]}
    if check.ok:
        record_checkpoint(checkpoint_file(ctx.url), head)
        text = ctx.t("Audit trail intact: {n} events verified.", n=check.events)
        if check.newest is not None:
            text += "\n" + ctx.t(
                "Compared with {k} checkpoints kept outside the database (newest {at}, {count} "
                "events).", k=check.checkpoints, at=_when(check.newest.at),
                count=check.newest.count)
        if check.uncovered:
            text += "\n" + ctx.t(
                "{n} events were added after the newest checkpoint. If nobody used ClearDesk "
                "since then, they were added outside it: look at them with `cleardesk audit "
                "list`.", n=check.uncovered)
        text += "\n" + ctx.t(
            "Head: {head}\nCopy this line somewhere outside this computer; `cleardesk audit "
            "verify --checkpoint {head}` later shows whether events were deleted or rewritten.",
            head=head.text)
        return Result(data, text)
    assert check.message is not None
    text = "\n".join(render(f.message(), ctx.lang) for f in check.findings) \
        if check.findings else render(check.message, ctx.lang)
    text += "\n" + ctx.t(
        "The audit trail was tampered with outside ClearDesk. Keep this database as "
        "evidence and tell your administrator."
    )
    data["message"] = render(check.message, ctx.lang)
    return Result(data, text, exit_code=1)


def cmd_audit_list(ctx: CliContext, args: argparse.Namespace) -> Result:
    from app.security.audit_service import AuditFilter, AuditService

    flt = AuditFilter(user=args.filter_user, action=args.action,
                      declaration_id=args.declaration)
    with ctx.transaction(write=False) as session:
        events = AuditService(session).list_events(ctx.actor, flt, limit=args.limit)
    if ctx.json:
        return Result({"events": [e.as_dict() for e in events]})
    headers = [translate(h, ctx.lang) for h in
               (N_("ID"), N_("Time"), N_("User"), N_("Workstation"), N_("Action"),
                N_("Record"), N_("Reason"))]
    rows = [[e.id, f"{e.at:%Y-%m-%d %H:%M:%S}", e.user_name, e.workstation, e.action,
             f"{e.entity or ''} {e.entity_id or ''}".strip(), e.reason or ""] for e in events]
    return Result({}, format_table(headers, rows))


# --- backup / restore ---------------------------------------------------------------------


def _now() -> datetime:
    return datetime.now(UTC).astimezone()


def cmd_backup(ctx: CliContext, args: argparse.Namespace) -> Result:

    from app.security.maintenance import MaintenanceService

    service = MaintenanceService(ctx.url, ctx.engine, ctx.sessions)
    info = service.backup(ctx.actor, args.output, now=_now())
    return Result({"file": str(info.path), "bytes": info.size_bytes, "revision": info.revision},
                  ctx.t("Backup written to {file} ({kb} KB).", file=str(info.path),
                        kb=max(1, info.size_bytes // 1024)))


def cmd_restore(ctx: CliContext, args: argparse.Namespace) -> Result:

    from app.db.engine import sqlite_file
    from app.security.maintenance import MaintenanceService, database_file

    if sqlite_file(ctx.url) is None:
        return _restore_dump(ctx, args)
    db_path = database_file(ctx.url)
    damaged = MaintenanceService.damaged(db_path)
    # A damaged database may not even let anyone log in; restoring it needs no login
    # (whoever can replace the file could do so without ClearDesk anyway).
    actor = (Actor(name=getpass.getuser(), role=Role.ADMIN, workstation=this_workstation())
             if damaged else ctx.actor)
    ctx.dispose()
    info = MaintenanceService.restore_file(actor, args.file, db_path, now=_now())
    return _restored(ctx, actor, info)


def _restored(ctx: CliContext, actor: Actor, info: RestoreInfo | PgRestoreInfo) -> Result:
    """Audit the restore in the restored database (a fresh context: it migrates an older
    copy first) and say what was restored and kept."""
    from app.security.maintenance import MaintenanceService

    fresh = CliContext(url=ctx.url, lang=ctx.lang, json=ctx.json)
    try:
        MaintenanceService(fresh.url, fresh.engine, fresh.sessions).record_restore(actor, info)
    finally:
        fresh.dispose()
    data = {"restoredFrom": str(info.restored_from), "revision": info.revision,
            "replacedCopy": None if info.replaced_copy is None else str(info.replaced_copy)}
    text = ctx.t("Database restored from {file}.", file=str(info.restored_from))
    if info.replaced_copy is not None:
        text += "\n" + ctx.t("The replaced database is kept as {file}.",
                             file=str(info.replaced_copy))
    return Result(data, text)


def _when(moment: datetime | None) -> str:
    return "" if moment is None else f"{moment.astimezone():%Y-%m-%d %H:%M}"


def cmd_unmask(ctx: CliContext, args: argparse.Namespace) -> Result:

    from app.security.pii import unmask_declaration

    with ctx.transaction() as session:
        values = unmask_declaration(session, ctx.actor, args.id, reason=args.reason)
    lines = [f"#{args.id}"] + [f"  {key}: {value}" for key, value in values.items()
                               if value not in (None, "")]
    return Result({"id": args.id, "head": values}, "\n".join(lines))


def _restore_dump(ctx: CliContext, args: argparse.Namespace) -> Result:
    """PostgreSQL: pg_restore in one transaction, the replaced contents kept as a dump."""
    from app.security.maintenance import MaintenanceService

    actor = ctx.actor
    info = MaintenanceService(ctx.url, ctx.engine, ctx.sessions).restore_dump(
        actor, args.file, now=_now(), force=args.force)
    ctx.dispose()
    return _restored(ctx, actor, info)
