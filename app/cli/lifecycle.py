"""After submission: `cleardesk cancel` (CEB623), `cleardesk return` (CEB625) and
`cleardesk signed` (waybill status CEB513)."""

from __future__ import annotations

import argparse
from datetime import datetime
from pathlib import Path
from typing import Any

from app.cli.framework import CliContext, Result
from app.i18n import N_
from app.services import settings as settings_service
from app.submission import deliveries, lifecycle, outbound
from app.submission.exchange import transport_from_settings


def register(sub: Any) -> None:
    for name, handler, text in (
            ("cancel", cmd_cancel, "ask customs to cancel declared, unreleased parcels (CEB623)"),
            ("return", cmd_return, "register buyers' returns of released parcels (CEB625)")):
        p = sub.add_parser(name, help=text)
        p.add_argument("--ids", type=int, nargs="+", metavar="ID", required=True)
        p.add_argument("--reason", required=True, help="the reason customs is given")
        p.add_argument("--exchange", type=Path, metavar="DIR",
                       help="exchange folder (default: the exchangeDir setting)")
        p.add_argument("--json", action="store_true", help="print one JSON object")
        p.set_defaults(handler=handler)
    p = sub.add_parser("signed", help="report released parcels as signed for (waybill status "
                       "CEB513), where this office sends the waybills")
    p.add_argument("--ids", type=int, nargs="+", metavar="ID", required=True)
    p.add_argument("--at", type=_when, metavar="YYYY-MM-DDTHH:MM",
                   help="when they were signed for, Beijing time (default: now)")
    p.add_argument("--exchange", type=Path, metavar="DIR",
                   help="exchange folder (default: the exchangeDir setting)")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(handler=cmd_signed)


def _when(text: str) -> datetime:
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a time (YYYY-MM-DDTHH:MM): {text}") from None


def cmd_signed(ctx: CliContext, args: argparse.Namespace) -> Result:
    actor = ctx.actor
    with ctx.transaction() as session:
        settings = settings_service.all_settings(session)
        report = deliveries.report_deliveries(session, actor, args.ids, settings,
                                              signed_at=args.at)
    transport = transport_from_settings(settings, args.exchange)
    delivery = outbound.deliver_pending(ctx.sessions, actor, transport)
    data = {**report.as_dict(), "pending": delivery.pending, "offline": delivery.offline}
    return Result(data, ctx.t(N_("{count} parcels reported as signed for ({files})."),
                              count=len(report.declarations),
                              files=", ".join(report.messages)))


def cmd_cancel(ctx: CliContext, args: argparse.Namespace) -> Result:
    return _run(ctx, args, "cancel")


def cmd_return(ctx: CliContext, args: argparse.Namespace) -> Result:
    return _run(ctx, args, "return")


def _run(ctx: CliContext, args: argparse.Namespace, kind: str) -> Result:
    service = lifecycle.request_cancellation if kind == "cancel" else lifecycle.request_return
    actor = ctx.actor  # resolved before the transaction opens
    with ctx.transaction() as session:
        settings = settings_service.all_settings(session)
        result = service(session, actor, args.ids, args.reason, settings)
    transport = transport_from_settings(settings, args.exchange)
    delivery = outbound.deliver_pending(ctx.sessions, actor, transport)
    data = {**result.as_dict(), "pending": delivery.pending, "offline": delivery.offline}
    if kind == "cancel":
        text = ctx.t(N_("Cancellation of {count} declarations requested from customs "
                        "({files})."), count=len(result.declarations),
                     files=", ".join(result.messages))
    else:
        text = ctx.t(N_("Return of {count} declarations registered with customs ({files})."),
                     count=len(result.declarations), files=", ".join(result.messages))
    if delivery.offline:
        text += "\n" + ctx.t(N_("The exchange folder is not reachable: the messages stay "
                                "pending (cleardesk deliver)."))
    return Result(data, text)
