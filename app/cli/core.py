"""Core commands: init, demo, list, show, config."""

from __future__ import annotations

import argparse
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select

from app.cli.framework import CliContext, Result, format_table
from app.db.models import Declaration, User
from app.domain.errors import ValidationError
from app.domain.fields import HEAD_BY_NAME, ITEM_FIELDS
from app.domain.status import DeclarationStatus
from app.i18n import N_, render, translate
from app.services import declarations as decl_service
from app.services import settings as settings_service
from app.services.queries import GRID_BY_KEY, DeclarationFilter


def _json_flag(p: argparse.ArgumentParser) -> None:
    p.add_argument("--json", action="store_true", help="print one JSON object")


def register(sub: Any) -> None:
    p = sub.add_parser("init", help="create or migrate the database")
    p.add_argument("--site", metavar="CODE", help="this database's site code (1-4 letters or "
                   "digits, set once): in copNo, batch and message numbers")
    _json_flag(p)
    p.set_defaults(handler=cmd_init)

    p = sub.add_parser("demo", help="add realistic demo declarations")
    p.add_argument("--parcels", type=int, required=True, metavar="N")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--if-empty", action="store_true",
                   help="only when the database has no declarations yet")
    p.add_argument("--accounts", action="store_true",
                   help="also create the demo accounts (one per role) if the database has no "
                   "users; their passwords are shown on the login dialog")
    _json_flag(p)
    p.set_defaults(handler=cmd_demo)

    p = sub.add_parser("list", help="list declarations")
    p.add_argument("--status", action="append", choices=[s.value for s in DeclarationStatus],
                   help="only this status (repeatable)")
    p.add_argument("--search", default="", help="order/waybill number, buyer name, ID, phone")
    p.add_argument("--limit", type=int, default=50)
    p.add_argument("--offset", type=int, default=0)
    p.add_argument("--sort", default="id", choices=sorted(GRID_BY_KEY),
                   help="column to sort by (buyerName sorts Chinese names by pinyin)")
    p.add_argument("--desc", action="store_true", help="sort descending")
    p.add_argument("--tsv", action="store_true",
                   help="print the rows as tab-separated text with headers (as Ctrl+C in "
                        "the grid copies them, for pasting into Excel)")
    _json_flag(p)
    p.set_defaults(handler=cmd_list)

    p = sub.add_parser("show", help="show one declaration in full")
    p.add_argument("key", metavar="ID_OR_ORDERNO_OR_LOGISTICSNO")
    _json_flag(p)
    p.set_defaults(handler=cmd_show)

    p = sub.add_parser("config", help="broker settings")
    csub = p.add_subparsers(dest="config_command", required=True,
                            metavar="get|set|list|apply-open")
    g = csub.add_parser("get")
    g.add_argument("key")
    _json_flag(g)
    g.set_defaults(handler=cmd_config_get)
    s = csub.add_parser("set")
    s.add_argument("key")
    s.add_argument("value")
    s.add_argument("--office", action="store_true",
                   help="for a workstation setting: set the office-wide default (used by "
                   "every workstation that has not set its own) instead of this workstation's")
    _json_flag(s)
    s.set_defaults(handler=cmd_config_set)
    li = csub.add_parser("list")
    _json_flag(li)
    li.set_defaults(handler=cmd_config_list)
    ao = csub.add_parser("apply-open", help="fill empty fields of open (editable) declarations "
                         "from the office settings; audited, undoable")
    ao.add_argument("--dry-run", action="store_true", help="only count what would be filled")
    ao.add_argument("--undo", metavar="RUN", help="undo the run RUN (its id was printed)")
    _json_flag(ao)
    ao.set_defaults(handler=cmd_config_apply_open)


def cmd_init(ctx: CliContext, args: argparse.Namespace) -> Result:
    _ = ctx.engine  # creates or migrates
    assert ctx.migration is not None
    m = ctx.migration
    data: dict[str, Any] = {"db": _display_url(ctx.url), "schema": m.after}
    if m.backup:
        data["backup"] = str(m.backup)
    text = ctx.t("Database {db} is at schema {schema}.", db=data["db"], schema=m.after)
    if args.site:
        with ctx.transaction() as session:
            settings_service.set_setting(session, ctx.actor, settings_service.SITE_CODE,
                                         args.site)
            data["site"] = settings_service.site_code(session)
        text += "\n" + ctx.t("Site code: {site}", site=data["site"])
    return Result(data, text)


def _display_url(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


def cmd_demo(ctx: CliContext, args: argparse.Namespace) -> Result:
    if args.parcels < 1:
        raise ValidationError("--parcels must be at least 1.")
    with ctx.transaction() as session:
        if args.if_empty and session.scalar(select(func.count()).select_from(Declaration)):
            return Result({"declarations": 0, "items": 0},
                          ctx.t("The database already has declarations; no demo data added."))
        from app.reference.store import reference_from_db
        from app.security.demo_users import add_demo_users
        from app.services.demo import add_demo_declarations

        refs = reference_from_db(session)
        settings = settings_service.all_settings(session)
        n, items = add_demo_declarations(session, ctx.actor, args.parcels, args.seed, refs,
                                         settings)
        accounts = 0
        if args.accounts and not session.scalar(select(func.count()).select_from(User)):
            accounts = add_demo_users(session)
    text = ctx.t("Added {n} demo declarations with {items} items.", n=n, items=items)
    if accounts:
        text += "\n" + ctx.t("Created {n} demo accounts; the login dialog lists them.",
                             n=accounts)
    return Result({"declarations": n, "items": items, "accounts": accounts}, text)


def cmd_list(ctx: CliContext, args: argparse.Namespace) -> Result:
    flt = DeclarationFilter(statuses=tuple(args.status or ()), search=args.search)
    with ctx.transaction(write=False) as session:
        page = decl_service.fetch_page(session, ctx.actor, flt, offset=args.offset,
                                       limit=args.limit, sort=args.sort,
                                       descending=args.desc)
        if args.tsv:
            from app.services.copy_rows import rows_as_tsv

            ids = [int(r[0]) for r in page.rows]
            keys = ["id", "status", "orderNo", "logisticsNo", "buyerName", "buyerIdNumber",
                    "buyerTelephone", "goodsTotal", "problems"]
            return Result({}, rows_as_tsv(session, ctx.actor, ids, keys, ctx.lang).rstrip("\n"))
    rows = page.as_dicts()
    if ctx.json:
        return Result({"total": page.total, "rows": rows})
    keys = ["id", "status", "orderNo", "logisticsNo", "buyerName", "goodsTotal", "problems"]
    headers = [translate(h, ctx.lang) for h in
               (N_("ID"), N_("Status"), N_("Order No."), N_("Waybill No."), N_("Buyer"),
                N_("Goods value"), N_("Problems"))]
    table = [[_cell(k, r[k], ctx.lang) for k in keys] for r in rows]
    footer = ctx.t("{shown} of {total} declarations.", shown=len(rows), total=page.total)
    return Result({}, format_table(headers, table) + "\n" + footer)


def _cell(key: str, value: Any, lang: str) -> Any:
    if key == "status":
        return _status_text(value, lang)
    if isinstance(value, Decimal):
        return f"{value:,.2f}"
    return value


def _plain(value: Any) -> Any:
    """Decimals without the storage scale's trailing zeros (4, 12.5, 0.35)."""
    return format(value.normalize(), "f") if isinstance(value, Decimal) else value


def _status_text(status: str, lang: str) -> str:
    try:
        return translate(DeclarationStatus(status).label, lang)
    except ValueError:
        return status


def cmd_show(ctx: CliContext, args: argparse.Namespace) -> Result:
    from app.precheck.messages import revive

    with ctx.transaction(write=False) as session:
        d = decl_service.get_detail(session, ctx.actor, args.key)
    problems = [
        {"gnum": p["gnum"], "field": p["field"], "code": p["code"], "severity": p["severity"],
         "message": render(revive(p["msgid"], p["params"]), ctx.lang),
         "acknowledged": p["acknowledged"]}
        for p in d.problems
    ]
    data = {"id": d.id, "status": d.status, "version": d.version, "head": d.head,
            "items": d.items, "problems": problems, "history": d.history,
            "receipts": d.receipts, "taxEstimate": d.tax_estimate, "goodsTotal": d.goods_total,
            "batchId": d.batch_id,
            "checkedAgainst": {"hsEdition": d.hs_edition, "positiveList": d.list_edition}}
    if ctx.json:
        return Result(data)
    lines = [f"#{d.id}  {_status_text(d.status, ctx.lang)}"]
    for key, value in d.head.items():
        if value not in (None, ""):
            lines.append(f"  {HEAD_BY_NAME[key].label(ctx.lang)} ({key}): {_plain(value)}")
    for item in d.items:
        lines.append(f"  [{item['gnum']}] " + ", ".join(
            f"{f.label(ctx.lang)}={_plain(item[f.name])}" for f in ITEM_FIELDS
            if f.name in ("gcode", "gname", "qty", "unit", "price", "totalPrice")))
    if d.tax_estimate is not None:
        from app.cli.precheck import tax_line

        lines.append("  " + tax_line(ctx, d.tax_estimate))
    against = decl_service.checked_against(d)
    if against is not None:
        lines.append("  " + render(against, ctx.lang))
    if problems:
        lines.append(ctx.t("Problems:"))
        lines.extend(f"  {p['severity']} {p['code']} {p['field']}: {p['message']}"
                     for p in problems)
    if d.history:
        lines.append(ctx.t("History:"))
        from datetime import datetime

        from app.domain.clock import to_beijing
        from app.services.history import describe_event

        for ev in d.history:
            text = describe_event(ev, ctx.lang, declaration_id=d.id)
            at = to_beijing(datetime.fromisoformat(str(ev["at"]))).strftime("%Y-%m-%d %H:%M")
            lines.append(f"  {at}  {ev['user'] or '-'}  {text.title}")
            lines.extend(f"      {line}" for line in text.lines)
    return Result({}, "\n".join(lines))


def cmd_config_get(ctx: CliContext, args: argparse.Namespace) -> Result:
    with ctx.transaction(write=False) as session:
        value = settings_service.get_setting(session, args.key)
    return Result({"key": args.key, "value": value}, value or "")


def cmd_config_set(ctx: CliContext, args: argparse.Namespace) -> Result:
    with ctx.transaction() as session:
        scope = settings_service.set_setting(session, ctx.actor, args.key, args.value,
                                             office=args.office)
    with ctx.transaction(write=False) as session:
        value = settings_service.get_setting(session, args.key)
    if scope == settings_service.WORKSTATION:
        text = ctx.t("{key} set to {value} on this workstation.", key=args.key, value=value)
    elif args.key in settings_service.WORKSTATION_KEYS:
        text = ctx.t("{key} set to {value} for every workstation that has not set its own.",
                     key=args.key, value=value)
    else:
        text = ctx.t("{key} set to {value}.", key=args.key, value=value)
    return Result({"key": args.key, "value": value, "scope": scope}, text)


def cmd_config_list(ctx: CliContext, args: argparse.Namespace) -> Result:
    with ctx.transaction(write=False) as session:
        values = settings_service.all_settings(session)
        own = settings_service.workstation_overrides(session)
    scopes = {s.key: settings_service.scope_of(s.key) for s in settings_service.SETTINGS}
    scope_text = {settings_service.WORKSTATION: translate(N_("this workstation"), ctx.lang),
                  settings_service.OFFICE: translate(N_("office"), ctx.lang)}
    rows = [[s.key, translate(s.label, ctx.lang), values.get(s.key, ""), scope_text[scopes[s.key]]]
            for s in settings_service.SETTINGS]
    headers = [translate(h, ctx.lang)
               for h in (N_("Key"), N_("Setting"), N_("Value"), N_("Scope"))]
    # "workstationOwn": the workstation settings this workstation set itself (the others
    # follow the office's default).
    return Result({"settings": values, "scopes": scopes, "workstationOwn": sorted(own)},
                  format_table(headers, rows))


def cmd_config_apply_open(ctx: CliContext, args: argparse.Namespace) -> Result:
    from app.services.apply_settings import apply_settings_to_open, undo_apply_settings

    if args.undo:
        with ctx.transaction() as session:
            undone = undo_apply_settings(session, ctx.actor, args.undo)
        return Result({"run": undone.run_id, "declarations": undone.declarations,
                       "fields": undone.fields, "skipped": undone.skipped},
                      ctx.t("Undid run {run}: {fields} fields emptied again in {n} "
                            "declarations; {skipped} changed since and left as they are.",
                            run=undone.run_id, fields=undone.fields, n=undone.declarations,
                            skipped=undone.skipped))
    with ctx.transaction() as session:
        done = apply_settings_to_open(session, ctx.actor, dry_run=args.dry_run)
    data = {"run": done.run_id or None, "dryRun": bool(args.dry_run),
            "declarations": done.declarations, "fields": done.fields,
            "byField": dict(done.by_field)}
    if args.dry_run:
        text = ctx.t("Would fill {fields} empty fields in {n} open declarations.",
                     fields=done.fields, n=done.declarations)
    else:
        text = ctx.t("Filled {fields} empty fields in {n} open declarations (run {run}; "
                     "undo: cleardesk config apply-open --undo {run}).",
                     fields=done.fields, n=done.declarations, run=done.run_id)
    rows = [[HEAD_BY_NAME[k].label(ctx.lang), k, n] for k, n in done.by_field.items()]
    if rows:
        headers = [translate(h, ctx.lang) for h in (N_("Field"), N_("Key"),
                                                    N_("Declarations"))]
        text += "\n" + format_table(headers, rows)
    return Result(data, text)
