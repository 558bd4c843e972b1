"""`cleardesk autopilot`: import the watch folders' files unattended (see app/autopilot/)."""

from __future__ import annotations

import argparse
import time
from datetime import datetime
from typing import Any

from app.autopilot.run import PassReport, run_once, set_paused
from app.autopilot.watch import WatchFolder
from app.cli.framework import CliContext, Result, format_table
from app.domain.clock import BEIJING
from app.domain.errors import ValidationError
from app.i18n import N_


def register(sub: Any) -> None:
    p = sub.add_parser("autopilot", help="import the watch folders' files unattended; "
                                         "one pass with --once")
    p.add_argument("--once", action="store_true", help="one pass, then print what it did")
    p.add_argument("--watch", action="append", default=[], metavar="DIR[=PROFILE]",
                   help="a folder to watch besides the watchFolders setting (repeatable)")
    p.add_argument("--interval", type=float, default=30.0, metavar="SECONDS",
                   help="seconds between passes (without --once)")
    p.add_argument("--now", metavar="YYYY-MM-DDTHH:MM",
                   help="training: the Beijing time the batching rules' cut-offs go by "
                        "(default: the clock)")
    p.add_argument("--pause", action="store_true",
                   help="pause the office's autopilot at once (every window says so)")
    p.add_argument("--resume", action="store_true", help="resume the paused autopilot")
    p.add_argument("--exceptions", action="store_true",
                   help="what stopped anywhere in the flow, by cause, oldest first")
    p.add_argument("--rules", action="store_true", help="list the batching rules")
    p.add_argument("--rule", metavar="NAME",
                   help="create or change (and so approve) the batching rule NAME")
    p.add_argument("--bill", metavar="BILL_NO", help="rule: the master bill (billNo)")
    p.add_argument("--cutoffs", metavar="HH:MM,…", help="rule: Beijing cut-off times")
    p.add_argument("--size", type=int, metavar="N", help="rule: most parcels per batch")
    p.add_argument("--logistics", metavar="CODE", help="rule: only this logistics company")
    p.add_argument("--platform", metavar="CODE", help="rule: only this platform (ebpCode)")
    p.add_argument("--customs", metavar="CODE", help="rule: only this customs office")
    p.add_argument("--traf-mode", metavar="M", help="rule: transport mode")
    p.add_argument("--traf-no", metavar="NO", help="rule: flight / vehicle")
    p.add_argument("--voyage", metavar="NO", help="rule: voyage / flight number")
    p.add_argument("--auto-submit", dest="auto_submit", choices=("yes", "no"),
                   help="rule: hand its batches to customs by themselves (default yes)")
    p.add_argument("--workstation", metavar="NAME",
                   help="run the autopilot in the window of workstation NAME ('' stops it "
                        "there); the autopilot acts for you")
    p.add_argument("--disable", action="store_true", help="rule: stop using it")
    p.add_argument("--enable", action="store_true", help="rule: use it again")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(handler=cmd_autopilot)


_RULE_OPTIONS = {"bill": "bill_no", "cutoffs": "cutoffs", "size": "size_limit",
                 "logistics": "logistics_code", "platform": "ebp_code",
                 "customs": "customs_code", "traf_mode": "traf_mode", "traf_no": "traf_no",
                 "voyage": "voyage_no", "auto_submit": "auto_submit"}


def _rule_json(rule: Any) -> dict[str, Any]:
    return {"name": rule.name, "logistics": rule.logistics_code, "platform": rule.ebp_code,
            "customs": rule.customs_code, "bill": rule.bill_no, "size": rule.size_limit,
            "cutoffs": rule.cutoffs, "enabled": rule.enabled, "autoSubmit": rule.auto_submit,
            "approvedBy": rule.approved_by}


def cmd_exceptions(ctx: CliContext) -> Result:
    from datetime import UTC, datetime

    from app.autopilot.exceptions import exception_groups
    from app.domain.clock import to_beijing

    now = datetime.now(UTC)
    with ctx.transaction(write=False) as session:
        groups = exception_groups(session, ctx.actor, now=now)
    data = [g.to_json(now, ctx.lang) for g in groups]
    rows = [[d["title"], d["count"],
             to_beijing(g.oldest).strftime("%m-%d %H:%M") if g.oldest else "",
             d["ageHours"] if d["ageHours"] is not None else ""]
            for d, g in zip(data, groups, strict=True)]
    headers = [ctx.t(h) for h in (N_("Cause"), N_("Parcels"), N_("Oldest"), N_("Hours"))]
    total = sum(g.count for g in groups)
    text = format_table(headers, rows) if rows else ctx.t(N_("Nothing is waiting for a person."))
    return Result({"exceptions": data, "total": total}, text)


def cmd_rules(ctx: CliContext, args: argparse.Namespace) -> Result:
    from app.autopilot.rules import list_rules, save_rule

    if args.rule:
        values: dict[str, Any] = {field: getattr(args, opt) for opt, field in
                                  _RULE_OPTIONS.items() if getattr(args, opt) is not None}
        if args.disable or args.enable:
            values["enabled"] = bool(args.enable)
        with ctx.transaction() as session:
            rule = save_rule(session, ctx.actor, args.rule, values)
            data = _rule_json(rule)
        return Result(data, ctx.t(N_("Rule {name} saved and approved by {user}."),
                                  name=data["name"], user=data["approvedBy"]))
    with ctx.transaction(write=False) as session:
        rules = [_rule_json(r) for r in list_rules(session, ctx.actor)]
    rows = [[r["name"], r["logistics"] or "*", r["platform"] or "*", r["customs"] or "*",
             r["bill"] or ctx.t(N_("(none: waits)")), r["size"], r["cutoffs"] or "—",
             ctx.t(N_("yes")) if r["autoSubmit"] else ctx.t(N_("no")),
             ctx.t(N_("yes")) if r["enabled"] else ctx.t(N_("no"))] for r in rules]
    headers = [ctx.t(h) for h in (N_("Rule"), N_("Logistics"), N_("Platform"), N_("Customs"),
                                  N_("Master bill"), N_("Size"), N_("Cut-offs"),
                                  N_("Auto-submit"), N_("Enabled"))]
    return Result({"rules": rules}, format_table(headers, rows))


def cmd_autopilot(ctx: CliContext, args: argparse.Namespace) -> Result:
    if args.rules or args.rule:
        return cmd_rules(ctx, args)
    if args.exceptions:
        return cmd_exceptions(ctx)
    if args.workstation is not None:
        from app.autopilot.station import choose_workstation

        with ctx.transaction() as session:
            choose_workstation(session, ctx.actor, args.workstation)
        name = args.workstation.strip()
        return Result({"workstation": name, "actingFor": ctx.actor.name if name else ""},
                      ctx.t(N_("The autopilot runs in the window of {workstation}, acting "
                               "for {user}."), workstation=name, user=ctx.actor.name)
                      if name else ctx.t(N_("No workstation's window runs the autopilot.")))
    if args.pause or args.resume:
        with ctx.transaction() as session:
            set_paused(session, ctx.actor, paused=bool(args.pause))
        text = N_("The autopilot is paused.") if args.pause else N_("The autopilot resumed.")
        return Result({"paused": bool(args.pause)}, ctx.t(text))
    extra = [WatchFolder.parse(w) for w in args.watch]
    actor = ctx.actor
    clock = _clock(args.now) if args.now else None
    if args.once:
        report = run_once(ctx.engine, ctx.transaction, actor, extra, lang=ctx.lang,
                          clock=clock)
        return Result(report.to_json(), _text(ctx, report))
    while True:  # until Ctrl+C or the service manager stops it
        report = run_once(ctx.engine, ctx.transaction, actor, extra, lang=ctx.lang,
                          clock=clock)
        if report.watch.files:
            print(_text(ctx, report), flush=True)
        time.sleep(args.interval)


def _clock(text: str) -> datetime:
    """`--now`: an ISO date and time, Beijing unless it names its zone."""
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise ValidationError(N_("--now {value} is not a date and time like "
                                 "2026-12-05T10:31."), value=text) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=BEIJING)


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
    for run in report.rules:
        if run.waiting:
            lines.append(ctx.t(N_("Rule {rule}: ready parcels wait for a master bill."),
                               rule=run.rule))
        elif run.batches:
            lines.append(ctx.t(N_("Rule {rule}: {n} declarations in {batches}, handed to "
                                  "customs."), rule=run.rule, n=run.declarations,
                               batches=", ".join(run.batches)))
    lines.append(ctx.t(N_("{files} files, {declarations} declarations imported: {ready} ready, "
                          "{exceptions} stopped at the pre-check."),
                       files=len(report.watch.files), declarations=len(report.watch.new_ids),
                       ready=report.ready, exceptions=report.exceptions))
    if report.handed_over:
        lines.append(ctx.t(N_("{n} messages of earlier autopilot batches handed over."),
                           n=report.handed_over))
    if report.receipts is not None and report.receipts["files"]:
        lines.append(ctx.t(N_("Receipts: {files} files, {returns} returns: {applied} applied, "
                              "{duplicates} duplicates, {unmatched} unmatched, {errors} "
                              "refused files."), **report.receipts))
    lines += report.problems
    if report.watch.waiting:
        lines.append(ctx.t(N_("{n} files are still being written; next pass."),
                           n=len(report.watch.waiting)))
    for folder in report.watch.missing_folders:
        lines.append(ctx.t(N_("Watch folder {folder} does not exist."), folder=folder))
    return "\n".join(lines)
