"""`cleardesk dashboard`: a day's flow per hour (received, declared by the autopilot and by
people, stopped, released) — the supervisor's view of app/autopilot/dashboard.py."""

from __future__ import annotations

import argparse
from typing import Any

from app.cli.framework import CliContext, Result, format_table
from app.i18n import N_


def register(sub: Any) -> None:
    p = sub.add_parser("dashboard", help="today's flow per hour (Beijing time): received, "
                                         "auto-declared, declared by people, exceptions, "
                                         "released")
    p.add_argument("--day", metavar="YYYY-MM-DD", default="",
                   help="another Beijing day (also 20261101, 2026/11/1)")
    p.add_argument("--all-hours", action="store_true",
                   help="list quiet hours too (JSON always has all 24)")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(handler=cmd_dashboard)


HEADERS = (N_("Hour"), N_("Received"), N_("Auto-declared"), N_("Declared by people"),
           N_("Exceptions"), N_("Released"))


def cmd_dashboard(ctx: CliContext, args: argparse.Namespace) -> Result:
    from app.autopilot.dashboard import day_flow
    from app.domain.dates import parse_day

    day = parse_day(args.day)
    actor = ctx.actor
    with ctx.transaction(write=False) as session:
        flow = day_flow(session, actor, day)

    def row(label: str, h: Any) -> list[Any]:
        return [label, h.received, h.auto_declared, h.declared_by_people, h.exceptions,
                h.released]

    rows = [row(f"{h.hour:02d}:00", h) for h in flow.hours
            if args.all_hours or h.received or h.declared or h.exceptions or h.released]
    rows.append(row(ctx.t(N_("Total")), flow.totals))
    title = ctx.t(N_("Flow of {day} (Beijing time)"), day=flow.day.isoformat())
    return Result(flow.to_json(),
                  title + "\n" + format_table([ctx.t(h) for h in HEADERS], rows))
