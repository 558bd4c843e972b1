"""`cleardesk catalogue …`: the goods catalogue (商品库).

  list [--search TEXT] [--unclassified] [--proposals]   entries, or products waiting
  show KEY                          one entry (a pending proposal shows both HS codes)
  set KEY --gcode … [--qty1-per-unit …] [--qty2-per-unit …] [--unit1 …] [--unit2 …]
  confirm KEY [--keep]              supervisors: apply (or drop) the pending proposal
  classify KEY --gcode … …          a waiting product: fills its lines, re-checks
  undo ID                           undo a classification (the id `classify` printed)
  import FILE [--mapping M.json]    supervisors: XLSX/CSV, all rows or nothing
  export -o F.xlsx

KEY: ebcCode/itemNo, an itemNo, a barcode, a goods name (name|model), #id; for `classify`
the key `list --unclassified` prints. JSON keys are CEB names / camelCase.
"""

from __future__ import annotations

import argparse
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from app.cli.framework import CliContext, Result, format_table
from app.domain.errors import ValidationError


def register(sub: Any) -> None:
    p = sub.add_parser("catalogue", help="the goods catalogue (商品库): HS codes and legal "
                       "quantities per product")
    csub = p.add_subparsers(dest="catalogue_command", required=True,
                            metavar="list|show|set|confirm|classify|undo|import|export")
    lst = csub.add_parser("list", help="catalogue entries, or products waiting to be classified")
    lst.add_argument("--search", default="", metavar="TEXT")
    lst.add_argument("--unclassified", action="store_true",
                     help="products whose goods lines wait for a classification")
    lst.add_argument("--proposals", action="store_true", help="entries with a pending proposal")
    lst.add_argument("--limit", type=int, default=200)
    _json(lst)
    lst.set_defaults(handler=cmd_list)
    show = csub.add_parser("show", help="one entry")
    show.add_argument("key", metavar="KEY")
    _json(show)
    show.set_defaults(handler=cmd_show)
    st = csub.add_parser("set", help="classify an entry (clerks propose, supervisors confirm)")
    st.add_argument("key", metavar="KEY")
    _classification_args(st)
    st.add_argument("--gname", help="goods name of a new entry")
    st.add_argument("--gmodel", help="model of a new entry")
    _json(st)
    st.set_defaults(handler=cmd_set)
    cf = csub.add_parser("confirm", help="supervisors: confirm an entry or its proposal")
    cf.add_argument("key", metavar="KEY")
    cf.add_argument("--keep", action="store_true",
                    help="drop the proposal and keep the classification as it is")
    _json(cf)
    cf.set_defaults(handler=cmd_confirm)
    cl = csub.add_parser("classify", help="classify a waiting product: fills its goods lines "
                         "and re-checks their declarations")
    cl.add_argument("key", metavar="KEY")
    _classification_args(cl)
    _json(cl)
    cl.set_defaults(handler=cmd_classify)
    un = csub.add_parser("undo", help="undo a classification")
    un.add_argument("bulk_id", metavar="ID")
    _json(un)
    un.set_defaults(handler=cmd_undo)
    imp = csub.add_parser("import", help="supervisors: import an XLSX/CSV catalogue")
    imp.add_argument("file", type=Path, metavar="FILE")
    imp.add_argument("--mapping", type=Path, metavar="M.json",
                     help='JSON {"gcode": "税号", …}: field → column heading')
    _json(imp)
    imp.set_defaults(handler=cmd_import)
    exp = csub.add_parser("export", help="write the catalogue to an XLSX file")
    exp.add_argument("-o", "--output", type=Path, required=True, metavar="F.xlsx")
    _json(exp)
    exp.set_defaults(handler=cmd_export)


def _json(p: argparse.ArgumentParser) -> None:
    p.add_argument("--json", action="store_true", help="print JSON")


def _classification_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--gcode", required=True, help="HS code (10 digits)")
    p.add_argument("--qty1-per-unit", help="legal quantity 1 per declared unit, e.g. 0.05")
    p.add_argument("--qty2-per-unit", help="legal quantity 2 per declared unit")
    p.add_argument("--unit1", help="legal unit 1 (code or name; the tariff's by default)")
    p.add_argument("--unit2", help="legal unit 2 (code or name; the tariff's by default)")
    p.add_argument("--unit", help="the declared unit the quantities are per")
    p.add_argument("--country", help="country of origin (code or name)")
    p.add_argument("--note")


def _decimal(option: str, text: str | None) -> Decimal | None:
    if text is None or not text.strip():
        return None
    try:
        value = Decimal(text.strip())
    except InvalidOperation:
        raise ValidationError("{field}: '{value}' is not a number.", field=option,
                              value=text) from None
    if not value.is_finite():
        raise ValidationError("{field}: '{value}' is not a number.", field=option, value=text)
    return value


def _classification(args: argparse.Namespace) -> Any:
    from app.catalogue.entries import Classification

    return Classification(args.gcode, _decimal("--qty1-per-unit", args.qty1_per_unit),
                          _decimal("--qty2-per-unit", args.qty2_per_unit), args.unit1,
                          args.unit2, args.unit, args.country, args.note)


def product_json(p: Any) -> dict[str, Any]:
    """A CatalogueProduct as JSON (CEB names where there is one)."""
    def num(v: Decimal | None) -> str | None:
        return None if v is None else f"{v.normalize():f}"

    data = {"id": p.id, "key": p.key_text, "entryKey": p.entry_key, "ebcCode": p.ebc_code,
            "itemNo": p.item_no, "barCode": p.barcode, "gname": p.gname, "gmodel": p.gmodel,
            "gcode": p.gcode, "unit": p.unit, "country": p.country, "unit1": p.unit1,
            "qty1PerUnit": num(p.qty1_per_unit), "unit2": p.unit2,
            "qty2PerUnit": num(p.qty2_per_unit), "note": p.note, "source": p.source,
            "classifiedBy": p.classified_by,
            "classifiedAt": p.classified_at.isoformat() if p.classified_at else None,
            "acceptedCount": p.accepted_count, "proposal": None}
    if p.has_proposal:
        data["proposal"] = {"gcode": p.proposed_gcode, "unit1": p.proposed_unit1,
                            "qty1PerUnit": num(p.proposed_qty1_per_unit),
                            "unit2": p.proposed_unit2,
                            "qty2PerUnit": num(p.proposed_qty2_per_unit),
                            "by": p.proposed_by, "source": p.proposed_source,
                            "at": p.proposed_at.isoformat() if p.proposed_at else None}
    return data


def _legal(p: Any) -> str:
    parts = []
    for qty, unit in ((p.qty1_per_unit, p.unit1), (p.qty2_per_unit, p.unit2)):
        if unit:
            parts.append(f"{'?' if qty is None else f'{qty.normalize():f}'} {unit}")
    return " + ".join(parts)


def cmd_list(ctx: CliContext, args: argparse.Namespace) -> Result:
    actor = ctx.actor
    if args.unclassified:
        from app.catalogue.queue import unclassified_products

        with ctx.transaction(write=False) as session:
            waiting = unclassified_products(session, actor, limit=args.limit)
        if not waiting:
            return Result({"unclassified": []},
                          ctx.t("No goods lines wait for a classification."))
        table = format_table(
            [ctx.t("Key"), ctx.t("Goods name"), ctx.t("Model"), ctx.t("Declarations"),
             ctx.t("Lines"), ctx.t("Catalogue HS code")],
            [[w.key, w.gname or "", w.gmodel or "", w.declarations, w.lines,
              w.catalogue_gcode or ""] for w in waiting])
        return Result({"unclassified": [w.as_json() for w in waiting]}, table)
    from app.catalogue.entries import list_products

    with ctx.transaction(write=False) as session:
        found = list_products(session, actor, search=args.search,
                              proposals_only=args.proposals, limit=args.limit)
    if not found:
        return Result({"entries": []}, ctx.t("No goods catalogue entries found."))
    table = format_table(
        [ctx.t("Key"), ctx.t("Goods name"), ctx.t("Model"), ctx.t("HS code"),
         ctx.t("Per unit"), ctx.t("Source"), ctx.t("Proposed HS code")],
        [[p.key_text, p.gname or "", p.gmodel or "", p.gcode or "", _legal(p), p.source,
          p.proposed_gcode or ""] for p in found])
    return Result({"entries": [product_json(p) for p in found]}, table)


def _show_text(ctx: CliContext, p: Any) -> str:
    lines = [f"{p.key_text}  {p.gname or ''} {p.gmodel or ''}".rstrip(),
             ctx.t("HS code: {gcode} ({source}, by {by}); customs accepted it {n} time(s)",
                   gcode=p.gcode or "-", source=p.source, by=p.classified_by or "-",
                   n=p.accepted_count),
             ctx.t("Legal quantity per declared unit: {legal}", legal=_legal(p) or "-")]
    if p.barcode:
        lines.append(ctx.t("Barcode: {barcode}", barcode=p.barcode))
    if p.has_proposal:
        lines.append(ctx.t("Proposed instead: HS code {gcode} by {by} ({source}) — a "
                           "supervisor confirms it: cleardesk catalogue confirm {key} "
                           "[--keep]", gcode=p.proposed_gcode, by=p.proposed_by,
                           source=p.proposed_source, key=p.key_text))
    return "\n".join(lines)


def cmd_show(ctx: CliContext, args: argparse.Namespace) -> Result:
    from app.catalogue.entries import find_product

    actor = ctx.actor
    with ctx.transaction(write=False) as session:
        p = find_product(session, actor, args.key)
    return Result(product_json(p), _show_text(ctx, p))


def cmd_set(ctx: CliContext, args: argparse.Namespace) -> Result:
    from app.catalogue.entries import set_entry
    from app.catalogue.store import GoodsKeys, resolve_key

    actor = ctx.actor
    c = _classification(args)
    with ctx.transaction() as session:
        keys = None
        if resolve_key(session, args.key) is None:  # a new product: named by its SKU
            ebc, sep, item = args.key.strip().partition("/")
            keys = GoodsKeys(ebc if sep else None, item if sep else ebc, None, args.gname,
                             args.gmodel)
        result = set_entry(session, actor, args.key, c, keys=keys)
    text = _show_text(ctx, result.product)
    if not result.applied:
        text = ctx.t("Kept as a proposal for a supervisor to confirm.") + "\n" + text
    return Result({"applied": result.applied, "entry": product_json(result.product)}, text)


def cmd_confirm(ctx: CliContext, args: argparse.Namespace) -> Result:
    from app.catalogue.entries import confirm_entry

    actor = ctx.actor
    with ctx.transaction() as session:
        p = confirm_entry(session, actor, args.key, keep=args.keep)
    return Result(product_json(p), _show_text(ctx, p))


def cmd_classify(ctx: CliContext, args: argparse.Namespace) -> Result:
    from app.catalogue.queue import classify_product

    actor = ctx.actor
    key = args.key.strip()
    if not key.startswith(("sku:", "name:")):
        ebc, sep, item = key.partition("/")
        key = f"sku:{ebc}|{item}" if sep else f"sku:|{key}"
    c = _classification(args)
    with ctx.transaction() as session:
        r = classify_product(session, actor, key, c)
    text = ctx.t("{lines} goods line(s) in {declarations} declaration(s) filled; {ready} "
                 "became ready. Undo: cleardesk catalogue undo {id}", lines=r.lines,
                 declarations=r.declarations, ready=r.became_ready, id=r.bulk_id)
    if not r.applied:
        text += "\n" + ctx.t("Your classification differs from the catalogue's: it waits as a "
                             "proposal for a supervisor.")
    return Result({"id": r.bulk_id, "key": r.key, "applied": r.applied, "lines": r.lines,
                   "declarations": r.declarations, "becameReady": r.became_ready}, text)


def cmd_undo(ctx: CliContext, args: argparse.Namespace) -> Result:
    from app.catalogue.queue import undo_classification

    actor = ctx.actor
    with ctx.transaction() as session:
        r = undo_classification(session, actor, args.bulk_id)
    return Result({"id": r.bulk_id, "declarations": r.records, "skipped": r.skipped},
                  ctx.t("Classification undone in {n} declaration(s); {skipped} changed since "
                        "and left as they are.", n=r.records, skipped=r.skipped))


def cmd_import(ctx: CliContext, args: argparse.Namespace) -> Result:
    from app.catalogue.xlsx import import_catalogue, read_mapping

    actor = ctx.actor
    mapping = read_mapping(args.mapping)
    with ctx.transaction() as session:
        s = import_catalogue(session, actor, args.file, mapping=mapping)
    return Result(s.as_json(), ctx.t(
        "{file}: {rows} row(s) — {added} added, {changed} changed, {unchanged} unchanged, "
        "{proposals} kept as proposals (customs accepted another HS code).", file=s.file,
        rows=s.rows, added=s.added, changed=s.changed, unchanged=s.unchanged,
        proposals=s.proposals))


def cmd_export(ctx: CliContext, args: argparse.Namespace) -> Result:
    from app.catalogue.xlsx import export_catalogue

    actor = ctx.actor
    with ctx.transaction() as session:
        r = export_catalogue(session, actor, args.output, lang=ctx.lang)
    return Result({"file": str(r.path), "rows": r.rows},
                  ctx.t("{rows} catalogue entries written to {file}", rows=r.rows,
                        file=str(r.path)))
