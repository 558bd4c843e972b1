"""`cleardesk autopilot`: import the watch folders' files unattended (see app/autopilot/)."""

from __future__ import annotations

import argparse
import time
from typing import Any

from app.autopilot.run import PassReport, run_once, set_paused
from app.autopilot.watch import WatchFolder
from app.cli.framework import CliContext, Result, format_table
from app.i18n import N_


def register(sub: Any) -> None:
    p = sub.add_parser("autopilot", help="import the watch folders' files unattended; "
                                         "one pass with --once")
    p.add_argument("--once", action="store_true", help="one pass, then print what it did")
    p.add_argument("--watch", action="append", default=[], metavar="DIR[=PROFILE]",
                   help="a folder to watch besides the watchFolders setting (repeatable)")
    p.add_argument("--interval", type=float, default=30.0, metavar="SECONDS",
                   help="seconds between passes (without --once)")
    p.add_argument("--pause", action="store_true",
                   help="pause the office's autopilot at once (every window says so)")
    p.add_argument("--resume", action="store_true", help="resume the paused autopilot")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(handler=cmd_autopilot)


def cmd_autopilot(ctx: CliContext, args: argparse.Namespace) -> Result:
    if args.pause or args.resume:
        with ctx.transaction() as session:
            set_paused(session, ctx.actor, paused=bool(args.pause))
        text = N_("The autopilot is paused.") if args.pause else N_("The autopilot resumed.")
        return Result({"paused": bool(args.pause)}, ctx.t(text))
    extra = [WatchFolder.parse(w) for w in args.watch]
    actor = ctx.actor
    if args.once:
        report = run_once(ctx.engine, ctx.transaction, actor, extra, lang=ctx.lang)
        return Result(report.to_json(), _text(ctx, report))
    while True:  # until Ctrl+C or the service manager stops it
        report = run_once(ctx.engine, ctx.transaction, actor, extra, lang=ctx.lang)
        if report.watch.files:
            print(_text(ctx, report), flush=True)
        time.sleep(args.interval)


def _text(ctx: CliContext, report: PassReport) -> str:
    if report.paused:
        return ctx.t(N_("The autopilot is paused: nothing was done."))
    lines = []
    if report.watch.files:
        rows = [[f.file, ctx.t({"imported": N_("imported"), "already": N_("already imported"),
                                "failed": N_("failed")}[f.outcome]),
                 f.declarations, f.rejected_rows, f.reason[:60]] for f in report.watch.files]
        lines.append(format_table([ctx.t(N_("File")), ctx.t(N_("Outcome")),
                                   ctx.t(N_("Declarations")), ctx.t(N_("Rejected rows")),
                                   ctx.t(N_("Reason"))], rows))
    lines.append(ctx.t(N_("{files} files, {declarations} declarations imported: {ready} ready, "
                          "{exceptions} stopped at the pre-check."),
                       files=len(report.watch.files), declarations=len(report.watch.new_ids),
                       ready=report.ready, exceptions=report.exceptions))
    if report.watch.waiting:
        lines.append(ctx.t(N_("{n} files are still being written; next pass."),
                           n=len(report.watch.waiting)))
    for folder in report.watch.missing_folders:
        lines.append(ctx.t(N_("Watch folder {folder} does not exist."), folder=folder))
    return "\n".join(lines)
