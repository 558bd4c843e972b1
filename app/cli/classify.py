"""`cleardesk classify NAME [--model M] [--limit N]`: candidate HS codes for a goods name."""

from __future__ import annotations

import argparse
from typing import Any

from app.cli.framework import CliContext, Result, format_table
from app.domain.errors import ValidationError


def register(sub: Any) -> None:
    p = sub.add_parser("classify", help="suggest HS codes for a goods name (catalogue and "
                       "tariff, offline)")
    p.add_argument("gname", help="the goods name, e.g. \"保湿面霜 50ml\"")
    p.add_argument("--model", default="", help="the goods model (规格型号)")
    p.add_argument("--limit", type=int, default=5, help="how many candidates (default 5)")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(handler=cmd_classify)


def cmd_classify(ctx: CliContext, args: argparse.Namespace) -> Result:
    from app.catalogue.suggest import HsSuggester

    if not 1 <= args.limit <= 100:
        raise ValidationError("--limit {value} must be between 1 and 100.", value=args.limit)
    actor = ctx.actor
    with ctx.transaction(write=False) as session:
        found = HsSuggester().suggest(session, actor, args.gname, args.model, args.limit)
    data = {"gname": args.gname, "gmodel": args.model,
            "candidates": [s.as_dict(ctx.lang) for s in found]}
    if not found:
        return Result(data, ctx.t("No HS code to suggest for “{name}”: nothing in the catalogue "
                                  "or the tariff resembles it.", name=args.gname))
    sources = {"accepted": ctx.t("accepted"), "confirmed": ctx.t("confirmed"),
               "imported": ctx.t("imported"), "tariff": ctx.t("tariff")}
    rows = [[s.gcode, f"{s.score:.2f}", sources[s.source], s.unit1 or "", s.unit2 or "",
             s.reason.text(ctx.lang) + (f" [{s.note}]" if s.note else "")] for s in found]
    table = format_table([ctx.t("HS code"), ctx.t("Score"), ctx.t("Source"), ctx.t("Unit 1"),
                          ctx.t("Unit 2"), ctx.t("Why")], rows)
    return Result(data, ctx.t("HS codes for “{name}”:", name=args.gname) + "\n" + table)
