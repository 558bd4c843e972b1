"""`cleardesk transfer export|import`: hand work over between sites (a sorting centre's
SQLite file and the office's database), carried on a USB stick.

transfer export [--batch B | --since DATE | --ids 1,2 …] -o FILE: the declarations with their
goods lines, statuses, receipts, waybills, tax bills, weighings, bags and audit events.
transfer import FILE: idempotent; reports added, skipped and conflicting declarations.
Supervisors only; both audited. All with --json.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from app.cli.framework import CliContext, Result
from app.domain.dates import parse_day
from app.domain.errors import ValidationError


def register(sub: Any) -> None:
    p = sub.add_parser("transfer", help="hand declarations over between sites "
                       "(sorting centre ↔ office)")
    tsub = p.add_subparsers(dest="transfer_command", required=True, metavar="export|import")
    ex = tsub.add_parser("export", help="write a transfer file (SHA-256 manifest)")
    ex.add_argument("--batch", help="the declarations of this batch")
    ex.add_argument("--since", metavar="DATE", help="declarations created or changed since "
                    "this day (Beijing time)")
    ex.add_argument("--ids", nargs="+", metavar="ID", help="these declaration ids (1 2 or 1,2)")
    ex.add_argument("-o", "--output", required=True, metavar="FILE",
                    help="the file to write (.cdtransfer)")
    ex.add_argument("--json", action="store_true", help="print one JSON object")
    ex.set_defaults(handler=cmd_transfer_export)
    im = tsub.add_parser("import", help="import a transfer file (importing twice changes "
                         "nothing)")
    im.add_argument("file")
    im.add_argument("--json", action="store_true", help="print one JSON object")
    im.set_defaults(handler=cmd_transfer_import)


def _ids(values: list[str] | None) -> tuple[int, ...]:
    out: list[int] = []
    for value in values or []:
        for part in value.replace(",", " ").split():
            if not part.isdigit():
                raise ValidationError("--ids takes declaration ids (numbers), not {value}.",
                                      value=part)
            out.append(int(part))
    return tuple(out)


def cmd_transfer_export(ctx: CliContext, args: argparse.Namespace) -> Result:
    from app.db.migrate import head_revision
    from app.transfer.export import Selection, export_transfer

    sel = Selection(batch=args.batch, since=parse_day(args.since or ""), ids=_ids(args.ids))
    actor = ctx.actor
    revision = head_revision()
    with ctx.transaction() as session:
        out = export_transfer(session, actor, Path(args.output), sel,
                              schema_revision=revision)
    data = {"file": out.path, "site": out.site, "counts": out.counts,
            "auditEvents": out.audit_events, "manifestSha256": out.manifest_sha256}
    text = ctx.t("Exported {n} declarations from site {site} to {file} ({events} audit "
                 "events).\nManifest SHA-256: {sha}", n=out.counts.get("declarations", 0),
                 site=out.site, file=out.path, events=out.audit_events,
                 sha=out.manifest_sha256)
    return Result(data, text)


def cmd_transfer_import(ctx: CliContext, args: argparse.Namespace) -> Result:
    from app.db.migrate import head_revision
    from app.transfer.importer import import_transfer

    actor = ctx.actor
    revision = head_revision()
    with ctx.transaction() as session:
        out = import_transfer(session, actor, Path(args.file), schema_revision=revision)
    text = ctx.t("From site {site}: {added} declarations added, {skipped} already here, "
                 "{conflicts} conflicts.", site=out.site, added=out.declarations_added,
                 skipped=out.declarations_skipped, conflicts=len(out.conflicts))
    for c in out.conflicts:
        text += "\n" + (ctx.t("Conflict: {table} {key} differs here in {columns}; left as it "
                              "is.", table=c.table, key=c.key, columns=", ".join(c.columns))
                        if c.columns else
                        ctx.t("Conflict: {table} {key} was refused here (its order, waybill "
                              "or number is already used); left out.", table=c.table,
                              key=c.key))
    text += "\n" + ctx.t("Manifest SHA-256: {sha}", sha=out.manifest_sha256)
    return Result(out.as_json(), text)
