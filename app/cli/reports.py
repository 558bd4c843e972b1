"""`cleardesk export summary|declarations|evidence`: the supervisor's reports from the terminal."""

from __future__ import annotations

import argparse
from datetime import date
from pathlib import Path
from typing import Any

from app.cli.framework import CliContext, Result
from app.domain.dates import parse_day
from app.domain.errors import ValidationError
from app.domain.status import DeclarationStatus
from app.jobs.base import Progress, no_progress
from app.reports.detail import ExportResult, export_declarations
from app.reports.evidence import export_evidence, find_batch
from app.reports.evidence_sources import default_sources
from app.reports.summary import export_summary
from app.reports.summary_data import SummaryScope
from app.services import settings as settings_service
from app.services.queries import DeclarationFilter


def _json_flag(p: argparse.ArgumentParser) -> None:
    p.add_argument("--json", action="store_true", help="print one JSON object")


def _day(text: str) -> date:
    """A day as 20261101, 2026/11/1 or 2026-11-01 (app.domain.dates, like the date boxes)."""
    try:
        day = parse_day(text)
    except ValidationError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    if day is None:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text}")
    return day


def register(sub: Any) -> None:
    p = sub.add_parser("export", help="export reports: summary workbook, declarations, "
                       "evidence pack")
    esub = p.add_subparsers(dest="export_command", required=True,
                            metavar="summary|declarations|evidence")

    s = esub.add_parser("summary", help="summary workbook (XLSX) for a date range")
    s.add_argument("--from", dest="date_from", type=_day, required=True, metavar="YYYY-MM-DD")
    s.add_argument("--to", dest="date_to", type=_day, required=True, metavar="YYYY-MM-DD")
    s.add_argument("--platform", help="only this platform (ebpName)")
    s.add_argument("--batch", help="only this batch (number or id)")
    s.add_argument("-o", "--output", type=Path, required=True, metavar="FILE.xlsx")
    _json_flag(s)
    s.set_defaults(handler=cmd_export_summary)

    d = esub.add_parser("declarations", help="declarations as XLSX or CSV (UTF-8 with BOM)")
    d.add_argument("--status", action="append", choices=[x.value for x in DeclarationStatus],
                   help="only this status (repeatable)")
    d.add_argument("--batch", help="only this batch (number or id)")
    d.add_argument("--search", default="", help="order/waybill number, buyer name, ID, phone")
    d.add_argument("--platform", help="only this platform (ebpName)")
    d.add_argument("--from", dest="date_from", type=_day, metavar="YYYY-MM-DD")
    d.add_argument("--to", dest="date_to", type=_day, metavar="YYYY-MM-DD")
    d.add_argument("--unmask-reason", metavar="TEXT",
                   help="show full ID numbers and phones (supervisors; recorded in the audit "
                   "trail with this reason)")
    d.add_argument("-o", "--output", type=Path, required=True, metavar="FILE.xlsx|FILE.csv")
    _json_flag(d)
    d.set_defaults(handler=cmd_export_declarations)

    e = esub.add_parser("evidence", help="evidence pack (ZIP) of one batch")
    e.add_argument("--batch", required=True, help="batch number or id")
    e.add_argument("-o", "--output", type=Path, required=True, metavar="FILE.zip")
    _json_flag(e)
    e.set_defaults(handler=cmd_export_evidence)


def _progress(ctx: CliContext) -> Progress:
    """A one-line progress display on stderr when it is a terminal."""
    stream = ctx.stderr
    if ctx.json or not stream.isatty():
        return no_progress

    def show(done: int, total: int, message: str = "") -> None:
        pct = f"{100 * done // total:3d}%" if total else ""
        stream.write(f"\r{pct} {message}"[:78].ljust(78))
        if total and done >= total:
            stream.write("\n")
        stream.flush()

    return show


def _result_data(result: ExportResult) -> dict[str, Any]:
    return {"file": str(result.path), "format": result.format, "rows": result.rows,
            "sheets": {s.name: s.rows for s in result.sheets}}


def _sheets_text(ctx: CliContext, result: ExportResult) -> str:
    lines = [ctx.t("Wrote {file}.", file=str(result.path))]
    lines += [ctx.t("  {sheet}: {rows} rows", sheet=s.name, rows=s.rows) for s in result.sheets]
    return "\n".join(lines)


def _batch_id(session: Any, key: str | None) -> int | None:
    return None if key is None else find_batch(session, key).id


def cmd_export_summary(ctx: CliContext, args: argparse.Namespace) -> Result:
    if args.date_to < args.date_from:
        raise ValidationError("The end date is before the start date.")
    with ctx.transaction() as session:
        scope = SummaryScope(args.date_from, args.date_to, args.platform,
                             _batch_id(session, args.batch))
        result = export_summary(session, ctx.actor, scope, args.output, lang=ctx.lang,
                                progress=_progress(ctx))
    return Result(_result_data(result), _sheets_text(ctx, result))


def cmd_export_declarations(ctx: CliContext, args: argparse.Namespace) -> Result:
    with ctx.transaction() as session:
        flt = DeclarationFilter(statuses=tuple(args.status or ()), search=args.search,
                                batch_id=_batch_id(session, args.batch), platform=args.platform,
                                created_from=args.date_from, created_to=args.date_to)
        result = export_declarations(session, ctx.actor, flt, args.output, lang=ctx.lang,
                                     unmask_reason=args.unmask_reason, progress=_progress(ctx))
    return Result(_result_data(result), _sheets_text(ctx, result))


def cmd_export_evidence(ctx: CliContext, args: argparse.Namespace) -> Result:
    with ctx.transaction() as session:
        exchange = settings_service.all_settings(session).get("exchangeDir")
        result = export_evidence(session, ctx.actor, args.batch, args.output,
                                 default_sources(exchange or None), lang=ctx.lang,
                                 progress=_progress(ctx))
    data = {"file": str(result.path), "batchNo": result.batch_no, "counts": result.counts,
            "files": result.files, "missing": list(result.missing)}
    lines = [ctx.t("Wrote {file}.", file=str(result.path))]
    lines += [f"  {name}: {n}" for name, n in result.counts.items()]
    if result.missing:
        lines.append(ctx.t("Not included (not available yet): {parts}",
                           parts=", ".join(result.missing)))
    return Result(data, "\n".join(lines))
