"""Submission commands: batch, submit, deliver, receipts, fix-queue, simulate-customs."""

from __future__ import annotations

import argparse
import time
from datetime import datetime
from pathlib import Path
from typing import Any

from app.cli.framework import CliContext, Result, format_table
from app.domain.clock import to_beijing
from app.domain.errors import ValidationError
from app.domain.status import DeclarationStatus
from app.i18n import N_, render, translate
from app.services import settings as settings_service
from app.submission import batches, fixqueue, outbound
from app.submission.exchange import ExchangeFolderTransport, transport_from_settings
from app.submission.exchange_fs import ExchangeSymlinkError
from app.submission.receipts_job import process_inbox
from app.submission.simulator import CustomsSimulator


def _beijing_minute(moment: datetime | None) -> str:
    """Stored UTC shown on the business clock (Beijing), as the grid and batch numbers are."""
    return to_beijing(moment).strftime("%Y-%m-%d %H:%M") if moment else ""


def _json_flag(p: argparse.ArgumentParser) -> None:
    p.add_argument("--json", action="store_true", help="print one JSON object")


def _transport_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--bill-no", help="master waybill / bill of lading (billNo)")
    p.add_argument("--traf-mode", help="transport mode code (trafMode)")
    p.add_argument("--traf-no", help="flight / vehicle number (trafNo; trafName for export)")
    p.add_argument("--voyage-no", help="flight or voyage number (voyageNo)")
    p.add_argument("--port-code", help="port customs code (portCode)")
    p.add_argument("--ie-date", help="import/export date YYYYMMDD (ieDate)")
    p.add_argument("--bag-nos", help="bag numbers, comma-separated (export totalPackageNo)")


def _exchange_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument("--exchange", type=Path, metavar="DIR",
                   help="exchange folder (default: the exchangeDir setting)")


def register(sub: Any) -> None:
    p = sub.add_parser("batch", help="batches of ready declarations")
    bsub = p.add_subparsers(dest="batch_command", required=True,
                            metavar="create|list|show|edit|dissolve|export")
    c = bsub.add_parser("create", help="put ready declarations into a new batch")
    sel = c.add_mutually_exclusive_group()
    sel.add_argument("--ids", type=int, nargs="+", metavar="ID")
    sel.add_argument("--status", choices=["ready"])
    c.add_argument("--limit", type=int, metavar="N")
    c.add_argument("--direction", choices=["import", "export"],
                   help="only import or only export declarations (with --status)")
    c.add_argument("--mixed-logistics", action="store_true",
                   help="allow several logistics companies on one master bill")
    _transport_args(c)
    _json_flag(c)
    c.set_defaults(handler=cmd_batch_create)
    li = bsub.add_parser("list", help="recent batches")
    li.add_argument("--all", action="store_true", help="include dissolved batches")
    _json_flag(li)
    li.set_defaults(handler=cmd_batch_list)
    sh = bsub.add_parser("show", help="one batch")
    sh.add_argument("batch")
    _json_flag(sh)
    sh.set_defaults(handler=cmd_batch_show)
    ed = bsub.add_parser("edit", help="change the transport data of an unsent batch")
    ed.add_argument("batch")
    _transport_args(ed)
    _json_flag(ed)
    ed.set_defaults(handler=cmd_batch_edit)
    di = bsub.add_parser("dissolve", help="release an unsent batch (declarations back to ready)")
    di.add_argument("batch")
    _json_flag(di)
    di.set_defaults(handler=cmd_batch_dissolve)
    ex = bsub.add_parser("export", help="copy a batch's messages to a folder with a manifest")
    ex.add_argument("batch")
    ex.add_argument("dest", type=Path)
    _json_flag(ex)
    ex.set_defaults(handler=cmd_batch_export)

    p = sub.add_parser("submit", help="build, check and hand a batch's messages to customs")
    p.add_argument("batch")
    _exchange_arg(p)
    _json_flag(p)
    p.set_defaults(handler=cmd_submit)

    p = sub.add_parser("deliver", help="write pending messages (after a crash or when the "
                       "exchange folder is back)")
    _exchange_arg(p)
    _json_flag(p)
    p.set_defaults(handler=cmd_deliver)

    p = sub.add_parser("receipts", help="apply customs receipts from the inbox")
    _exchange_arg(p)
    _json_flag(p)
    p.set_defaults(handler=cmd_receipts)

    p = sub.add_parser("to-fix", help="rejected declarations grouped by cause")
    _json_flag(p)
    p.set_defaults(handler=cmd_to_fix)

    p = sub.add_parser("redeclare", help="re-open fixed rejections for a new batch "
                       "(pre-checked again; amendment where customs knows the parcel)")
    which = p.add_mutually_exclusive_group(required=True)
    which.add_argument("--ids", type=int, nargs="+", metavar="ID")
    which.add_argument("--cause", metavar="KEY", help="a cause key from `cleardesk to-fix`")
    _json_flag(p)
    p.set_defaults(handler=cmd_redeclare)

    p = sub.add_parser("simulate-customs", help="training customs: answer outbox messages")
    p.add_argument("--exchange", type=Path, metavar="DIR", required=True)
    p.add_argument("--reject-rate", type=float, default=0.0, metavar="R")
    p.add_argument("--seed", type=int, default=0, metavar="S")
    p.add_argument("--tax-mismatch-rate", type=float, default=0.0, metavar="R",
                   help="share of tax bills where customs values the goods 10%% higher")
    p.add_argument("--interval", type=float, default=2.0, help="seconds between ticks (--watch)")
    once = p.add_mutually_exclusive_group(required=True)
    once.add_argument("--once", action="store_true")
    once.add_argument("--watch", action="store_true")
    _json_flag(p)
    p.set_defaults(handler=cmd_simulate)


def _transport(args: argparse.Namespace) -> batches.TransportData:
    return batches.TransportData(
        billNo=args.bill_no, trafMode=args.traf_mode, trafNo=args.traf_no,
        voyageNo=args.voyage_no, portCode=args.port_code, ieDate=args.ie_date,
        bagNos=args.bag_nos)


def exchange_for(ctx: CliContext, folder: Path | None) -> ExchangeFolderTransport:
    """The exchange folder from --exchange or the broker settings, with configured names."""
    with ctx.transaction(write=False) as session:
        values = settings_service.all_settings(session)
    return transport_from_settings(values, folder)


def cmd_batch_create(ctx: CliContext, args: argparse.Namespace) -> Result:
    try:
        with ctx.transaction() as session:
            summary = batches.create_batch(session, ctx.actor, ids=args.ids,
                                           status=args.status or "ready", limit=args.limit,
                                           transport=_transport(args),
                                           mixed_logistics=args.mixed_logistics,
                                           direction={"import": "I", "export": "E"}.get(
                                               args.direction or ""))
    except batches.BatchBlockedError as exc:
        with ctx.transaction() as session:
            batches.store_recheck(session, ctx.actor, exc)
        raise
    return Result({"batch": summary.batch_no, "declarations": summary.declarations},
                  ctx.t(N_("Batch {batch} created with {count} declarations."),
                        batch=summary.batch_no, count=summary.declarations))


def _batch_rows(items: list[batches.BatchSummary], lang: str) -> list[list[Any]]:
    return [[b.batch_no, translate(batches.IE_LABELS.get(b.ie_flag, b.ie_flag), lang),
             translate(batches.STATE_LABELS.get(b.state, b.state), lang),
             b.declarations, b.messages, b.bill_no or "",
             b.traf_no or "", _beijing_minute(b.created_at)]
            for b in items]


def cmd_batch_list(ctx: CliContext, args: argparse.Namespace) -> Result:
    with ctx.transaction(write=False) as session:
        items = batches.list_batches(session, ctx.actor, include_dissolved=args.all)
    headers = [ctx.t(h) for h in (N_("Batch"), N_("I/E"), N_("State"), N_("Declarations"),
                                  N_("Messages"), N_("Master bill"), N_("Flight"),
                                  N_("Created"))]
    return Result({"batches": [b.as_dict() for b in items]},
                  format_table(headers, _batch_rows(items, ctx.lang)))


def cmd_batch_show(ctx: CliContext, args: argparse.Namespace) -> Result:
    with ctx.transaction(write=False) as session:
        b = batches.get_batch(session, ctx.actor, args.batch)
    counts = ", ".join(f"{ctx.t(DeclarationStatus(s).label)} {n}" for s, n in b.status_counts)
    rows = [
        (N_("Batch"), b.batch_no), (N_("I/E"), ctx.t(batches.IE_LABELS.get(b.ie_flag, b.ie_flag))),
        (N_("State"), ctx.t(batches.STATE_LABELS.get(b.state, b.state))),
        (N_("Declarations"), b.declarations), (N_("By status"), counts or "—"),
        (N_("Messages"), f"{b.messages} ({ctx.t(N_('pending'))} {b.pending_messages})"),
        (N_("Master bill"), b.bill_no or "—"), (N_("Bags"), ", ".join(b.bags) or "—"),
        (N_("Transport mode"), b.traf_mode or "—"),
        (N_("Flight"), b.traf_no or "—"), (N_("Voyage"), b.voyage_no or "—"),
        (N_("Created"), f"{_beijing_minute(b.created_at)} {b.created_by or ''}"
         if b.created_at else "—"),
    ]
    return Result({"batch": b.as_dict()},
                  "\n".join(f"{ctx.t(label)}: {value}" for label, value in rows))


def cmd_batch_edit(ctx: CliContext, args: argparse.Namespace) -> Result:
    with ctx.transaction() as session:
        b = batches.edit_batch(session, ctx.actor, args.batch, _transport(args))
    return Result({"batch": b.batch_no, "declarations": b.declarations},
                  ctx.t(N_("Batch {batch} updated."), batch=b.batch_no))


def cmd_batch_dissolve(ctx: CliContext, args: argparse.Namespace) -> Result:
    with ctx.transaction() as session:
        n = batches.dissolve_batch(session, ctx.actor, args.batch)
    return Result({"batch": args.batch, "declarations": n},
                  ctx.t(N_("Batch {batch} dissolved; {count} declarations are ready again."),
                        batch=args.batch, count=n))


def cmd_batch_export(ctx: CliContext, args: argparse.Namespace) -> Result:
    with ctx.transaction() as session:
        manifest = outbound.export_batch_files(session, ctx.actor, args.batch, args.dest)
    files = [ln.split("  ", 1)[1] for ln in manifest.read_text("utf-8").splitlines() if ln]
    return Result({"batch": args.batch, "folder": str(args.dest), "files": files,
                   "manifest": str(manifest)},
                  ctx.t(N_("{count} files and the checksum manifest written to {folder}."),
                        count=len(files), folder=str(args.dest)))


def cmd_submit(ctx: CliContext, args: argparse.Namespace) -> Result:
    transport = exchange_for(ctx, args.exchange)
    # Start-up reconciliation first: earlier pending messages go before this batch's.
    outbound.deliver_pending(ctx.sessions, ctx.actor, transport)
    with ctx.transaction() as session:
        settings = settings_service.all_settings(session)
        recorded = outbound.record_batch(session, ctx.actor, args.batch, settings)
        batch_id = batches.get_batch(session, ctx.actor, args.batch).id
        batch_no = batches.get_batch(session, ctx.actor, args.batch).batch_no
    result = outbound.deliver_pending(ctx.sessions, ctx.actor, transport, batch_id=batch_id)
    if result.offline:
        raise outbound_offline(transport, len(recorded))
    files = [str(transport.outbox / r.file_name) for r in recorded]
    data = {"batch": batch_no, "messages": len(recorded),
            "declarations": sum(r.declarations for r in recorded), "files": files}
    return Result(data, ctx.t(N_("{messages} messages with {count} declarations handed to "
                                 "{folder}."), messages=len(recorded),
                              count=data["declarations"], folder=str(transport.outbox)))


def outbound_offline(transport: ExchangeFolderTransport, count: int) -> ValidationError:
    return ValidationError(
        N_("{count} messages were recorded but the exchange folder {path} is not reachable. "
           "They stay pending and are written when it is back (cleardesk deliver)."),
        count=count, path=str(transport.root))


def cmd_deliver(ctx: CliContext, args: argparse.Namespace) -> Result:
    transport = exchange_for(ctx, args.exchange)
    r = outbound.deliver_pending(ctx.sessions, ctx.actor, transport)
    data = {"written": len(r.written), "already": r.already, "pending": r.pending,
            "offline": r.offline, "files": list(r.written)}
    return Result(data, ctx.t(N_("{written} written, {already} already handed over, "
                                 "{pending} pending."), written=len(r.written),
                              already=r.already, pending=r.pending))


def cmd_receipts(ctx: CliContext, args: argparse.Namespace) -> Result:
    transport = exchange_for(ctx, args.exchange)
    if not transport.available():
        raise ValidationError(N_("The exchange folder {path} is not reachable."),
                              path=str(transport.root))
    problems: list[str] = []
    try:
        outbound.deliver_pending(ctx.sessions, ctx.actor, transport)
    except ExchangeSymlinkError as exc:  # a linked outbox stops delivery, not receipts
        problems.append(exc.text(ctx.lang))
    r = process_inbox(ctx.sessions, ctx.actor, transport)
    lines = [*problems, ctx.t(N_("{files} files, {returns} returns: {applied} applied, "
                                 "{duplicates} duplicates, {unmatched} unmatched, {errors} "
                                 "refused files."), **r.as_dict())]
    lines += [ctx.t(N_("Quarantined {file} ({reason}): see error/ and its .reason.txt"),
                    file=q.file, reason=q.reason) for q in r.quarantined]
    if r.waiting:
        lines.append(ctx.t(N_("{count} files are still being written; they are read at the "
                              "next run."), count=r.waiting))
    if r.retried:
        lines.append(ctx.t(N_("Tried again (changed since quarantined): {files}"),
                           files=", ".join(r.retried)))
    return Result({**r.as_json(), "problems": problems}, "\n".join(lines))


def cmd_to_fix(ctx: CliContext, args: argparse.Namespace) -> Result:
    with ctx.transaction(write=False) as session:
        groups = fixqueue.fix_groups(session, ctx.actor)
        held = fixqueue.held_declarations(session, ctx.actor)
    data = {
        "groups": [{"cause": g.key, "code": g.code, "count": g.count, "source": g.source,
                    "customs_text": g.customs_text,
                    "explanation": render(g.explanation, "en") if g.explanation else None}
                   for g in groups],
        "held": [{"id": h.id, "copNo": h.copNo, "status": h.status,
                  "returnStatus": h.returnStatus, "returnInfo": h.returnInfo} for h in held],
    }
    rows = [[g.count, g.code or "—", g.customs_text[:40] or ctx.t(N_("(no customs text)")),
             render(g.explanation, ctx.lang)[:60] if g.explanation else ""] for g in groups]
    headers = [ctx.t(h) for h in (N_("Count"), N_("Code"), N_("Customs text"),
                                  N_("What to do"))]
    return Result(data, format_table(headers, rows))


def cmd_redeclare(ctx: CliContext, args: argparse.Namespace) -> Result:
    with ctx.transaction() as session:
        ids = args.ids or fixqueue.declarations_for_cause(session, ctx.actor, args.cause)
        if not ids:
            raise ValidationError(N_("No rejected declarations for cause {cause}."),
                                  cause=args.cause)
        r = fixqueue.redeclare(session, ctx.actor, ids)
    data = {"redeclared": r.redeclared, "ready": r.ready, "invalid": r.invalid}
    return Result(data, ctx.t(N_("{redeclared} re-declared: {ready} ready for a new batch, "
                                 "{invalid} still fail the pre-check."), **data))


def cmd_simulate(ctx: CliContext, args: argparse.Namespace) -> Result:
    transport = ExchangeFolderTransport(args.exchange)
    if not transport.available():
        raise ValidationError(N_("The exchange folder {path} is not reachable."),
                              path=str(args.exchange))
    sim = CustomsSimulator(transport, reject_rate=args.reject_rate, seed=args.seed,
                           tax_mismatch_rate=args.tax_mismatch_rate)
    totals = {"ticks": 0, "messages": 0, "inventories": 0, "receipt_files": 0, "returns": 0}
    while True:
        tick = sim.run_once()
        totals["ticks"] += 1
        totals["messages"] += tick.messages
        totals["inventories"] += tick.inventories
        totals["receipt_files"] += tick.receipt_files
        totals["returns"] += tick.returns
        if args.once:
            break
        if not ctx.json:
            print(ctx.t(N_("{messages} messages taken, {returns} returns written."),
                        messages=tick.messages, returns=tick.returns), flush=True)
        time.sleep(max(0.2, args.interval))
    totals["pending"] = sim.pending()
    return Result(totals, ctx.t(N_("{messages} messages taken, {returns} returns written."),
                                messages=totals["messages"], returns=totals["returns"]))
