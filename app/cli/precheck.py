"""`cleardesk check`: run the pre-check on demand."""

from __future__ import annotations

import argparse
import sys
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from app.cli.framework import CliContext, Result, format_table
from app.db.models import Declaration
from app.domain.status import EDITABLE_STATUSES
from app.i18n import render
from app.precheck.service import CheckSummary, check_declarations

SHOWN_PROBLEMS = 200  # human output lists at most this many; --json lists all


def register(sub: Any) -> None:
    p = sub.add_parser("check", help="pre-check declarations against the customs rules")
    which = p.add_mutually_exclusive_group()
    which.add_argument("--all", action="store_true",
                       help="every declaration (default: the editable ones, not yet in a batch)")
    which.add_argument("--ids", nargs="+", type=int, metavar="ID", help="these declarations")
    p.add_argument("--full", action="store_true",
                   help="check every one again, also those unchanged since their last check")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(handler=cmd_check)


def tax_line(ctx: CliContext, amount: Decimal) -> str:
    """`Tax estimate: 1,234.56` for `show`."""
    return ctx.t("Tax estimate: {amount}", amount=f"{amount:,.2f}")


def _progress(done: int, total: int, message: str = "") -> None:
    if sys.stderr.isatty():
        print(f"\r{done:,}/{total:,}", end="" if done < total else "\n", file=sys.stderr)


def cmd_check(ctx: CliContext, args: argparse.Namespace) -> Result:
    with ctx.transaction() as session:
        if args.ids:
            ids: list[int] | None = list(args.ids)
        elif args.all:
            ids = None
        else:
            ids = list(session.execute(
                select(Declaration.id).where(Declaration.status.in_(
                    [s.value for s in EDITABLE_STATUSES]))).scalars())
        summary = check_declarations(session, ctx.actor, ids, force=args.full,
                                     progress=_progress if not ctx.json else _quiet)
    return Result(summary_json(summary, ctx.lang), _text(ctx, summary))


def _quiet(done: int, total: int, message: str = "") -> None:
    return None


def summary_json(summary: CheckSummary, lang: str) -> dict[str, Any]:
    return {
        "checked": summary.checked,
        "ready": summary.passed,
        "invalid": summary.failed,
        "unchanged": summary.skipped,  # skipped: inputs unchanged since their last check
        "problems": [
            {"id": p.declaration_id, "orderNo": p.orderNo, "logisticsNo": p.logisticsNo,
             "field": p.field, "code": p.code, "severity": p.severity,
             "message": render(p.message, lang)}
            for p in summary.problems
        ],
    }


def _text(ctx: CliContext, summary: CheckSummary) -> str:
    lines = [ctx.t("Checked {checked}: {passed} passed, {failed} with errors, "
                   "{problems} problem(s).", checked=summary.checked, passed=summary.passed,
                   failed=summary.failed, problems=len(summary.problems))]
    if summary.problems:
        rows = [[p.declaration_id, p.orderNo or "", p.severity, p.code,
                 p.field + (f"[{p.gnum}]" if p.gnum else ""), render(p.message, ctx.lang)]
                for p in summary.problems[:SHOWN_PROBLEMS]]
        lines.append(format_table([ctx.t("ID"), ctx.t("Order No."), ctx.t("Severity"),
                                   ctx.t("Code"), ctx.t("Field"), ctx.t("Message")], rows))
        if len(summary.problems) > SHOWN_PROBLEMS:
            lines.append(ctx.t("… and {n} more (use --json for all).",
                               n=len(summary.problems) - SHOWN_PROBLEMS))
    return "\n".join(lines)
