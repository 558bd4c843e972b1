"""`cleardesk routes import FILE | list`: the office's route / sort-code table for labels.

FILE is CSV or XLSX with a header row: province, city, district (blank = any), code,
description (Chinese headers 省/市/区县/分拣码/说明 work too). An import replaces the table, or
changes nothing and lists the bad rows.
JSON: import → {"file": …, "before": N, "rows": N}; list → {"routes": [{"scope", "level",
"place", "code", "description"}]}.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from app.cli.framework import CliContext, Result, format_table
from app.services.routes import import_routes, list_routes


def register(sub: Any) -> None:
    p = sub.add_parser("routes", help="the route / sort-code table printed on labels")
    rsub = p.add_subparsers(dest="routes_command", required=True, metavar="import|list")
    imp = rsub.add_parser("import", help="replace the table with a CSV/XLSX file "
                          "(province, city, district, code, description)")
    imp.add_argument("file", type=Path, metavar="FILE")
    imp.add_argument("--json", action="store_true", help="print one JSON object")
    imp.set_defaults(handler=cmd_import)
    lst = rsub.add_parser("list", help="show the table")
    lst.add_argument("--json", action="store_true", help="print JSON")
    lst.set_defaults(handler=cmd_list)


def cmd_import(ctx: CliContext, args: argparse.Namespace) -> Result:
    with ctx.transaction() as session:
        outcome = import_routes(session, ctx.actor, args.file)
    return Result({"file": outcome.file, "before": outcome.before, "rows": outcome.rows},
                  ctx.t("Imported {rows} route(s) from {file} (replacing {before})",
                        rows=outcome.rows, file=outcome.file, before=outcome.before))


def cmd_list(ctx: CliContext, args: argparse.Namespace) -> Result:
    with ctx.transaction() as session:
        routes = list_routes(session, ctx.actor)
    if not routes:
        return Result({"routes": []},
                      ctx.t("The route table is empty: cleardesk routes import FILE"))
    table = format_table(
        [ctx.t("Code"), ctx.t("Place"), ctx.t("Division code"), ctx.t("Description")],
        [[r.code, r.place, r.scope, r.description] for r in routes],
    )
    return Result({"routes": [r.as_json() for r in routes]}, table)
