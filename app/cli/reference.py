"""`cleardesk reference import|list|show|reload`: the customs code tables and tariff editions."""

from __future__ import annotations

import argparse
from dataclasses import asdict
from datetime import date
from pathlib import Path
from typing import Any

from app.cli.framework import CliContext, Result, format_table
from app.domain.errors import ValidationError
from app.reference.editions import import_edition, list_editions
from app.reference.fileread import TABLES, load_mapping
from app.reference.search import search_reference, table_summaries
from app.reference.store import load_reference_files
from app.security.context import Permission, require


def _json_flag(p: argparse.ArgumentParser) -> None:
    p.add_argument("--json", action="store_true", help="print one JSON object")


def register(sub: Any) -> None:
    p = sub.add_parser("reference", help="customs code tables and tariff editions")
    rsub = p.add_subparsers(dest="reference_command", required=True,
                            metavar="import|list|show|reload")
    im = rsub.add_parser("import", help="load a new edition of a table from XLSX/XLS/CSV/JSON "
                         "(a file with errors changes nothing)")
    im.add_argument("file", type=Path)
    im.add_argument("--table", required=True, choices=list(TABLES))
    im.add_argument("--mapping", type=Path, help="JSON {file header: column}")
    im.add_argument("--edition", help="edition name (default: the file name)")
    im.add_argument("--effective", help="date the edition takes effect, YYYY-MM-DD")
    im.add_argument("--dry-run", action="store_true",
                    help="show the differences, store nothing")
    _json_flag(im)
    im.set_defaults(handler=cmd_reference_import)
    li = rsub.add_parser("list", help="tables, row counts and the edition in force")
    _json_flag(li)
    li.set_defaults(handler=cmd_reference_list)
    sh = rsub.add_parser("show", help="rows of a table, by code or words of the name")
    sh.add_argument("table", choices=list(TABLES))
    sh.add_argument("--search", default="", help="code digits or words of the name")
    sh.add_argument("--limit", type=int, default=50)
    sh.add_argument("--editions", action="store_true", help="the editions loaded instead")
    _json_flag(sh)
    sh.set_defaults(handler=cmd_reference_show)
    rl = rsub.add_parser("reload", help="replace the code tables with CSV files "
                         "(default: the shipped tables)")
    rl.add_argument("folder", nargs="?", type=Path,
                    help="folder with countries.csv, units.csv, hs_codes.csv …")
    _json_flag(rl)
    rl.set_defaults(handler=cmd_reference_reload)


def _effective(text: str | None) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise ValidationError("--effective {value} is not a date YYYY-MM-DD.",
                              value=text) from exc


def cmd_reference_import(ctx: CliContext, args: argparse.Namespace) -> Result:
    mapping = load_mapping(args.mapping)
    effective = _effective(args.effective)
    with ctx.transaction() as session:
        outcome = import_edition(session, ctx.actor, args.file, args.table, mapping=mapping,
                                 edition=args.edition, effective=effective,
                                 dry_run=args.dry_run)
    data = outcome.as_dict(ctx.lang)
    lines = [ctx.t("{table}: edition {edition}, {rows} rows; {added} added, {removed} removed, "
                   "{changed} changed.", table=outcome.table, edition=outcome.edition,
                   rows=outcome.rows, added=len(outcome.added), removed=len(outcome.removed),
                   changed=len(outcome.changed))]
    if outcome.errors:
        lines.append(ctx.t("{count} errors; nothing was stored:", count=len(outcome.errors)))
        lines += [f"  {e['row']} {e['column']}: {e['message']}" for e in data["errors"][:200]]
        return Result(data, "\n".join(lines), exit_code=1)
    if outcome.stored:
        lines.append(ctx.t("Stored. {checked} open declarations checked again, {changed} "
                           "changed status.", checked=outcome.rechecked,
                           changed=outcome.status_changed))
    else:
        lines.append(ctx.t("Dry run: nothing was stored."))
    return Result(data, "\n".join(lines))


def cmd_reference_list(ctx: CliContext, args: argparse.Namespace) -> Result:
    with ctx.transaction() as session:
        summaries = table_summaries(session, ctx.actor)
    data = {"tables": [asdict(s) for s in summaries]}
    shipped = ctx.t("shipped")
    rows = [[s.table, s.rows, (s.edition or shipped) + (
        " " + ctx.t("(from {date}: {edition})", date=s.upcoming_from, edition=s.upcoming)
        if s.upcoming else ""), s.loaded_at or ""] for s in summaries]
    text = format_table([ctx.t("Table"), ctx.t("Rows"), ctx.t("Edition"), ctx.t("Loaded")],
                        rows)
    if not any(s.table == "positive-list" and s.rows for s in summaries):
        text += "\n" + ctx.t("No positive list is loaded: NOT_ON_POSITIVE_LIST is not checked.")
    return Result(data, text)


def cmd_reference_show(ctx: CliContext, args: argparse.Namespace) -> Result:
    with ctx.transaction() as session:
        if args.editions:
            editions = list_editions(session, ctx.actor, args.table)
            data: dict[str, Any] = {"table": args.table,
                                    "editions": [asdict(e) for e in editions]}
            for e in data["editions"]:
                e["effective"] = e["effective"].isoformat() if e["effective"] else None
            rows = [[e.id, e.name, e.effective or "", e.loaded_at, e.loaded_by or "",
                     e.file_name, e.sha256[:12], e.rows] for e in editions]
            return Result(data, format_table(
                ["#", ctx.t("Edition"), ctx.t("Effective"), ctx.t("Loaded"), ctx.t("By"),
                 ctx.t("File"), "SHA-256", ctx.t("Rows")], rows))
        found = search_reference(session, ctx.actor, args.table, args.search, args.limit)
    data = {"table": args.table, "search": args.search, "rows": [asdict(r) for r in found]}
    if args.table == "hs":
        table = [[r.code, r.name_zh, r.unit1 or "", r.unit2 or "", r.vat_rate or "?",
                  r.note or ""] for r in found]
        headers = [ctx.t("Code"), ctx.t("Name"), ctx.t("Unit 1"), ctx.t("Unit 2"),
                   ctx.t("VAT"), ctx.t("Note")]
    else:
        table = [[r.code, r.name_zh, r.name_en or r.note or ""] for r in found]
        headers = [ctx.t("Code"), ctx.t("Name"), ctx.t("English / note")]
    return Result(data, format_table(headers, table))


def cmd_reference_reload(ctx: CliContext, args: argparse.Namespace) -> Result:
    with ctx.transaction() as session:
        require(ctx.actor, Permission.SETTINGS)
        codes, hs = load_reference_files(session, args.folder)
    return Result({"codes": codes, "hsCodes": hs},
                  ctx.t("Loaded {codes} codes and {hs} HS codes.", codes=codes, hs=hs))
