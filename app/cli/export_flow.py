"""The export chain of an export batch: `cleardesk export-flow waybills|arrival|manifest|
departure|status --batch B` (CEB505, CEB507, CEB607, CEB509), the monthly summary:
`cleardesk summary-application --month YYYY-MM [--ebc CODE] [--show]` (CEB701/702/792), and
returned parcels tallied in at the site: `cleardesk return-tally --ids ID…` (CEB215/216)."""

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
            s.add_argument("--scanned-only", action="store_true",
                           help="report only the parcels scanned in at the site "
                           "(export-flow scan); the others follow later")
        if step == export_flow.DEPARTURE:
            s.add_argument("--left-at", type=_when, metavar="YYYY-MM-DDTHH:MM",
                           help="when the transport left, Beijing time (default: now)")
        s.add_argument("--exchange", type=Path, metavar="DIR",
                       help="exchange folder (default: the exchangeDir setting)")
        s.add_argument("--json", action="store_true", help="print one JSON object")
        s.set_defaults(handler=cmd_step)
    sc = steps.add_parser("scan", help="parcels scanned in at the site (waybill, copNo or "
                          "order numbers): recorded for the batch; the last one waiting "
                          "records the arrival report (CEB507)")
    sc.add_argument("--batch", required=True, metavar="BATCH", help="batch number or id")
    sc.add_argument("codes", nargs="+", metavar="CODE")
    sc.add_argument("--station", default="", help="the station's name, kept with the scans")
    sc.add_argument("--exchange", type=Path, metavar="DIR",
                    help="exchange folder (default: the exchangeDir setting)")
    sc.add_argument("--json", action="store_true", help="print one JSON object")
    sc.set_defaults(handler=cmd_scan)
    st = steps.add_parser("status", help="where the batch stands in the export chain")
    st.add_argument("--batch", required=True, metavar="BATCH", help="batch number or id")
    st.add_argument("--json", action="store_true", help="print one JSON object")
    st.set_defaults(handler=cmd_status)
    register_summary(sub)
    register_tally(sub)


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
        if step == export_flow.ARRIVAL and args.scanned_only:
            from app.station import arrival

            result = arrival.confirm_arrival(session, actor, args.batch, settings, **options)
        else:
            result = export_flow.run_step(session, actor, step, args.batch, settings,
                                          **options)
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


def cmd_scan(ctx: CliContext, args: argparse.Namespace) -> Result:
    from app.station import arrival

    actor = ctx.actor  # resolved before the transaction opens
    with ctx.transaction() as session:
        settings = settings_service.all_settings(session)
        scans = [arrival.scan_parcel(session, actor, args.batch, code, settings,
                                     station=args.station) for code in args.codes]
    lines = [f"{s.code}: {s.message.text(ctx.lang)}" for s in scans]
    report = next((s.report for s in scans if s.report is not None), None)
    pending = offline = None
    if report is not None:
        delivery = outbound.deliver_pending(ctx.sessions, actor,
                                            transport_from_settings(settings, args.exchange))
        pending, offline = delivery.pending, delivery.offline
        lines.append(ctx.t(N_("{step} of batch {batch}: {count} parcels ({files})."),
                           step=ctx.t(export_flow.STEP_LABELS[export_flow.ARRIVAL]),
                           batch=report.batch, count=report.parcels,
                           files=", ".join(report.messages)))
    lines += [s.report_error.text(ctx.lang) for s in scans if s.report_error is not None]
    progress = scans[-1].progress
    if progress.unscanned:
        lines.append(ctx.t(N_("Not scanned yet ({count}): {parcels}"),
                           count=len(progress.unscanned),
                           parcels=", ".join(n or c for c, n in progress.unscanned[:20])))
    data = {"scans": [s.as_dict(ctx.lang) for s in scans], "progress": progress.as_dict(),
            "pending": pending, "offline": offline}
    return Result(data, "\n".join(lines))


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


def register_tally(sub: Any) -> None:
    p = sub.add_parser("return-tally", help="tally returned export parcels in at the site "
                       "(CEB215 return tally, after the return application CEB213), or --show "
                       "the tallies with customs' answers (CEB216)")
    p.add_argument("--ids", type=int, nargs="+", metavar="ID", default=[])
    p.add_argument("--location", help="where the parcels are stored at the site")
    p.add_argument("--traf-mode", help="transport mode that brought them back (default: the "
                   "export's)")
    p.add_argument("--traf-name", help="vehicle, flight or ship that brought them back")
    p.add_argument("--voyage-no", help="its voyage or flight number")
    p.add_argument("--bill-no", help="the bill of lading (default: the export's, else the "
                   "waybill number)")
    p.add_argument("--show", action="store_true", help="list the tallies instead of sending")
    p.add_argument("--exchange", type=Path, metavar="DIR",
                   help="exchange folder (default: the exchangeDir setting)")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(handler=cmd_tally)


def cmd_tally(ctx: CliContext, args: argparse.Namespace) -> Result:
    from app.submission import return_tally

    actor = ctx.actor  # resolved before the transaction opens
    if args.show:
        with ctx.transaction(write=False) as session:
            rows = return_tally.list_tallies(session, actor, args.ids or None)
        return Result({"tallies": [r.as_dict() for r in rows]}, _tally_table(ctx, rows))
    transport = return_tally.Transport(args.traf_mode, args.traf_name, args.voyage_no,
                                       args.bill_no)
    with ctx.transaction() as session:
        settings = settings_service.all_settings(session)
        result = return_tally.tally_returns(session, actor, args.ids, settings,
                                            location=args.location, transport=transport)
    exchange = transport_from_settings(settings, args.exchange)
    delivery = outbound.deliver_pending(ctx.sessions, actor, exchange)
    data = {**result.as_dict(), "pending": delivery.pending, "offline": delivery.offline}
    text = ctx.t(N_("Return tally of {count} parcels recorded for customs ({files})."),
                 count=len(result.tallies), files=", ".join(result.messages))
    if delivery.offline:
        text += "\n" + ctx.t(N_("The exchange folder is not reachable: the messages stay "
                                "pending (cleardesk deliver)."))
    return Result(data, text)


def _tally_table(ctx: CliContext, rows: list[Any]) -> str:
    from app.submission import return_tally

    return format_table(
        ["copNo", "coElNo", ctx.t(N_("Waybill")), ctx.t(N_("State")),
         ctx.t(N_("Customs' answer"))],
        [[r.cop_no, r.co_el_no, r.logistics_no,
          ctx.t(return_tally.STATE_LABELS.get(r.status, r.status)),
          f"{r.return_status or ''} {r.return_info or ''}".strip()] for r in rows])
