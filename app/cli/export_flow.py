"""The export chain of an export batch: `cleardesk export-flow waybills|arrival|manifest|
departure|status --batch B` (CEB505, CEB507, CEB607, CEB509), and the monthly summary:
`cleardesk summary-application --month YYYY-MM [--ebc CODE] [--show]` (CEB701/702/792)."""

from __future__ import annotations

import argparse
from datetime import datetime
from pathlib import Path
from typing import Any

from app.cli.framework import CliContext, Result, format_table
from app.i18n import N_
from app.services import settings as settings_service
from app.submission import export_flow, outbound
from app.submission.exchange import transport_from_settings

_HELP = {
    export_flow.WAYBILLS: "send the batch's export waybills (CEB505)",
    export_flow.ARRIVAL: "report that the batch's parcels reached the supervised site (CEB507)",
    export_flow.MANIFEST: "file the master-bill list of the released parcels (CEB607)",
    export_flow.DEPARTURE: "report that the transport left (CEB509)",
}


def register(sub: Any) -> None:
    p = sub.add_parser("export-flow", help="the export chain of an export batch: waybills, "
                       "arrival, master-bill list, departure")
    steps = p.add_subparsers(dest="export_step", required=True, metavar="STEP")
    for step in export_flow.STEPS:
        s = steps.add_parser(step, help=_HELP[step])
        s.add_argument("--batch", required=True, metavar="BATCH", help="batch number or id")
        if step == export_flow.ARRIVAL:
            s.add_argument("--operator-code", help="site operator code (default: the batch, "
                           "else the operatorCode setting)")
            s.add_argument("--operator-name", help="site operator name")
            s.add_argument("--truck", help="the vehicle that brought the parcels "
                           "(domesticTrafNo; default: the batch's transport number)")
        if step == export_flow.DEPARTURE:
            s.add_argument("--left-at", type=_when, metavar="YYYY-MM-DDTHH:MM",
                           help="when the transport left, Beijing time (default: now)")
        s.add_argument("--exchange", type=Path, metavar="DIR",
                       help="exchange folder (default: the exchangeDir setting)")
        s.add_argument("--json", action="store_true", help="print one JSON object")
        s.set_defaults(handler=cmd_step)
    st = steps.add_parser("status", help="where the batch stands in the export chain")
    st.add_argument("--batch", required=True, metavar="BATCH", help="batch number or id")
    st.add_argument("--json", action="store_true", help="print one JSON object")
    st.set_defaults(handler=cmd_status)
    register_summary(sub)


def _when(text: str) -> datetime:
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a time (YYYY-MM-DDTHH:MM): {text}") from None


def cmd_step(ctx: CliContext, args: argparse.Namespace) -> Result:
    step = args.export_step
    options: dict[str, Any] = {}
    if step == export_flow.ARRIVAL:
        options = {"operator_code": args.operator_code, "operator_name": args.operator_name,
                   "domestic_traf_no": args.truck}
    elif step == export_flow.DEPARTURE:
        options = {"leave_time": args.left_at}
    actor = ctx.actor  # resolved before the transaction opens
    with ctx.transaction() as session:
        settings = settings_service.all_settings(session)
        result = export_flow.run_step(session, actor, step, args.batch, settings, **options)
    transport = transport_from_settings(settings, args.exchange)
    delivery = outbound.deliver_pending(ctx.sessions, actor, transport)
    data = {**result.as_dict(), "pending": delivery.pending, "offline": delivery.offline}
    text = ctx.t(N_("{step} of batch {batch}: {count} parcels ({files})."),
                 step=ctx.t(export_flow.STEP_LABELS[step]), batch=result.batch,
                 count=result.parcels, files=", ".join(result.messages))
    if delivery.offline:
        text += "\n" + ctx.t(N_("The exchange folder is not reachable: the messages stay "
                                "pending (cleardesk deliver)."))
    return Result(data, text)


def cmd_status(ctx: CliContext, args: argparse.Namespace) -> Result:
    from app.domain.export_stage import ExportStage

    with ctx.transaction(write=False) as session:
        status = export_flow.flow_status(session, ctx.actor, args.batch)

    def stage(value: str) -> str:
        return ctx.t(ExportStage(value).label) if value else ctx.t(N_("none"))

    lines = [ctx.t(N_("Batch {batch}: {count} parcels"), batch=status.batch,
                   count=status.parcels)]
    lines += [f"  {stage(s)}: {n}" for s, n in status.stages]
    if status.documents:
        rows = [[ctx.t(export_flow.STEP_LABELS[d.kind]), d.cop_no,
                 f"{d.msg_seq_no}/{d.msg_count}", d.parcels,
                 ctx.t(export_flow.DOC_STATE_LABELS.get(d.status, d.status)),
                 f"{d.return_status or ''} {d.return_info or ''}".strip()]
                for d in status.documents]
        lines.append(format_table([ctx.t(N_("Step")), "copNo", ctx.t(N_("Part")),
                                   ctx.t(N_("Parcels")), ctx.t(N_("State")),
                                   ctx.t(N_("Customs' answer"))], rows))
    if status.next_step:
        lines.append(ctx.t(N_("Next: {step}"),
                           step=ctx.t(export_flow.STEP_LABELS[status.next_step])))
    return Result({"batch": status.as_dict()}, "\n".join(lines))


def register_summary(sub: Any) -> None:
    p = sub.add_parser("summary-application", help="the monthly summary application of "
                       "released and departed export inventories (CEB701), or --show the "
                       "applications with customs' receipt (CEB702) and result (CEB792)")
    p.add_argument("--month", required=True, metavar="YYYY-MM")
    p.add_argument("--ebc", metavar="CODE", help="only this exporter (ebcCode)")
    p.add_argument("--show", action="store_true",
                   help="list the month's applications instead of making new ones")
    p.add_argument("--exchange", type=Path, metavar="DIR",
                   help="exchange folder (default: the exchangeDir setting)")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(handler=cmd_summary)


def cmd_summary(ctx: CliContext, args: argparse.Namespace) -> Result:
    from app.submission import summary

    actor = ctx.actor
    if args.show:
        with ctx.transaction(write=False) as session:
            rows = summary.list_summaries(session, actor, month=args.month)
        if args.ebc:
            rows = [r for r in rows if r.ebc_code == args.ebc]
        return Result({"month": args.month, "applications": [r.as_dict() for r in rows]},
                      _summary_table(ctx, rows))
    with ctx.transaction() as session:
        settings = settings_service.all_settings(session)
        result = summary.apply_for_summary(session, actor, args.month, settings,
                                           ebc_code=args.ebc)
    transport = transport_from_settings(settings, args.exchange)
    delivery = outbound.deliver_pending(ctx.sessions, actor, transport)
    data = {**result.as_dict(), "pending": delivery.pending, "offline": delivery.offline}
    text = ctx.t(N_("Summary of {month}: {count} applications ({files})."),
                 month=result.month, count=len(result.applications),
                 files=", ".join(result.messages))
    return Result(data, text + "\n" + _summary_table(ctx, list(result.applications)))


def _summary_table(ctx: CliContext, rows: list[Any]) -> str:
    from app.submission import summary

    return format_table(
        ["copNo", ctx.t(N_("Exporter")), ctx.t(N_("Inventories")), ctx.t(N_("State")),
         "sumNo", ctx.t(N_("Customs declaration")), ctx.t(N_("Customs' answer"))],
        [[r.cop_no, r.ebc_name or r.ebc_code, r.inventories,
          ctx.t(summary.STATE_LABELS.get(r.status, r.status)), r.sum_no or "",
          r.entry_id or "", f"{r.return_status or ''} {r.return_info or ''}".strip()]
         for r in rows])
