"""Read an office's reference file (XLSX/XLS/CSV/JSON) into validated rows of one table.

The file goes through the intake readers (header detection, encodings, limits); columns are
found by header synonyms (税则号列/商品编码, 货品名称/商品名称, 第一法定计量单位 …) or an explicit
mapping {header: column}. Unit names become unit codes. Nothing here touches the database.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from app.domain.errors import ValidationError
from app.i18n import N_, Message
from app.intake.headers import normalise_header
from app.intake.readers import open_table
from app.reference.tables import CodeTable

# CLI table name → (internal name, required columns, code length)
TABLES: dict[str, tuple[str, tuple[str, ...], int]] = {
    "hs": ("hs", ("code", "name_zh", "unit1"), 10),
    "customs": ("customsCode", ("code", "name_zh"), 4),
    "country": ("country", ("code", "name_zh"), 3),
    "currency": ("currency", ("code", "name_zh"), 3),
    "unit": ("unit", ("code", "name_zh"), 3),
    "trade-mode": ("tradeMode", ("code", "name_zh"), 4),
    "positive-list": ("positiveList", ("code",), 0),  # 8 or 10 digits
}
COLUMNS = ("code", "name_zh", "name_en", "aliases", "unit1", "unit2", "vat_rate", "ct_rate",
           "note")
_SYNONYMS: dict[str, tuple[str, ...]] = {
    "code": ("code", "税则号列", "商品编码", "商品编号", "hs编码", "hscode", "hs code",
             "编码", "代码", "关区代码", "国别代码", "国别(地区)代码", "币制代码",
             "单位代码", "计量单位代码", "监管方式代码", "tariff code"),
    "name_zh": ("name_zh", "name", "货品名称", "商品名称", "品名", "名称", "中文名称",
                "关区名称", "关区简称", "国别名称", "国别(地区)名称", "币制名称",
                "单位名称", "计量单位名称", "监管方式名称", "简称"),
    "name_en": ("name_en", "英文名称", "english name", "description", "英文"),
    "aliases": ("aliases", "别名", "iso", "iso代码", "英文代码"),
    "unit1": ("unit1", "第一法定计量单位", "第一计量单位", "法定第一单位", "第一单位",
              "法定计量单位"),
    "unit2": ("unit2", "第二法定计量单位", "第二计量单位", "法定第二单位", "第二单位"),
    "vat_rate": ("vat_rate", "增值税率", "增值税税率", "进口增值税率", "vat"),
    "ct_rate": ("ct_rate", "消费税率", "消费税税率", "进口消费税率", "consumption tax"),
    "note": ("note", "备注", "说明", "remark", "notes"),
}
SYNONYMS: dict[str, str] = {normalise_header(s): col for col, words in _SYNONYMS.items()
                            for s in words}


@dataclass(frozen=True)
class RowError:
    row: int  # row number as the user sees it in the file (the header row for a column)
    column: str
    message: Message

    def as_dict(self, lang: str) -> dict[str, Any]:
        return {"row": self.row, "column": self.column, "message": self.message.text(lang)}


@dataclass
class ParsedFile:
    table: str  # CLI name (hs, customs …)
    rows: dict[str, dict[str, Any]] = field(default_factory=dict)  # code → column values
    errors: list[RowError] = field(default_factory=list)


def load_mapping(path: Path | None) -> dict[str, str]:
    """A mapping file: JSON object {file header: column}, column one of COLUMNS."""
    if path is None:
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ValidationError("Mapping file {name} is not a JSON object of header → column.",
                              name=path.name) from exc
    if not isinstance(data, dict) or not all(
            isinstance(k, str) and v in COLUMNS for k, v in data.items()):
        raise ValidationError("Mapping file {name} is not a JSON object of header → column.",
                              name=path.name)
    return {normalise_header(k): v for k, v in data.items()}


def _text(value: object) -> str:
    if type(value) is str:  # the common case, first
        return value.strip()
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _rate(value: str) -> Decimal | None:
    """'13%', '0.13' or '13' → Decimal('0.13'); '' → None. Raises ValueError."""
    text = value.replace("％", "%").strip()
    if not text:
        return None
    percent = text.endswith("%")
    try:
        rate = Decimal(text.rstrip("%").strip())
    except InvalidOperation as exc:
        raise ValueError(text) from exc
    if percent or rate >= 1:
        rate /= 100
    if not Decimal(0) <= rate < Decimal(1):
        raise ValueError(text)
    return rate.normalize()


def _code(value: str, length: int, table: str) -> str:
    code = value.replace(".", "").replace(" ", "")
    if table == "positive-list":
        return code if code.isdigit() and len(code) in (8, 10) else ""
    if table == "hs" and code.isdigit() and len(code) == 8:
        code += "00"  # an 8-digit tariff line without national suffix
    if table in ("country", "currency", "unit") and code.isdigit() and len(code) < length:
        code = code.zfill(length)  # a spreadsheet made 035 into 35
    return code if code.isdigit() and len(code) == length else ""


def read_reference_file(path: Path, table: str, units: CodeTable,
                        mapping: dict[str, str] | None = None) -> ParsedFile:
    """Read and validate `path` as an edition of `table` (a key of TABLES).

    Raises ValidationError for a file that cannot be read at all; row problems are collected
    in `errors` (the caller stores nothing when there are any)."""
    _, required, length = TABLES[table]
    source = open_table(path)
    wanted = {**SYNONYMS, **(mapping or {})}
    columns: dict[int, str] = {}
    for index, header in enumerate(source.headers):
        column = wanted.get(normalise_header(header))
        if column is not None and column not in columns.values():
            columns[index] = column
    parsed = ParsedFile(table)
    for column in required:
        if column not in columns.values():
            parsed.errors.append(RowError(source.header_row, column, Message(
                N_("No column for {column}; name it in a mapping file."), {"column": column})))
    if parsed.errors:
        return parsed
    first_seen: dict[str, int] = {}
    resolve_unit = _unit_resolver(units)
    for number, cells in source.rows:
        values = {col: _text(cells[i]) if i < len(cells) else "" for i, col in columns.items()}
        if not any(values.values()):
            continue
        row = _validate(number, values, table, length, resolve_unit, parsed.errors)
        if row is None:
            continue
        code = row["code"]
        if code in first_seen:
            parsed.errors.append(RowError(number, "code", Message(
                N_("Code {code} repeats row {first}."), {"code": code,
                                                         "first": first_seen[code]})))
            continue
        first_seen[code] = number
        parsed.rows[code] = row
    return parsed


def _unit_resolver(units: CodeTable) -> Callable[[str], str | None]:
    """Unit text (code, 35, 千克, kg) → unit code, each distinct text resolved once."""
    cache: dict[str, str | None] = {}

    def resolve(text: str) -> str | None:
        try:
            return cache[text]
        except KeyError:
            unit = units.resolve(text.zfill(3) if text.isdigit() else text)
            cache[text] = unit
            return unit

    return resolve


def _validate(number: int, values: dict[str, str], table: str, length: int,
              resolve_unit: Callable[[str], str | None],
              errors: list[RowError]) -> dict[str, Any] | None:
    before = len(errors)
    code = _code(values.get("code", ""), length, table)
    if not code:
        errors.append(RowError(number, "code", Message(
            N_("{value} is not a valid code for this table."),
            {"value": values.get("code", "")})))
    row: dict[str, Any] = {"code": code, "name_zh": values.get("name_zh", ""),
                           "name_en": values.get("name_en", ""),
                           "aliases": values.get("aliases", ""), "note": values.get("note", "")}
    if table not in ("positive-list",) and not row["name_zh"]:
        errors.append(RowError(number, "name_zh", Message(N_("The name is empty."))))
    if table == "hs":
        for column in ("unit1", "unit2"):
            text = values.get(column, "")
            unit = resolve_unit(text) if text else None
            if text and unit is None:
                errors.append(RowError(number, column, Message(
                    N_("{value} is not a unit code or unit name."), {"value": text})))
            row[column] = unit
        if not row["unit1"] and not any(e.column == "unit1" for e in errors[before:]):
            errors.append(RowError(number, "unit1", Message(N_("The first legal unit is "
                                                               "empty."))))
        for column in ("vat_rate", "ct_rate"):
            try:
                row[column] = _rate(values.get(column, ""))
            except ValueError:
                errors.append(RowError(number, column, Message(
                    N_("{value} is not a rate (13%, 0.13)."), {"value": values[column]})))
    return row if len(errors) == before else None
