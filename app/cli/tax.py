"""`cleardesk tax reconcile`: what customs billed (CEB816) against the estimate."""

from __future__ import annotations

import argparse
from datetime import date
from pathlib import Path
from typing import Any

from app.cli.framework import CliContext, Result, format_table
from app.i18n import N_
from app.reports.tax_reconcile import CAUSES, ReconcileScope, export_reconciliation, reconcile


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text}") from None


def register(sub: Any) -> None:
    p = sub.add_parser("tax", help="electronic tax bills from customs")
    tsub = p.add_subparsers(dest="tax_command", required=True, metavar="reconcile")
    r = tsub.add_parser("reconcile", help="billed tax vs estimate, per declaration, batch and "
                        "guarantor")
    r.add_argument("--from", dest="date_from", type=_day, metavar="YYYY-MM-DD",
                   help="bills issued on or after this day")
    r.add_argument("--to", dest="date_to", type=_day, metavar="YYYY-MM-DD",
                   help="bills issued on or before this day")
    r.add_argument("--batch", help="only this batch (number)")
    r.add_argument("-o", "--output", type=Path, metavar="FILE.xlsx",
                   help="also write the workbook")
    r.add_argument("--json", action="store_true", help="print one JSON object")
    r.set_defaults(handler=cmd_tax_reconcile)


def cmd_tax_reconcile(ctx: CliContext, args: argparse.Namespace) -> Result:
    scope = ReconcileScope(args.date_from, args.date_to, args.batch)
    actor = ctx.actor
    with ctx.transaction() as session:
        if args.output is not None:
            rec = export_reconciliation(session, actor, scope, args.output, lang=ctx.lang)
        else:
            rec = reconcile(session, actor, scope)
    data = rec.as_json()
    if args.output is not None:
        data["output"] = str(args.output)
    lines = [ctx.t(N_("{declarations} declarations billed {billed}, estimated {estimated}, "
                      "difference {difference}; {count} mismatches."),
                   declarations=rec.declarations, billed=data["billed"],
                   estimated=data["estimated"], difference=data["difference"],
                   count=rec.mismatch_count)]
    if rec.mismatches:
        headers = [ctx.t(h) for h in (N_("Inventory No."), N_("Estimated"), N_("Billed"),
                                      N_("Difference"), N_("Likely cause"))]
        rows = [[m.invtNo, m.as_dict()["estimated"] or "—", m.as_dict()["billed"],
                 m.as_dict()["difference"], ctx.t(CAUSES[m.cause])]
                for m in rec.mismatches[:20]]
        lines.append(format_table(headers, rows))
    if rec.unmatched_bills:
        lines.append(ctx.t(N_("{count} bills name an inventory number no declaration has."),
                           count=rec.unmatched_bills))
    return Result(data, "\n".join(lines))
