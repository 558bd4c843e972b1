"""The goods catalogue as a spreadsheet, so a supervisor can keep it in Excel.

Export writes every entry (text cells made inert for Excel, numbers as numbers). Import reads
XLSX/CSV through the intake readers: every row is checked first (HS code in the tariff, legal
units, numbers), and any bad row refuses the whole file with each row, column and reason —
nothing is half-written. An imported row never replaces a customs-accepted HS code: a
different one is kept as the entry's proposal.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.catalogue.entries import Classification, checked, tables_of
from app.catalogue.store import entry_key, fold, name_key
from app.db.engine import insert_missing
from app.db.models import CatalogueEntry
from app.db.types import utcnow
from app.domain.errors import UserFacingError, ValidationError
from app.i18n import N_, Message, render, translate
from app.intake.readers import open_table
from app.reports.atomic import atomic_path, check_target
from app.reports.cells import FORMULA_STARTS, naive_beijing, xlsx_text
from app.security.audit import record_event
from app.security.context import Actor, Permission, require

E = CatalogueEntry
MAX_LISTED_ERRORS = 30
_CHUNK = 400

# field → (heading written on export, other headings accepted on import)
COLUMNS: dict[str, tuple[str, tuple[str, ...]]] = {
    "ebcCode": (N_("E-commerce company code"), ("ebcCode", "电商企业代码", "电商企业编码")),
    "itemNo": (N_("Item No. (SKU)"), ("itemNo", "商品货号", "企业商品货号", "货号", "SKU")),
    "barCode": (N_("Barcode"), ("barCode", "barcode", "条码", "条形码", "商品条码")),
    "gname": (N_("Goods name"), ("gname", "商品名称", "品名")),
    "gmodel": (N_("Model"), ("gmodel", "规格型号", "规格")),
    "gcode": (N_("HS code"), ("gcode", "商品编码", "HS编码", "税号", "HS")),
    "unit": (N_("Declared unit"), ("unit", "计量单位", "申报单位", "单位")),
    "country": (N_("Country of origin"), ("country", "原产国", "原产国(地区)")),
    "unit1": (N_("Legal unit 1"), ("unit1", "第一法定单位", "法定单位")),
    "qty1PerUnit": (N_("Legal quantity 1 per unit"),
                    ("qty1PerUnit", "每单位第一法定数量", "每单位法定数量", "单位法定数量")),
    "unit2": (N_("Legal unit 2"), ("unit2", "第二法定单位")),
    "qty2PerUnit": (N_("Legal quantity 2 per unit"), ("qty2PerUnit", "每单位第二法定数量")),
    "note": (N_("Note"), ("note", "备注")),
    "source": (N_("Source"), ("source", "来源")),
    "classifiedBy": (N_("Classified by"), ("classifiedBy", "归类人")),
    "classifiedAt": (N_("Classified at"), ("classifiedAt", "归类时间")),
    "proposedGcode": (N_("Proposed HS code"), ("proposedGcode", "建议商品编码")),
    "proposedBy": (N_("Proposed by"), ("proposedBy", "建议人")),
}
EXPORT_ONLY = ("source", "classifiedBy", "classifiedAt", "proposedGcode", "proposedBy")


@dataclass(frozen=True)
class CatalogueImport:
    file: str
    rows: int
    added: int
    changed: int
    unchanged: int
    proposals: int  # rows whose HS code differs from a customs-accepted entry's

    def as_json(self) -> dict[str, Any]:
        return {"file": self.file, "rows": self.rows, "added": self.added,
                "changed": self.changed, "unchanged": self.unchanged,
                "proposals": self.proposals}


class CatalogueFileError(ValidationError):
    """Rows of a catalogue file are wrong; nothing was imported. Lists row, column, reason."""

    def __init__(self, file: str, errors: list[Message]) -> None:
        super().__init__(N_("{file}: {count} problem(s); nothing was imported"), file=file,
                         count=len(errors))
        self.errors = tuple(errors)

    def text(self, lang: str) -> str:
        lines = [super().text(lang)] + [render(e, lang) for e in self.errors[:MAX_LISTED_ERRORS]]
        if len(self.errors) > MAX_LISTED_ERRORS:
            lines.append("…")
        return "\n".join(lines)


def _heading_key(text: object) -> str:
    return fold(str(text or "")).replace("_", "")


def read_mapping(path: Path | None) -> dict[str, str]:
    """A --mapping file: {"gcode": "税号", …} (field → the file's column heading)."""
    if path is None:
        return {}
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ValidationError("{file}: not a readable JSON mapping ({reason}).",
                              file=str(path), reason=str(exc)) from None
    if not isinstance(data, dict) or any(k not in COLUMNS or not isinstance(v, str)
                                         for k, v in data.items()):
        raise ValidationError("{file}: the mapping must be an object of field → column heading "
                              "(fields: {fields}).", file=str(path), fields=", ".join(COLUMNS))
    return dict(data)


def _columns(headers: tuple[str, ...], mapping: dict[str, str], file: str) -> dict[str, int]:
    by_heading = {_heading_key(h): i for i, h in enumerate(headers)}
    found: dict[str, int] = {}
    for field, (heading, others) in COLUMNS.items():
        wanted = [mapping[field]] if field in mapping else [heading, *others]
        for name in wanted:
            index = by_heading.get(_heading_key(name))
            if index is not None:
                found[field] = index
                break
        else:
            if field in mapping:
                raise ValidationError("{file}: no column “{column}” (mapping of {field}).",
                                      file=file, column=mapping[field], field=field)
    if "gcode" not in found or ("itemNo" not in found and "gname" not in found):
        raise ValidationError("{file}: needs an HS code column and an item No. or goods name "
                              "column (see --mapping).", file=file)
    return found


def _text(cells: Any, index: int | None) -> str | None:
    if index is None or index >= len(cells) or cells[index] is None:
        return None
    value = cells[index]
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip()
    if len(text) > 1 and text[0] == "'" and text[1] in FORMULA_STARTS:
        text = text[1:]  # as our export made it inert: the text itself comes back
    return text or None


def _number(text: str | None) -> Decimal | None:
    if text is None:
        return None
    try:
        value = Decimal(text.replace(",", ""))
    except InvalidOperation:
        raise ValueError(text) from None
    if not value.is_finite():
        raise ValueError(text)
    return value


def import_catalogue(session: Session, actor: Actor, path: Path, *,
                     mapping: dict[str, str] | None = None) -> CatalogueImport:
    """Import the catalogue file `path` in the caller's transaction (supervisors).

    Raises CatalogueFileError listing bad rows (then nothing is written), ValidationError
    for a file that cannot be read or lacks needed columns, PermissionDeniedError."""
    require(actor, Permission.CATALOGUE)
    table = open_table(Path(path))
    cols = _columns(table.headers, mapping or {}, Path(path).name)
    ref = tables_of(session)
    errors: list[Message] = []
    rows: dict[str, dict[str, Any]] = {}
    first_row: dict[str, int] = {}
    for number, cells in table.rows:
        values = {f: _text(cells, cols.get(f)) for f in COLUMNS if f not in EXPORT_ONLY}
        if not any(values.values()):
            continue

        def problem(field: str, reason: Message | str, n: int = number) -> None:
            column = table.headers[cols[field]] if field in cols else field
            errors.append(Message(N_("Row {row}, column {column}: {reason}"),
                                  {"row": n, "column": column, "reason": reason}))

        if not values["itemNo"] and not values["gname"]:
            problem("gname", Message(N_("give an item No. or a goods name")))
            continue
        if not values["gcode"]:
            problem("gcode", Message(N_("the HS code is empty")))
            continue
        quantities: dict[str, Decimal | None] = {}
        for field in ("qty1PerUnit", "qty2PerUnit"):
            try:
                quantities[field] = _number(values[field])
            except ValueError:
                problem(field, Message(N_("“{value}” is not a number"), {"value": values[field]}))
        if len(quantities) < 2:
            continue
        try:
            c = checked(ref, Classification(
                values["gcode"] or "", quantities["qty1PerUnit"], quantities["qty2PerUnit"],
                values["unit1"], values["unit2"], values["unit"], values["country"],
                values["note"]))
        except UserFacingError as exc:
            problem(_field_of(exc.message), exc.message)
            continue
        ebc = values["ebcCode"] if values["itemNo"] else None
        key = entry_key(ebc, values["itemNo"], values["gname"], values["gmodel"])
        if key in rows:
            problem("itemNo" if values["itemNo"] else "gname",
                    Message(N_("the same product as row {first}"), {"first": first_row[key]}))
            continue
        first_row[key] = number
        rows[key] = {"values": values, "c": c, "ebc": ebc}
    if errors:
        raise CatalogueFileError(Path(path).name, errors)
    if not rows:
        raise ValidationError("{file} has no catalogue rows.", file=Path(path).name)
    result = _write(session, actor, rows)
    summary = CatalogueImport(Path(path).name, len(rows), *result)
    record_event(session, actor, "catalogue.import", entity="file", entity_id=summary.file,
                 details=summary.as_json())
    return summary


def _field_of(message: Message) -> str:
    """The column a `checked()` message is about (its text starts with the field)."""
    head = message.msgid.split(":", 1)[0].replace("{n}", str(message.params.get("n", "")))
    return {"qty1-per-unit": "qty1PerUnit", "qty2-per-unit": "qty2PerUnit"}.get(
        head, head if head in COLUMNS else "gcode")


def _write(session: Session, actor: Actor, rows: dict[str, dict[str, Any]]
           ) -> tuple[int, int, int, int]:
    keys = sorted(rows)
    now = utcnow()
    existing: set[str] = set()
    for i in range(0, len(keys), _CHUNK):
        existing.update(session.scalars(select(E.entry_key).where(
            E.entry_key.in_(keys[i:i + _CHUNK]))))
    new_rows = []
    for k in keys:
        if k in existing:
            continue
        v, c = rows[k]["values"], rows[k]["c"]
        new_rows.append({
            "entry_key": k, "ebc_code": rows[k]["ebc"], "item_no": v["itemNo"],
            "barcode": v["barCode"], "name_key": name_key(v["gname"], v["gmodel"]),
            "gname": v["gname"], "gmodel": v["gmodel"], "gcode": c.gcode, "unit": c.unit,
            "country": c.country, "unit1": c.unit1, "qty1_per_unit": c.qty1_per_unit,
            "unit2": c.unit2, "qty2_per_unit": c.qty2_per_unit, "note": c.note,
            "source": "imported", "classified_by": actor.name, "classified_at": now,
            "accepted_count": 0, "created_at": now, "updated_at": now})
    insert_missing(session.connection(), E.__table__,  # type: ignore[arg-type]
                   new_rows, ["entry_key"])
    changed = unchanged = proposals = 0
    for i in range(0, len(keys), _CHUNK):
        chunk = [k for k in keys[i:i + _CHUNK] if k in existing]
        if not chunk:
            continue
        for entry in session.scalars(select(E).where(E.entry_key.in_(chunk))
                                     .order_by(E.entry_key).with_for_update()):
            v, c = rows[entry.entry_key]["values"], rows[entry.entry_key]["c"]
            if entry.source == "accepted" and entry.gcode and entry.gcode != c.gcode:
                proposals += 1
                entry.proposed_gcode, entry.proposed_unit1 = c.gcode, c.unit1
                entry.proposed_qty1_per_unit, entry.proposed_unit2 = c.qty1_per_unit, c.unit2
                entry.proposed_qty2_per_unit = c.qty2_per_unit
                entry.proposed_by, entry.proposed_at = actor.name, now
                entry.proposed_source = "imported"
                continue
            wanted = {"gcode": c.gcode, "unit1": c.unit1, "qty1_per_unit": c.qty1_per_unit,
                      "unit2": c.unit2, "qty2_per_unit": c.qty2_per_unit,
                      "unit": c.unit or entry.unit, "country": c.country or entry.country,
                      "note": c.note or entry.note, "barcode": v["barCode"] or entry.barcode}
            if all(getattr(entry, k) == w for k, w in wanted.items()):
                unchanged += 1
                continue
            changed += 1
            for name, value in wanted.items():
                setattr(entry, name, value)
            if entry.source != "accepted":
                entry.source = "imported"
            entry.classified_by, entry.classified_at = actor.name, now
    session.flush()
    return len(new_rows), changed, unchanged, proposals


@dataclass(frozen=True)
class CatalogueExport:
    path: Path
    rows: int


def export_catalogue(session: Session, actor: Actor, target: Path, *, lang: str = "en"
                     ) -> CatalogueExport:
    """Write every entry to `target` (.xlsx), atomically; audited."""
    require(actor, Permission.EXPORT)
    from openpyxl import Workbook

    path = check_target(target, (".xlsx",))
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(translate(N_("Goods catalogue"), lang)[:31])
    ws.append([xlsx_text(translate(heading, lang)) for heading, _ in COLUMNS.values()])
    count = 0
    for entry in session.scalars(select(E).order_by(E.name_key, E.id)).yield_per(2000):
        values = {"ebcCode": entry.ebc_code, "itemNo": entry.item_no, "barCode": entry.barcode,
                  "gname": entry.gname, "gmodel": entry.gmodel, "gcode": entry.gcode,
                  "unit": entry.unit, "country": entry.country, "unit1": entry.unit1,
                  "qty1PerUnit": entry.qty1_per_unit, "unit2": entry.unit2,
                  "qty2PerUnit": entry.qty2_per_unit, "note": entry.note,
                  "source": entry.source, "classifiedBy": entry.classified_by,
                  "classifiedAt": naive_beijing(entry.classified_at)
                  if entry.classified_at else None,
                  "proposedGcode": entry.proposed_gcode, "proposedBy": entry.proposed_by}
        ws.append([xlsx_text(v) if isinstance(v, str) else v for v in values.values()])
        count += 1
    with atomic_path(path) as temp:
        wb.save(temp)
        record_event(session, actor, "catalogue.export", entity="file", entity_id=path.name,
                     details={"rows": count})
    return CatalogueExport(path, count)
