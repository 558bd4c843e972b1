"""`cleardesk print labels|manifest|cn22`: PDFs of labels, the batch manifest, customs forms.

JSON: {"file": …, "pages": P, "labels": N, "reprinted": R,
       "missing_glyphs": [{"id": …, "char": "…"}]}   (manifest: "rows" instead of "labels").
A parcel printed before needs `--reprint-reason`; without it the command exits 1. Labels for
rejected, cancelled or not yet accepted parcels need `--force`; without it they are named and
the command exits 1.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from app.cli.framework import CliContext, Result
from app.services.declarations import find_declaration_id
from app.services.printing import (
    PrintOutcome,
    Selection,
    print_customs_forms,
    print_labels,
    print_manifest,
)


def register(sub: Any) -> None:
    p = sub.add_parser("print", help="print labels, CN22/CN23 forms or a batch manifest (PDF)")
    psub = p.add_subparsers(dest="print_command", required=True, metavar="labels|manifest|cn22")

    labels = psub.add_parser("labels", help="one 100×150 label per parcel, in the given order")
    _selection(labels)
    labels.add_argument("--profile", metavar="P",
                        help="printer profile (thermal-100x150, a4-4up, or a custom one)")
    labels.add_argument("--force", action="store_true",
                        help="print labels also for rejected, cancelled or not yet accepted "
                        "parcels (without it they are named and nothing is printed)")
    _common(labels)
    labels.set_defaults(handler=cmd_labels)

    manifest = psub.add_parser("manifest", help="the A4 manifest of a batch")
    manifest.add_argument("--batch", required=True, metavar="B")
    manifest.add_argument("-o", "--output", required=True, type=Path, metavar="FILE.pdf")
    manifest.add_argument("--json", action="store_true", help="print one JSON object")
    manifest.set_defaults(handler=cmd_manifest)

    cn22 = psub.add_parser("cn22", help="CN22 (≤ 300 SDR) / CN23 forms for postal parcels")
    _selection(cn22)
    _common(cn22)
    cn22.set_defaults(handler=cmd_cn22)


def _selection(p: argparse.ArgumentParser) -> None:
    group = p.add_mutually_exclusive_group(required=True)
    group.add_argument("--batch", metavar="B", help="every parcel of batch B")
    group.add_argument("--ids", nargs="+", metavar="ID",
                       help="declaration ids, order or waybill numbers, in print order "
                       "(`-` reads them from standard input, one per line, e.g. scans)")


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("-o", "--output", required=True, type=Path, metavar="FILE.pdf")
    p.add_argument("--reprint-reason", metavar="TEXT",
                   help="confirm printing parcels again that were printed before")
    p.add_argument("--json", action="store_true", help="print one JSON object")


def _keys(args: argparse.Namespace) -> list[str]:
    if args.ids == ["-"]:
        return [line.strip() for line in sys.stdin if line.strip()]
    return list(args.ids or ())


def _resolve(ctx: CliContext, args: argparse.Namespace) -> Selection:
    if args.batch:
        return Selection(batch_no=args.batch)
    with ctx.transaction(write=False) as session:
        return Selection(ids=tuple(find_declaration_id(session, k) for k in _keys(args)))


def cmd_labels(ctx: CliContext, args: argparse.Namespace) -> Result:
    selection = _resolve(ctx, args)
    with ctx.transaction() as session:
        outcome = print_labels(session, ctx.actor, selection, args.output,
                               profile=args.profile, reprint_reason=args.reprint_reason,
                               force=args.force)
    return _result(ctx, outcome, "labels")


def cmd_cn22(ctx: CliContext, args: argparse.Namespace) -> Result:
    selection = _resolve(ctx, args)
    with ctx.transaction() as session:
        outcome = print_customs_forms(session, ctx.actor, selection, args.output,
                                      reprint_reason=args.reprint_reason)
    return _result(ctx, outcome, "labels")


def cmd_manifest(ctx: CliContext, args: argparse.Namespace) -> Result:
    with ctx.transaction() as session:
        outcome = print_manifest(session, ctx.actor, args.batch, args.output, lang=ctx.lang)
    return _result(ctx, outcome, "rows")


def _result(ctx: CliContext, outcome: PrintOutcome, count_key: str) -> Result:
    lines = [ctx.t("Wrote {file}: {pages} page(s), {count} record(s)", file=outcome.file,
                   pages=outcome.pages, count=outcome.records)]
    if outcome.reprinted:
        lines.append(ctx.t("{count} reprinted", count=outcome.reprinted))
    if outcome.unknown_destinations:
        lines.append(ctx.t(
            "The address of {count} parcel(s) could not be read; their labels say so and need "
            "sorting by hand: {ids}", count=len(outcome.unknown_destinations),
            ids=", ".join(str(i) for i in outcome.unknown_destinations[:20])))
    for missing in outcome.missing_glyphs:
        lines.append(ctx.t("Declaration {id}: the font cannot print “{char}” ({code})",
                           id=missing.record_id, char=missing.char, code=missing.codepoint))
    return Result(outcome.as_json(count_key), "\n".join(lines))
