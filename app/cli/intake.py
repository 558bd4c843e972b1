"""`cleardesk import FILE …`: import a platform order file (see app/intake/service.py)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from app.cli.framework import CliContext, Result, format_table
from app.i18n import N_, render, translate
from app.intake.mapping import DIRECTIONS, MappingSpec
from app.intake.service import ImportRequest, ImportSummary, import_file
from app.jobs.base import Progress, no_progress

MAX_TEXT_ERRORS = 50


def register(sub: Any) -> None:
    p = sub.add_parser("import", help="import a platform order file (XLSX, XLS, ODS, CSV, JSON)")
    p.add_argument("file", type=Path, metavar="FILE")
    p.add_argument("--mapping", type=Path, metavar="MAP.json",
                   help="column mapping file: {\"columns\": {header: field}, …}")
    p.add_argument("--profile", metavar="NAME", help="use a saved mapping profile")
    p.add_argument("--save-profile", metavar="NAME",
                   help="save the mapping used for this file under NAME")
    p.add_argument("--sheet", metavar="NAME_OR_NUMBER", help="worksheet (default: the first)")
    p.add_argument("--direction", choices=sorted(DIRECTIONS),
                   help="import (CEB621, the default) or export (9610 B2C export, CEB603) "
                        "declarations; default: the profile's or mapping's")
    p.add_argument("--all-or-nothing", action="store_true",
                   help="import nothing if any row is rejected")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(handler=cmd_import)


def cmd_import(ctx: CliContext, args: argparse.Namespace) -> Result:
    mapping = MappingSpec.load(args.mapping) if args.mapping else None
    sheet: str | int | None = args.sheet
    if isinstance(sheet, str) and sheet.isdigit():
        sheet = int(sheet) - 1
    request = ImportRequest(path=args.file, mapping=mapping, profile=args.profile,
                            save_profile=args.save_profile, all_or_nothing=args.all_or_nothing,
                            sheet=sheet,
                            direction=DIRECTIONS[args.direction] if args.direction else None)
    progress = _terminal_progress(ctx) if not ctx.json and sys.stderr.isatty() else no_progress
    with ctx.transaction() as session:
        summary = import_file(session, ctx.actor, request, progress=progress)
    if progress is not no_progress:
        print(file=sys.stderr)
    code = 1 if summary.nothing_imported else 0
    return Result(summary.to_json(ctx.lang), _text(ctx, summary), exit_code=code)


def _terminal_progress(ctx: CliContext) -> Progress:
    label = translate(N_("Importing"), ctx.lang)

    def show(done: int, total: int, message: str = "") -> None:
        pct = int(100 * done / total) if total else 0
        print(f"\r{label} {pct:3d}%", end="", file=sys.stderr, flush=True)

    return show


def _text(ctx: CliContext, s: ImportSummary) -> str:
    lines = [ctx.t("{file}: {rows} rows → {declarations} new declarations ({items} items), "
                   "{updated} updated, {duplicates} duplicates, {rejected} rows rejected.",
                   file=s.file, rows=s.rows, declarations=s.declarations, items=s.items,
                   updated=s.updated, duplicates=s.duplicates, rejected=s.rejected_rows)]
    if s.refused:
        lines.append(ctx.t("Nothing was imported because rows were rejected "
                           "(--all-or-nothing)."))
    lines.append(render(s.weights_note(), ctx.lang))
    lines.extend(render(note, ctx.lang) for note in s.notes())
    if s.catalogue_filled:
        lines.append(render(s.catalogue_note(), ctx.lang))
    if s.errors:
        headers = [translate(h, ctx.lang) for h in
                   (N_("Row"), N_("Order No."), N_("Column"), N_("Field"), N_("Value"),
                    N_("Reason"))]
        rows = [[e["row"], e["orderNo"], e["column"], e["field"], e["value"], e["message"]]
                for e in (err.to_json(ctx.lang) for err in s.errors[:MAX_TEXT_ERRORS])]
        lines.append(format_table(headers, rows))
        if len(s.errors) > MAX_TEXT_ERRORS:
            lines.append(ctx.t("… and {n} more problems (use --json for all).",
                               n=len(s.errors) - MAX_TEXT_ERRORS))
    if s.more_errors:
        lines.append(ctx.t("The first {kept} problems are listed; {more} more were counted "
                           "but not kept.", kept=len(s.errors), more=s.more_errors))
    return "\n".join(lines)
