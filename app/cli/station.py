"""`cleardesk station …` and `cleardesk bags …`: the sorting-centre station from a terminal.

station scan CODE [--weight KG | --scale] [--printer NAME] [--no-bag]: one cycle (weigh, hold
or label and bag). station holds | release ID --reason TEXT: parcels held for their weight.
station printers list | set NAME --language … | export FILE | import FILE: thermal profiles.
station deliver: send label jobs a crash or an offline printer left pending.
bags list [--state open|closed] [--route R] | show BAG | close BAG [--weight KG | --scale]
[--printer NAME] | manifest [--date YYYY-MM-DD]. All with --json.
"""

from __future__ import annotations

import argparse
import datetime as dt
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from app.cli.framework import CliContext, Result, format_table
from app.domain.clock import BEIJING, day_bounds_utc
from app.domain.errors import ValidationError
from app.services.settings import all_settings
from app.station import bags as B
from app.station import weighing as W
from app.station.cycle import StationCycle
from app.station.output import deliver_pending_jobs
from app.station.printers import export_profiles, import_profiles, save_profile
from app.station.profiles import ThermalProfile, load_profiles, station_profile
from app.station.scale import ScaleMonitor, ScaleSettings

SCALE_WAIT_SECONDS = 10.0


def register(sub: Any) -> None:
    p = sub.add_parser("station", help="the sorting-centre station: weigh, label, bag")
    ssub = p.add_subparsers(dest="station_command", required=True,
                            metavar="scan|holds|release|printers|deliver")
    scan = ssub.add_parser("scan", help="weigh a parcel, then label and bag it (or hold it)")
    scan.add_argument("code", help="waybill or order number as scanned")
    _weight_args(scan)
    scan.add_argument("--printer", help="thermal printer profile (default: stationPrinter)")
    scan.add_argument("--no-print", action="store_true", help="weigh and bag only")
    scan.add_argument("--no-bag", action="store_true", help="do not put it into a bag")
    scan.add_argument("--json", action="store_true", help="print one JSON object")
    scan.set_defaults(handler=cmd_scan)
    holds = ssub.add_parser("holds", help="parcels held for their weight")
    holds.add_argument("--json", action="store_true", help="print JSON")
    holds.set_defaults(handler=cmd_holds)
    rel = ssub.add_parser("release", help="let a parcel held for its weight go on "
                          "(supervisor)")
    rel.add_argument("id", type=int, help="declaration id")
    rel.add_argument("--reason", required=True)
    rel.add_argument("--json", action="store_true", help="print one JSON object")
    rel.set_defaults(handler=cmd_release)
    printers = ssub.add_parser("printers", help="thermal printer profiles")
    psub = printers.add_subparsers(dest="printers_command", required=True,
                                   metavar="list|set|export|import")
    plist = psub.add_parser("list", help="show the profiles")
    plist.add_argument("--json", action="store_true", help="print JSON")
    plist.set_defaults(handler=cmd_printers_list)
    pset = psub.add_parser("set", help="add or change a profile")
    pset.add_argument("name")
    for field in ("language", "dpi", "darkness", "width_mm", "height_mm", "offset_x_mm",
                  "offset_y_mm", "target"):
        pset.add_argument("--" + field.replace("_", "-"), dest=field)
    pset.add_argument("--bitmap", choices=("yes", "no"), help="the whole label as a bitmap")
    pset.add_argument("--json", action="store_true", help="print one JSON object")
    pset.set_defaults(handler=cmd_printers_set)
    pexp = psub.add_parser("export", help="write the profiles to a JSON file")
    pexp.add_argument("file", type=Path)
    pexp.add_argument("--json", action="store_true", help="print one JSON object")
    pexp.set_defaults(handler=cmd_printers_export)
    pimp = psub.add_parser("import", help="add the profiles of a JSON file")
    pimp.add_argument("file", type=Path)
    pimp.add_argument("--json", action="store_true", help="print one JSON object")
    pimp.set_defaults(handler=cmd_printers_import)
    deliver = ssub.add_parser("deliver", help="send pending label jobs")
    deliver.add_argument("--json", action="store_true", help="print one JSON object")
    deliver.set_defaults(handler=cmd_deliver)

    b = sub.add_parser("bags", help="bags (总包) of the station")
    bsub = b.add_subparsers(dest="bags_command", required=True,
                            metavar="list|show|close|manifest")
    blist = bsub.add_parser("list", help="bags, newest first")
    blist.add_argument("--state", choices=(B.OPEN, B.CLOSED))
    blist.add_argument("--route")
    blist.add_argument("--json", action="store_true", help="print JSON")
    blist.set_defaults(handler=cmd_bags_list)
    show = bsub.add_parser("show", help="a bag and its parcels")
    show.add_argument("bag")
    show.add_argument("--json", action="store_true", help="print JSON")
    show.set_defaults(handler=cmd_bags_show)
    close = bsub.add_parser("close", help="close a bag, weigh it and print its label")
    close.add_argument("bag")
    _weight_args(close)
    close.add_argument("--printer", help="thermal printer profile (default: stationPrinter)")
    close.add_argument("--no-print", action="store_true", help="close without a label")
    close.add_argument("--json", action="store_true", help="print one JSON object")
    close.set_defaults(handler=cmd_bags_close)
    manifest = bsub.add_parser("manifest", help="the closed bags")
    manifest.add_argument("--date", help="closed on this Beijing day (YYYY-MM-DD)")
    manifest.add_argument("-o", "--output", type=Path,
                          help="also write the bag manifest PDF (bags and their parcels)")
    manifest.add_argument("--json", action="store_true", help="print JSON")
    manifest.set_defaults(handler=cmd_bags_manifest)


def _weight_args(parser: argparse.ArgumentParser) -> None:
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--weight", help="weight in kg (as read off the scale)")
    group.add_argument("--scale", action="store_true",
                       help="read the stable weight from the scale in the settings")


def _weight(args: argparse.Namespace, settings: dict[str, str], required: bool
            ) -> Decimal | None:
    if args.weight is not None:
        try:
            return Decimal(args.weight.strip())
        except InvalidOperation:
            raise ValidationError("The weight must be a number of kg, not {value}",
                                  value=args.weight) from None
    if args.scale:
        monitor = ScaleMonitor(ScaleSettings.from_settings(settings)).start()
        try:
            weight = monitor.wait_stable(SCALE_WAIT_SECONDS)
        finally:
            monitor.stop()
        if weight is None:
            raise ValidationError("The scale gave no stable weight within {seconds} s",
                                  seconds=int(SCALE_WAIT_SECONDS))
        return weight
    if required:
        raise ValidationError("Give the weight: --weight KG or --scale")
    return None


def _cycle(ctx: CliContext, args: argparse.Namespace, settings: dict[str, str],
           bagging: bool = True) -> StationCycle:
    profile = None if args.no_print else station_profile(settings, args.printer)
    return StationCycle(ctx.sessions, ctx.actor, W.Tolerance.from_settings(settings), profile,
                        bagging=bagging, station=settings.get("stationName", ""))


def _settings(ctx: CliContext) -> dict[str, str]:
    ctx.actor  # noqa: B018 — resolve the user before any transaction opens
    with ctx.sessions() as session:
        return all_settings(session)


def cmd_scan(ctx: CliContext, args: argparse.Namespace) -> Result:
    settings = _settings(ctx)
    weight = _weight(args, settings, required=True)
    assert weight is not None
    result = _cycle(ctx, args, settings, bagging=not args.no_bag).run(args.code, weight)
    data: dict[str, Any] = {
        "code": result.code, "outcome": result.outcome,
        "id": result.parcel.id if result.parcel else None,
        "weighing": result.weighing.as_json() if result.weighing else None,
        "bagNo": result.bag.bag_no if result.bag else result.bag_no or None,
        "route": result.route,
        "printed": None if result.printed is None else result.printed.sent,
        "printError": result.printed.error if result.printed else "",
    }
    if result.outcome == "unknown":
        text = ctx.t("Unknown number {code}", code=result.code)
    elif result.outcome == "bagged":
        text = ctx.t("Already in bag {bag}", bag=result.bag_no)
    elif result.outcome == "problem":
        text = ctx.t("PROBLEM parcel ({status}): weighed, no label and no bag",
                     status=result.parcel.status if result.parcel else "")
    elif result.outcome == "held":
        text = ctx.t("HELD: measured weight outside the tolerance; a supervisor must decide "
                     "(cleardesk station release {id})", id=data["id"])
    else:
        text = ctx.t("OK: {weight} kg recorded, bag {bag}", weight=str(weight),
                     bag=data["bagNo"] or "-")
        if result.printed is not None and not result.printed.sent:
            text += "\n" + result.printed.error
    return Result(data, text)


def cmd_holds(ctx: CliContext, args: argparse.Namespace) -> Result:
    actor = ctx.actor
    with ctx.transaction() as session:
        holds = W.list_holds(session, actor)
    table = format_table(
        [ctx.t("Declaration"), ctx.t("Waybill"), ctx.t("Measured kg"), ctx.t("Declared kg"),
         ctx.t("Weighed by")],
        [[h.declaration_id, h.waybill, h.measured_kg, h.declared_kg or "-", h.weighed_by]
         for h in holds])
    return Result({"holds": [h.as_json() for h in holds]},
                  table if holds else ctx.t("No parcel is held for its weight"))


def cmd_release(ctx: CliContext, args: argparse.Namespace) -> Result:
    actor = ctx.actor
    with ctx.transaction() as session:
        W.release_hold(session, actor, args.id, args.reason)
    return Result({"id": args.id, "released": True},
                  ctx.t("Declaration {id} released", id=args.id))


def cmd_printers_list(ctx: CliContext, args: argparse.Namespace) -> Result:
    profiles = load_profiles(_settings(ctx))
    table = format_table(
        [ctx.t("Name"), ctx.t("Language"), "dpi", ctx.t("Darkness"), ctx.t("Label mm"),
         ctx.t("Offsets mm"), ctx.t("Output")],
        [[p.name, p.language, p.dpi, p.darkness, f"{p.width_mm:g}×{p.height_mm:g}",
          f"{p.offset_x_mm:g}, {p.offset_y_mm:g}", p.target] for p in profiles.values()])
    return Result({"printers": {n: p.as_dict() for n, p in profiles.items()}},
                  table if profiles else ctx.t("No thermal printer profiles yet"))


def cmd_printers_set(ctx: CliContext, args: argparse.Namespace) -> Result:
    actor = ctx.actor
    with ctx.transaction() as session:
        current = load_profiles(all_settings(session)).get(args.name, ThermalProfile(args.name))
        values = current.as_dict()
        for key in ("language", "dpi", "darkness", "width_mm", "height_mm", "offset_x_mm",
                    "offset_y_mm", "target", "bitmap"):
            if getattr(args, key) is not None:
                values[key] = getattr(args, key)
        profile = ThermalProfile.from_dict(args.name, values)
        save_profile(session, actor, profile)
    return Result({"name": profile.name, **profile.as_dict()},
                  ctx.t("Saved printer profile {name}", name=profile.name))


def cmd_printers_export(ctx: CliContext, args: argparse.Namespace) -> Result:
    actor = ctx.actor
    with ctx.transaction() as session:
        count = export_profiles(session, actor, args.file)
    return Result({"file": str(args.file), "printers": count},
                  ctx.t("Exported {count} printer profile(s) to {file}", count=count,
                        file=str(args.file)))


def cmd_printers_import(ctx: CliContext, args: argparse.Namespace) -> Result:
    actor = ctx.actor
    with ctx.transaction() as session:
        names = import_profiles(session, actor, args.file)
    return Result({"file": str(args.file), "printers": names},
                  ctx.t("Imported printer profile(s): {names}", names=", ".join(names)))


def cmd_deliver(ctx: CliContext, args: argparse.Namespace) -> Result:
    results = deliver_pending_jobs(ctx.sessions, ctx.actor)
    sent = sum(1 for r in results if r.sent)
    errors = [r.error for r in results if not r.sent]
    text = ctx.t("Sent {sent} pending label job(s); {left} still pending", sent=sent,
                 left=len(errors))
    return Result({"sent": sent, "pending": len(errors), "errors": errors},
                  "\n".join([text, *errors[:5]]))


def _bag_rows(ctx: CliContext, bags: list[B.BagSummary]) -> str:
    return format_table(
        [ctx.t("Bag"), ctx.t("Route"), ctx.t("State"), ctx.t("Parcels"), ctx.t("Weight kg"),
         ctx.t("Closed")],
        [[b.bag_no, b.route, ctx.t("open") if b.state == B.OPEN else ctx.t("closed"),
          b.parcels, b.weight_kg if b.weight_kg is not None else "-",
          b.closed_at.astimezone(BEIJING).strftime("%Y-%m-%d %H:%M") if b.closed_at else ""]
         for b in bags])


def cmd_bags_list(ctx: CliContext, args: argparse.Namespace) -> Result:
    actor = ctx.actor
    with ctx.transaction() as session:
        bags = B.list_bags(session, actor, state=args.state, route=args.route)
    return Result({"bags": [b.as_json() for b in bags]},
                  _bag_rows(ctx, bags) if bags else ctx.t("No bags"))


def cmd_bags_show(ctx: CliContext, args: argparse.Namespace) -> Result:
    actor = ctx.actor
    with ctx.transaction() as session:
        bag, parcels = B.get_bag(session, actor, args.bag)
    table = format_table(
        [ctx.t("Declaration"), ctx.t("Waybill"), ctx.t("Order No."), ctx.t("Gross weight"),
         ctx.t("Batch")],
        [[p.declaration_id, p.waybill, p.order_no, p.gross_weight or "-", p.batch_no]
         for p in parcels])
    data = {**bag.as_json(), "declarations": [
        {"id": p.declaration_id, "logisticsNo": p.waybill, "orderNo": p.order_no,
         "grossWeight": None if p.gross_weight is None else str(p.gross_weight),
         "batchNo": p.batch_no} for p in parcels]}
    return Result(data, _bag_rows(ctx, [bag]) + "\n\n" + table)


def cmd_bags_close(ctx: CliContext, args: argparse.Namespace) -> Result:
    settings = _settings(ctx)
    weight = _weight(args, settings, required=False)
    bag, printed = _cycle(ctx, args, settings).close_bag(args.bag, weight)
    text = ctx.t("Closed bag {bag}: {count} parcel(s)", bag=bag.bag_no, count=bag.parcels)
    if printed is not None and not printed.sent:
        text += "\n" + printed.error
    return Result({**bag.as_json(),
                   "printed": None if printed is None else printed.sent}, text)


def cmd_bags_manifest(ctx: CliContext, args: argparse.Namespace) -> Result:
    actor = ctx.actor
    since = until = None
    if args.date:
        try:
            day = dt.date.fromisoformat(args.date)
        except ValueError:
            raise ValidationError("The date must look like 2026-12-04, not {value}",
                                  value=args.date) from None
        since, until = day_bounds_utc(day, day)
    pdf = None
    with ctx.transaction() as session:
        bags = B.bag_manifest(session, actor, since=since, until=until)
        if args.output is not None:
            from app.station.bag_manifest import export_bag_manifest  # reportlab: only here

            pdf = export_bag_manifest(session, actor, args.output, since=since, until=until,
                                      period=args.date or "")
    total = sum((b.weight_kg or Decimal(0) for b in bags), Decimal(0))
    data = {"bags": [b.as_json() for b in bags], "count": len(bags),
            "parcels": sum(b.parcels for b in bags), "weight": W.kg_text(total)}
    text = (_bag_rows(ctx, bags) + "\n" + ctx.t("{count} bag(s), {parcels} parcel(s), "
                                                "{weight} kg", count=len(bags),
                                                parcels=data["parcels"], weight=W.kg_text(total))
            if bags else ctx.t("No closed bags"))
    if pdf is not None:
        data.update(file=pdf.file, pages=pdf.pages)
        text += "\n" + ctx.t("Bag manifest written: {file} ({pages} page(s))", file=pdf.file,
                             pages=pdf.pages)
    return Result(data, text)
